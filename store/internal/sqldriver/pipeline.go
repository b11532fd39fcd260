package sqldriver

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
)

// Stmt is one statement with its bind parameters.
type Stmt struct {
	SQL  string
	Args []any
}

// Row is the one result row of a statement.
type Row interface {
	Scan(dest ...any) error
}

// Pipeliner is an optional part of a Dialect: it runs a batch's
// transaction in two round trips to the server instead of four (BEGIN, the
// batch statement, the audit entry, COMMIT). PostgreSQL implements it for
// connections of pgx, whose batches send several statements at once.
//
// Every batch pays its round trips, and a hand-written batched DELETE pays
// one; on a server whose commit is fast they are a large part of a
// batch's cost.
type Pipeliner interface {
	// Pipeline opens a batch's transaction on a connection of db (holding
	// the dialect's HoldFence shared, as BeginBatch does) and runs first in
	// the same round trip, handing its one row to scan. It then calls
	// second, and runs the statements it returns and the commit in one
	// more round trip. When second returns no statements or an error, or
	// anything fails, the transaction is rolled back and nothing is
	// stored. It returns false, having done nothing, when db's connections
	// cannot send several statements at once; the caller then runs the
	// batch the ordinary way.
	Pipeline(ctx context.Context, db *sql.DB, first Stmt, scan func(Row) error, second func() ([]Stmt, error)) (bool, error)
}

// pipelinedCount runs a count-only set-based batch (setBasedCount) through
// a Pipeliner: the batch statement reads the audit head in the first round
// trip, the entry is sealed in Go, and stored with the commit in the
// second. It returns false when the dialect or the connection cannot.
func (s *Store) pipelinedCount(ctx context.Context, q *selection, b store.Batch) (store.BatchResult, bool, error) {
	p, ok := s.d.(Pipeliner)
	if !ok || !s.d.ReturningCTE() {
		return store.BatchResult{}, false, nil
	}
	bd := &builder{d: s.d}
	first := Stmt{SQL: s.countWithHead(q, s.setBasedStmt(bd, q, b))}
	first.Args = bd.args
	var n, seq int64
	var head audit.Head
	var sealed audit.Entry
	var buildErr error
	last := make([]any, len(q.orderCols()))
	done, err := p.Pipeline(ctx, s.db, first,
		func(r Row) error { return r.Scan(append([]any{&n, &seq, &head.Hash}, pointers(last)...)...) },
		func() ([]Stmt, error) {
			if n == 0 {
				return nil, nil
			}
			e, err := callAudit(b.Audit, nil, int(n))
			if err != nil {
				buildErr = s.errorf("dataset %q: %w", q.t.id, err)
				return nil, buildErr
			}
			head.Seq = uint64(seq)
			sealed = audit.Seal(head, e)
			return s.auditStmts(sealed)
		})
	switch {
	case !done:
		return store.BatchResult{}, false, nil
	case buildErr != nil:
		return store.BatchResult{}, true, buildErr
	case err != nil:
		return store.BatchResult{}, true, s.errorf("dataset %q: batch: %w", q.t.id, err)
	case n == 0:
		return store.BatchResult{}, true, nil
	}
	if b.Delete {
		last = nil // as in Process
	}
	return store.BatchResult{Count: int(n), Entry: sealed, Next: q.position(last)}, true, nil
}

// countWithHead wraps a DELETE or UPDATE of a batch so that it returns how
// many records it processed, the audit head, read under its lock, and the
// position of its last record in the selection's order (NULLs when it
// processed none).
func (s *Store) countWithHead(q *selection, stmt string) string {
	cols := q.orderCols()
	ret := make([]string, len(cols))
	out := make([]string, len(cols))
	desc := make([]string, len(cols))
	for i, c := range cols {
		// The columns of the table itself: RETURNING names no alias.
		ret[i] = fmt.Sprintf("%s AS p%d", strings.TrimPrefix(c, "t."), i)
		out[i] = fmt.Sprintf("l.p%d", i)
		desc[i] = fmt.Sprintf("p%d DESC", i)
	}
	return fmt.Sprintf("WITH d AS (%s RETURNING %s) SELECT (SELECT COUNT(*) FROM d), h.seq, h.hash, %s FROM %s h "+
		"LEFT JOIN (SELECT * FROM d ORDER BY %s LIMIT 1) l ON true WHERE h.id = 1%s",
		stmt, strings.Join(ret, ", "), strings.Join(out, ", "), s.own("frist_audit_head"), strings.Join(desc, ", "), s.lockOf("h"))
}

// lockOf is the dialect's lock suffix restricted to one table alias, for a
// statement that joins others.
func (s *Store) lockOf(alias string) string {
	if l := s.d.LockSuffix(); l != "" {
		return l + " OF " + alias
	}
	return ""
}
