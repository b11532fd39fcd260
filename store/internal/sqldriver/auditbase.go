package sqldriver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
)

// AuditBase implements store.AuditLog.AuditBase: the row of
// frist_audit_base, or the zero Base when there is none.
func (s *Store) AuditBase(ctx context.Context) (audit.Base, error) {
	if err := s.usable(); err != nil {
		return audit.Base{}, err
	}
	return s.auditBase(ctx, s.db)
}

// querier is what reads the base: the database or a transaction.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// auditBase reads the base through q.
func (s *Store) auditBase(ctx context.Context, q querier) (audit.Base, error) {
	var b audit.Base
	var seq int64
	var at any
	err := q.QueryRowContext(ctx, "SELECT seq, hash, at, genesis, sig FROM "+s.own("frist_audit_base")+" WHERE id = 1").
		Scan(&seq, &b.Hash, &at, &b.Genesis, &b.Sig)
	if errors.Is(err, sql.ErrNoRows) {
		return audit.Base{}, nil
	}
	if err != nil {
		return audit.Base{}, s.errorf("read audit base: %w", err)
	}
	if seq <= 0 {
		return audit.Base{}, s.errorf("read audit base: position %d is not a position of the log", seq)
	}
	b.Seq = uint64(seq)
	if b.Time, err = s.d.ScanTime(at); err != nil {
		return audit.Base{}, s.errorf("read audit base: its column at does not hold a time")
	}
	return b, nil
}

// DropAudit implements store.AuditLog.DropAudit in one transaction: it
// locks the head row as every append does, reads the base, finds the due
// prefix in the database (duePrefix: the position index walked as far as
// what is due and one more, nothing sent to the client), and then
// deletes it, replaces the base and appends the drop's entry. A gap in
// the positions means rows were deleted outside frist: nothing is
// dropped over it, and the error says where.
func (s *Store) DropAudit(ctx context.Context, d store.AuditDrop) (store.AuditDropped, error) {
	if err := s.usable(); err != nil {
		return store.AuditDropped{}, err
	}
	tx, err := s.d.Begin(ctx, s.db)
	if err != nil {
		return store.AuditDropped{}, s.errorf("drop audit entries: %w", err)
	}
	out, err := s.dropAudit(ctx, tx, d)
	if err != nil {
		return store.AuditDropped{}, Rollback(tx, err)
	}
	if err := tx.Commit(); err != nil {
		return store.AuditDropped{}, s.errorf("drop audit entries: commit: %w", err)
	}
	return out, nil
}

// dueRow is the first or last entry of the prefix dropped: its position,
// hash and (for the last) its column at.
type dueRow struct {
	seq  uint64
	at   any
	hash string
}

func (s *Store) dropAudit(ctx context.Context, tx Tx, d store.AuditDrop) (store.AuditDropped, error) {
	var head audit.Head
	var headSeq int64
	if err := tx.QueryRowContext(ctx, s.headQuery()).Scan(&headSeq, &head.Hash); err != nil {
		return store.AuditDropped{}, s.errorf("read audit head: %w", err)
	}
	head.Seq = uint64(headSeq)
	base, err := s.auditBase(ctx, tx)
	if err != nil {
		return store.AuditDropped{}, err
	}
	first, last, n, err := s.duePrefix(ctx, tx, base, d)
	if err != nil || n == 0 {
		return store.AuditDropped{}, err
	}
	// The hashes of the first and last entry dropped are read once.
	for _, r := range []*dueRow{&first, &last} {
		bd := &Builder{d: s.d}
		q := fmt.Sprintf("SELECT hash FROM %s WHERE seq = %s", s.own("frist_audit"), bd.Arg(int64(r.seq)))
		if err := tx.QueryRowContext(ctx, q, bd.args...).Scan(&r.hash); err != nil {
			return store.AuditDropped{}, s.errorf("drop audit entries: reading entry %d: %w", r.seq, err)
		}
	}
	lastTime, err := s.d.ScanTime(last.at)
	if err != nil {
		return store.AuditDropped{}, s.errorf("drop audit entries: entry %d: its column at does not hold a time", last.seq)
	}
	nb, rec := d.Result(base, first.seq, audit.Head{Seq: last.seq, Hash: last.hash}, lastTime, first.hash, n)
	bd := &Builder{d: s.d}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("DELETE FROM %s WHERE seq <= %s", s.own("frist_audit"), bd.Arg(int64(last.seq))), bd.args...); err != nil {
		return store.AuditDropped{}, s.errorf("drop audit entries: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM "+s.own("frist_audit_base")); err != nil {
		return store.AuditDropped{}, s.errorf("store audit base: %w", err)
	}
	bd = &Builder{d: s.d}
	stmt := fmt.Sprintf("INSERT INTO %s (id, seq, hash, at, genesis, sig) VALUES (1, %s, %s, %s, %s, %s)", s.own("frist_audit_base"),
		bd.Arg(int64(nb.Seq)), bd.Arg(nb.Hash), bd.Arg(s.d.TimeArg(nb.Time)), bd.Arg(nb.Genesis), bd.Arg(nb.Sig))
	if _, err := tx.ExecContext(ctx, stmt, bd.args...); err != nil {
		return store.AuditDropped{}, s.errorf("store audit base: %w", err)
	}
	sealed, err := s.appendAuditAt(ctx, tx, head, rec)
	if err != nil {
		return store.AuditDropped{}, err
	}
	return store.AuditDropped{First: first.seq, Last: last.seq, Count: n, Base: nb, Entry: sealed}, nil
}

