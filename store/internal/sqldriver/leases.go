package sqldriver

import (
	"context"
	"fmt"
	"time"
)

// AcquireLease implements store.Leases.AcquireLease with one upsert: the
// row is inserted when absent and taken over only when it is owner's or has
// expired at now, so two replicas racing for a free lease cannot both win.
//
// A read comes first, and a lease that another owner holds until after now
// is refused on it without writing. Replicas that do not sweep then never
// ask for the write lock (SQLite) or the lease row's lock (PostgreSQL):
// on SQLite every write queues for the one write lock, and three replicas
// asking for a taken lease every few milliseconds would compete with the
// sweeping replica's batches and the application's own writes, under load
// for longer than busy_timeout. The upsert's condition stays the authority,
// so a lease freed between the read and the upsert is still taken once.
//
// A lease row (rather than a session advisory lock) is used because a sweep
// spans many transactions and may outlive one connection; a row with an
// expiry survives connection pools such as PgBouncer in transaction mode,
// and a crashed replica's lease simply expires.
func (s *Store) AcquireLease(ctx context.Context, name, owner string, now time.Time, ttl time.Duration) (bool, error) {
	if err := s.usable(); err != nil {
		return false, err
	}
	if name == "" || owner == "" {
		return false, s.errorf("acquire lease: name and owner must not be empty")
	}
	if ttl <= 0 {
		return false, s.errorf("acquire lease %q: ttl %v is not positive", name, ttl)
	}
	lt := s.own("frist_leases")
	bd := &Builder{d: s.d}
	var taken int
	err := s.db.QueryRowContext(ctx, fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE name = %s AND owner <> %s AND expires_at > %s",
		lt, bd.Arg(name), bd.Arg(owner), bd.Arg(s.d.TimeArg(now))), bd.args...).Scan(&taken)
	if err != nil {
		return false, s.errorf("acquire lease %q: %w", name, err)
	}
	if taken > 0 {
		return false, nil
	}
	bd = &Builder{d: s.d}
	stmt := fmt.Sprintf(`INSERT INTO %s AS l (name, owner, expires_at) VALUES (%s, %s, %s)
ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
WHERE l.owner = excluded.owner OR l.expires_at <= %s`,
		lt, bd.Arg(name), bd.Arg(owner), bd.Arg(s.d.TimeArg(now.Add(ttl))), bd.Arg(s.d.TimeArg(now)))
	res, err := s.exec(ctx, stmt, bd.args...)
	if err != nil {
		return false, s.errorf("acquire lease %q: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, s.errorf("acquire lease %q: %w", name, err)
	}
	return n == 1, nil
}

// ReleaseLease implements store.Leases.ReleaseLease.
func (s *Store) ReleaseLease(ctx context.Context, name, owner string) error {
	if err := s.usable(); err != nil {
		return err
	}
	bd := &Builder{d: s.d}
	stmt := fmt.Sprintf("DELETE FROM %s WHERE name = %s AND owner = %s", s.own("frist_leases"), bd.Arg(name), bd.Arg(owner))
	if _, err := s.exec(ctx, stmt, bd.args...); err != nil {
		return s.errorf("release lease %q: %w", name, err)
	}
	return nil
}
