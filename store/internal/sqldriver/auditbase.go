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
// locks the head row as every append does, reads the base, walks the
// kept entries in position order from the one after it, reading only
// their position and time, until the first that is not due (so it
// reads what is due and one more), and then deletes the due prefix,
// replaces the base and appends the drop's entry. A gap in the positions
// walked means rows were deleted outside frist: nothing is dropped over
// it, and the error says where.
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

// dueRow is one entry of the prefix walked: its position and time, and
// for the first and last dropped, its hash.
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
	// The walk read positions and times only; the hashes of the first
	// and last entry dropped are read once.
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

// dropPage is how many entries duePrefix reads at a time: a query is
// never left with rows unread, which PostgreSQL would send all the same.
const dropPage = 10000

// duePrefix walks the entries after base in position order, a page at a
// time, and returns the first and last of the longest due prefix and how
// many it holds.
func (s *Store) duePrefix(ctx context.Context, tx Tx, base audit.Base, d store.AuditDrop) (first, last dueRow, n int, err error) {
	want := base.Seq + 1
	for {
		page, err := s.duePage(ctx, tx, want-1, d)
		if err != nil {
			return first, last, 0, err
		}
		for _, r := range page {
			at, terr := s.d.ScanTime(r.at)
			if terr != nil {
				return first, last, 0, s.errorf("drop audit entries: entry %d: its column at does not hold a time; the log is broken there and nothing is dropped", r.seq)
			}
			if r.seq != want {
				what := fmt.Sprintf("entry %d", want-1)
				if want-1 == base.Seq {
					what = fmt.Sprintf("the base (entry %d)", base.Seq)
				}
				if want == 1 {
					what = "the start of a log without a base"
				}
				return first, last, 0, s.errorf("drop audit entries: entry %d follows %s: entries are missing, the log is broken there and nothing is dropped", r.seq, what)
			}
			if !d.Due(r.seq, at) {
				return first, last, n, nil
			}
			if n == 0 {
				first = r
			}
			last, n, want = r, n+1, want+1
		}
		if len(page) < dropPage {
			return first, last, n, nil
		}
	}
}

// duePage reads up to dropPage entries after position after, not past
// d.Through.
func (s *Store) duePage(ctx context.Context, tx Tx, after uint64, d store.AuditDrop) ([]dueRow, error) {
	bd := &Builder{d: s.d}
	stmt := fmt.Sprintf("SELECT seq, at FROM %s WHERE seq > %s", s.own("frist_audit"), bd.Arg(int64(after)))
	if d.Through > 0 {
		stmt += " AND seq <= " + bd.Arg(int64(d.Through))
	}
	rows, err := tx.QueryContext(ctx, fmt.Sprintf("%s ORDER BY seq LIMIT %d", stmt, dropPage), bd.args...)
	if err != nil {
		return nil, s.errorf("drop audit entries: %w", err)
	}
	defer rows.Close()
	var out []dueRow
	for rows.Next() {
		var r dueRow
		var seq int64
		if err := rows.Scan(&seq, &r.at); err != nil {
			return nil, s.errorf("drop audit entries: %w", err)
		}
		if seq < 0 {
			return nil, s.errorf("drop audit entries: a row has the position %d; the log is broken and nothing is dropped", seq)
		}
		r.seq = uint64(seq)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("drop audit entries: %w", err)
	}
	return out, nil
}