// duePrefix finds the longest due prefix after base in the database, so
// that no row crosses to the client: the first position after base that
// is not due (its time is not before d.Before, or it is after d.Through),
// found by the position index, stopping there; then how many rows lie
// between, and their first and last position, which must be base+1 and
// base+n: a gap means rows were deleted outside frist, and nothing is
// dropped. A row whose column at does not hold a time stops the prefix
// and is an error, since the log is broken there.
func (s *Store) duePrefix(ctx context.Context, tx Tx, base audit.Base, d store.AuditDrop) (first, last dueRow, n int, err error) {
	table := s.own("frist_audit")
	bd := &Builder{d: s.d}
	stop := fmt.Sprintf("at >= %s", bd.Arg(s.d.TimeArg(d.Before)))
	if d.Through > 0 {
		stop = fmt.Sprintf("(%s OR seq > %s)", stop, bd.Arg(int64(d.Through)))
	}
	q := fmt.Sprintf("SELECT seq, at FROM %s WHERE seq > %s AND %s ORDER BY seq LIMIT 1", table, bd.Arg(int64(base.Seq)), stop)
	var endSeq int64
	var endAt any
	bounded := true
	switch err := tx.QueryRowContext(ctx, q, bd.args...).Scan(&endSeq, &endAt); {
	case errors.Is(err, sql.ErrNoRows):
		bounded = false
	case err != nil:
		return first, last, 0, s.errorf("drop audit entries: %w", err)
	default:
		if _, terr := s.d.ScanTime(endAt); terr != nil && (d.Through == 0 || endSeq <= int64(d.Through)) {
			return first, last, 0, s.errorf("drop audit entries: entry %d: its column at does not hold a time; the log is broken there and nothing is dropped", endSeq)
		}
	}
	bd = &Builder{d: s.d}
	q = fmt.Sprintf("SELECT COUNT(*), COALESCE(MIN(seq), 0), COALESCE(MAX(seq), 0) FROM %s WHERE seq > %s", table, bd.Arg(int64(base.Seq)))
	if bounded {
		q += " AND seq < " + bd.Arg(endSeq)
	}
	var count, lo, hi int64
	if err := tx.QueryRowContext(ctx, q, bd.args...).Scan(&count, &lo, &hi); err != nil {
		return first, last, 0, s.errorf("drop audit entries: %w", err)
	}
	if count == 0 {
		return first, last, 0, nil
	}
	if lo != int64(base.Seq)+1 || hi != int64(base.Seq)+count {
		what := fmt.Sprintf("the base (entry %d)", base.Seq)
		if base.IsZero() {
			what = "the start of a log without a base"
		}
		return first, last, 0, s.errorf("drop audit entries: the %d entries after %s run from %d to %d: entries are missing, the log is broken there and nothing is dropped", count, what, lo, hi)
	}
	first.seq, last.seq = uint64(lo), uint64(hi)
	bd = &Builder{d: s.d}
	q = fmt.Sprintf("SELECT at FROM %s WHERE seq = %s", table, bd.Arg(hi))
	if err := tx.QueryRowContext(ctx, q, bd.args...).Scan(&last.at); err != nil {
		return first, last, 0, s.errorf("drop audit entries: reading entry %d: %w", hi, err)
	}
	return first, last, int(count), nil
}
