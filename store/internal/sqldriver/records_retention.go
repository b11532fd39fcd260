package sqldriver

import (
	"context"
	"fmt"
	"time"

	"github.com/frist-go/frist/store"
)

// ExpireConsents implements store.ConsentStore.ExpireConsents in one
// statement: which event of a subject and purpose is the latest is decided
// by the statement that deletes, so a grant appended meanwhile is never
// deleted with the history it follows.
func (s *Store) ExpireConsents(ctx context.Context, endedBefore time.Time) (int, error) {
	if err := s.usable(); err != nil {
		return 0, err
	}
	t := s.own("frist_consent_events")
	bd := &Builder{d: s.d}
	// e is the latest event of its pair (by at, then id) and before the
	// cutoff, and no grant g of the pair is in force: every grant has a
	// withdrawal w after it (a refusal ends nothing). c is every event of
	// the pair.
	stmt := fmt.Sprintf(`DELETE FROM %[1]s WHERE id IN (SELECT c.id FROM %[1]s c WHERE EXISTS (
SELECT 1 FROM %[1]s e WHERE e.subject = c.subject AND e.purpose = c.purpose AND e.at < %[4]s
AND NOT EXISTS (SELECT 1 FROM %[1]s l WHERE l.subject = e.subject AND l.purpose = e.purpose AND (l.at > e.at OR (l.at = e.at AND l.id > e.id)))
AND NOT EXISTS (SELECT 1 FROM %[1]s g WHERE g.subject = e.subject AND g.purpose = e.purpose AND g.kind = %[3]s
AND NOT EXISTS (SELECT 1 FROM %[1]s w WHERE w.subject = g.subject AND w.purpose = g.purpose AND w.kind = %[2]s AND (w.at > g.at OR (w.at = g.at AND w.id > g.id))))))`,
		t, bd.Arg(string(store.ConsentWithdrawn)), bd.Arg(string(store.ConsentGranted)), bd.Arg(s.d.TimeArg(ceilMicro(endedBefore))))
	res, err := s.exec(ctx, stmt, bd.args...)
	if err != nil {
		return 0, s.errorf("expire consent events: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, s.errorf("expire consent events: %w", err)
	}
	return int(n), nil
}

// PseudonymizeRequests implements store.RequestStore.PseudonymizeRequests
// one subject at a time: the subjects due are read, then each subject's
// due requests are changed by one statement that checks again that they
// are due and not yet pseudonymized, so a concurrent call changes nothing
// twice.
func (s *Store) PseudonymizeRequests(ctx context.Context, closedBefore time.Time, pseudonym func(subject string) string) (int, error) {
	if err := s.usable(); err != nil {
		return 0, err
	}
	due := func(bd *Builder) string {
		return fmt.Sprintf("is_final = %s AND pseudonymized = %s AND closed_at < %s", bd.Arg(true), bd.Arg(false), bd.Arg(s.d.TimeArg(ceilMicro(closedBefore))))
	}
	bd := &Builder{d: s.d}
	stmt := fmt.Sprintf("SELECT DISTINCT subject FROM %s WHERE %s", s.own("frist_requests"), due(bd))
	rows, err := s.db.QueryContext(ctx, stmt, bd.args...)
	if err != nil {
		return 0, s.errorf("pseudonymize requests: %w", err)
	}
	var subjects []string
	for rows.Next() {
		var sub string
		if err := rows.Scan(&sub); err != nil {
			rows.Close()
			return 0, s.errorf("pseudonymize requests: %w", err)
		}
		subjects = append(subjects, sub)
	}
	if err := rows.Close(); err != nil {
		return 0, s.errorf("pseudonymize requests: %w", err)
	}
	if err := rows.Err(); err != nil {
		return 0, s.errorf("pseudonymize requests: %w", err)
	}
	total := 0
	for _, sub := range subjects {
		bd := &Builder{d: s.d}
		stmt := fmt.Sprintf("UPDATE %s SET subject = %s, pseudonymized = %s WHERE subject = %s AND %s",
			s.own("frist_requests"), bd.Arg(pseudonym(sub)), bd.Arg(true), bd.Arg(sub), due(bd))
		res, err := s.exec(ctx, stmt, bd.args...)
		if err != nil {
			return total, s.errorf("pseudonymize requests: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, s.errorf("pseudonymize requests: %w", err)
		}
		total += int(n)
	}
	return total, nil
}

// ExpireRequests implements store.RequestStore.ExpireRequests in one
// transaction.
func (s *Store) ExpireRequests(ctx context.Context, closedBefore time.Time) (int, error) {
	if err := s.usable(); err != nil {
		return 0, err
	}
	tx, err := s.d.Begin(ctx, s.db)
	if err != nil {
		return 0, s.errorf("expire requests: %w", err)
	}
	total := 0
	for _, stmt := range []func(bd *Builder) string{
		func(bd *Builder) string {
			return fmt.Sprintf("DELETE FROM %s WHERE is_final = %s AND closed_at < %s", s.own("frist_requests"), bd.Arg(true), bd.Arg(s.d.TimeArg(ceilMicro(closedBefore))))
		},
		func(bd *Builder) string {
			return fmt.Sprintf("DELETE FROM %s WHERE lifted_at < %s", s.own("frist_objections"), bd.Arg(s.d.TimeArg(ceilMicro(closedBefore))))
		},
	} {
		bd := &Builder{d: s.d}
		q := stmt(bd)
		res, err := tx.ExecContext(ctx, q, bd.args...)
		if err != nil {
			return 0, Rollback(tx, s.errorf("expire requests: %w", err))
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, Rollback(tx, s.errorf("expire requests: %w", err))
		}
		total += int(n)
	}
	if err := tx.Commit(); err != nil {
		return 0, s.errorf("expire requests: commit: %w", err)
	}
	return total, nil
}

// ceilMicro rounds a cutoff up to the microsecond that frist's own time
// columns keep: a stored time x (whole microseconds) is before t exactly
// when it is before t rounded up. Rounding down, as the columns' own
// conversion does, would keep a record stored at the microsecond just
// before a cutoff such as policy.Period.EndedBefore returns (a nanosecond
// after a whole second) until a later sweep.
func ceilMicro(t time.Time) time.Time {
	if f := t.Truncate(time.Microsecond); !f.Equal(t) {
		return f.Add(time.Microsecond)
	}
	return t
}
