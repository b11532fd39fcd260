package pgstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/internal/sqldriver"
)

// claimLock locks the rows a batch claims; rows another sweeper claimed
// are skipped, so concurrent sweepers never claim the same row and never
// wait for each other's.
const claimLock = " FOR UPDATE SKIP LOCKED"

// batches is PostgreSQL's batch strategy (sqldriver.BatchFunc): each
// batch claims its rows with FOR UPDATE SKIP LOCKED inside the hold fence
// (fence.go), reaches them by row address where the table has one, and
// takes as few round trips as it can, since on a server whose commit is
// fast they are a large part of a batch's cost.
type batches struct {
	d dialect
	// addrs holds the row address column ("ctid") of each dataset whose
	// table has one, read at New (rowAddress).
	addrs map[string]string
}

// run runs one batch:
//
//   - a CountOnly batch (no Go operator, no subject column) in two round
//     trips where the connection is pgx's (pipelined), else in one
//     statement that deletes or nulls the claimed rows and reads the
//     audit head (countWithHead);
//   - a batch whose audit entry names its records in one statement that
//     returns them in the selection's order;
//   - a Go operator's batch by reading the claimed rows, applying the
//     operator and writing the records back with one UPDATE per set of
//     returned fields (updateByAddress).
func (p *batches) run(ctx context.Context, b *sqldriver.Batch) (store.BatchResult, error) {
	if b.CountOnly() {
		if res, done, err := p.pipelined(ctx, b); done {
			return res, err
		}
	}
	tx, err := p.d.BeginBatch(ctx, b.DB())
	if err != nil {
		return store.BatchResult{}, b.Errorf("begin batch: %w", err)
	}
	var d sqldriver.Done
	switch {
	case b.Transforms():
		d, err = p.transform(ctx, tx, b)
	case b.CountOnly():
		bd := b.Builder()
		stmt := countWithHead(b, b.Act(bd, b.Table(), p.claimed(bd, b)))
		var head audit.Head
		var n int
		var last []any
		if n, head, last, err = scanCount(tx.QueryRowContext(ctx, stmt, bd.Args()...), b); err == nil {
			d = sqldriver.Done{Count: n, Next: last, Head: &head}
		}
	default:
		d, err = p.returning(ctx, tx, b)
	}
	if err != nil {
		return store.BatchResult{}, sqldriver.Rollback(tx, err)
	}
	return b.Commit(ctx, tx, d)
}

// claimed writes the condition "the record is one of those the batch
// claims": by row address where the table has one (rowAddress), else by
// key.
//
// The claimed rows are looked up as an array, "col = ANY(ARRAY(...))":
// for a batch of more than a few thousand keys the planner turns "key IN
// (sub-select)" into a hash semi-join over a sequential scan of the whole
// table, so every batch would cost O(table) instead of O(batch). The array
// is computed once and each row is reached through the key's index or,
// by ctid, straight from its page.
func (p *batches) claimed(bd *sqldriver.Builder, b *sqldriver.Batch) string {
	col := b.Key()
	if a := p.addrs[b.Dataset()]; a != "" {
		col = a
	}
	sub := b.Select(bd, []string{"t." + col}, sqldriver.Scope{}) + b.LimitClause() + claimLock
	return col + " = ANY(ARRAY(" + sub + "))"
}

// returning deletes or nulls the claimed rows in one statement that
// returns their keys and subjects, ordered by the database in the
// selection's order; the last row's order value and key, as stored, are
// the batch's Next.
func (p *batches) returning(ctx context.Context, tx sqldriver.Tx, b *sqldriver.Batch) (sqldriver.Done, error) {
	bd := b.Builder()
	stmt := "WITH d (k, s, o) AS (" + b.Act(bd, b.Table(), p.claimed(bd, b)) + b.Returning() +
		") SELECT CAST(k AS TEXT), CAST(s AS TEXT), o, k FROM d ORDER BY d.o, d.k"
	rows, err := tx.QueryContext(ctx, stmt, bd.Args()...)
	if err != nil {
		return sqldriver.Done{}, b.Errorf("batch statement: %w", err)
	}
	defer rows.Close()
	var recs []store.Record
	var order, key any
	for rows.Next() {
		var k, s sql.NullString
		if err := rows.Scan(&k, &s, &order, &key); err != nil {
			return sqldriver.Done{}, b.Errorf("read batch: %w", err)
		}
		recs = append(recs, store.Record{Key: k.String, Subject: s.String})
	}
	if err := rows.Err(); err != nil {
		return sqldriver.Done{}, b.Errorf("batch statement: %w", err)
	}
	var next []any
	if len(recs) > 0 {
		next = []any{key}
		if len(b.OrderCols()) == 2 {
			next = []any{order, key}
		}
	}
	return sqldriver.Done{Processed: recs, Count: len(recs), Next: next}, nil
}

// countWithHead wraps stmt, a DELETE or UPDATE of a batch, so that it
// returns how many records it processed, the audit head, read under its
// lock, and the position of its last record in the selection's order
// (NULLs when it processed none). The batch then reads the head in the
// statement it runs anyway, a round trip less.
func countWithHead(b *sqldriver.Batch, stmt string) string {
	cols := b.OrderCols()
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
		"LEFT JOIN (SELECT * FROM d ORDER BY %s LIMIT 1) l ON true WHERE h.id = 1 FOR UPDATE OF h",
		stmt, strings.Join(ret, ", "), strings.Join(out, ", "), b.Own("frist_audit_head"), strings.Join(desc, ", "))
}

// scanCount reads the row of a countWithHead statement: how many records
// the batch processed, the audit head and the batch's last position.
func scanCount(r row, b *sqldriver.Batch) (int, audit.Head, []any, error) {
	var n, seq int64
	var head audit.Head
	last := make([]any, len(b.OrderCols()))
	dst := []any{&n, &seq, &head.Hash}
	for i := range last {
		dst = append(dst, &last[i])
	}
	if err := r.Scan(dst...); err != nil {
		return 0, audit.Head{}, nil, b.Errorf("batch statement: %w", err)
	}
	head.Seq = uint64(seq)
	return int(n), head, last, nil
}

// pipelined runs a CountOnly batch in two round trips (Pipeline): the
// countWithHead statement goes with BEGIN, the entry is sealed in Go to
// the head it read, and stored with COMMIT. It returns false, having done
// nothing, when the connection is not pgx's.
func (p *batches) pipelined(ctx context.Context, b *sqldriver.Batch) (store.BatchResult, bool, error) {
	bd := b.Builder()
	first := sqldriver.Stmt{SQL: countWithHead(b, b.Act(bd, b.Table(), p.claimed(bd, b))), Args: bd.Args()}
	var n int
	var head audit.Head
	var last []any
	var sealed audit.Entry
	var buildErr error
	done, err := p.d.Pipeline(ctx, b.DB(), first,
		func(r row) (err error) {
			n, head, last, err = scanCount(r, b)
			return err
		},
		func() ([]sqldriver.Stmt, error) {
			if n == 0 {
				return nil, nil
			}
			e, err := b.Entry(nil, n)
			if err != nil {
				buildErr = err
				return nil, err
			}
			sealed = audit.Seal(head, e)
			return b.AuditStmts(sealed)
		})
	switch {
	case !done:
		return store.BatchResult{}, false, nil
	case buildErr != nil:
		return store.BatchResult{}, true, buildErr
	case err != nil:
		return store.BatchResult{}, true, b.Errorf("batch: %w", err)
	case n == 0:
		return store.BatchResult{}, true, nil
	}
	return b.Result(sqldriver.Done{Count: n, Next: last}, sealed), true, nil
}

// transform reads the claimed rows of a Go operator's batch, applies the
// operator and writes the records back: by row address, one statement per
// set of returned fields (updateByAddress), where the table has row
// addresses and every transformed field's type an array form; else one
// UPDATE per record by key.
func (p *batches) transform(ctx context.Context, tx sqldriver.Tx, b *sqldriver.Batch) (sqldriver.Done, error) {
	addr := p.addrs[b.Dataset()]
	for _, f := range b.Transformed() {
		if _, ok := valueArray("", b.FieldType(f)); !ok {
			addr = ""
		}
	}
	extra := ""
	if addr != "" {
		extra = "t." + addr
	}
	return b.Transform(ctx, tx, sqldriver.Scope{}, claimLock, extra, func(recs []store.Record, addrs []string, g sqldriver.Group) error {
		if addr == "" {
			return b.UpdateEach(ctx, tx, recs, g)
		}
		bd := b.Builder()
		stmt := updateByAddress(bd, b, addr, addrs, g)
		if _, err := tx.ExecContext(ctx, stmt, bd.Args()...); err != nil {
			return b.Errorf("update records: %w", err)
		}
		return nil
	})
}

// updateByAddress writes the statement that writes the records of g back
// at once, taking their row addresses and each field's new values as
// arrays,
//
//	UPDATE table AS t SET col = v.c0, ... FROM unnest(addrs, vals0, ...) AS v (a, c0, ...)
//	WHERE t.ctid = ANY(ARRAY(SELECT unnest(addrs))) AND t.ctid = v.a
//
// instead of one UPDATE per record: each statement is a round trip to the
// server, and a batch of 1000 records spent nearly all its time waiting
// for 1000 of them. The addresses reach the rows directly, as in a delete;
// behind ARRAY(SELECT ...) the planner does not see how many there are,
// so a large batch is still planned as direct reads of its rows and never
// as a scan of the whole table, which a list of many thousands of keys or
// addresses it can count would be. The claiming select locked the rows, so
// their addresses cannot change before the statement. Each field's values
// are typed as its column, so each binds as "col = param" would.
func updateByAddress(bd *sqldriver.Builder, b *sqldriver.Batch, addr string, addrs []string, g sqldriver.Group) string {
	as := make([]string, len(g.Rows))
	for j, i := range g.Rows {
		as[j] = addrs[i]
	}
	ap := "CAST(CAST(" + bd.Arg(as) + " AS text[]) AS tid[])"
	arrays, cols := []string{ap}, []string{"a"}
	for n, f := range g.Names {
		col := make([]any, len(g.Rows))
		for j := range g.Rows {
			col[j] = b.WriteValue(g.Vals[j][f])
		}
		arr, _ := valueArray(bd.Arg(col), b.FieldType(f)) // checked by transform
		arrays = append(arrays, arr)
		cols = append(cols, fmt.Sprintf("c%d", n))
	}
	set := b.Sets(bd, g.Names, func(f string) string { return fmt.Sprintf("v.c%d", slices.Index(g.Names, f)) })
	return fmt.Sprintf("UPDATE %s AS t SET %s FROM unnest(%s) AS v (%s) WHERE t.%s = ANY(ARRAY(SELECT unnest(%s))) AND t.%s = v.a",
		b.Table(), set, strings.Join(arrays, ", "), strings.Join(cols, ", "), addr, ap, addr)
}

// valueArray returns the bound parameter p, a []any of values for a
// column of catalog type typ (nil for NULL), as an array of that type,
// which pgx encodes element by element as it would a single value for
// "column = $n"; false for an array column, which has no such form
// (PostgreSQL's arrays of arrays are one type with more dimensions).
func valueArray(p, typ string) (string, bool) {
	if typ == "" || strings.HasSuffix(typ, "]") {
		return "", false
	}
	return "CAST(" + p + " AS " + typ + "[])", true
}

// rowAddress returns the column that addresses a row of table (quoted,
// possibly schema-qualified) directly: ctid on an ordinary table; "" on a
// partitioned table, whose partitions repeat ctids, and on anything else
// (a view has none). A claimed row is locked, so its ctid cannot change
// before the statement acts on it, and a TID scan reads each row straight
// from its page, at half the cost of the key lookups on a table of a
// million rows and independent of the table's size.
func rowAddress(ctx context.Context, db *sql.DB, table string) (string, error) {
	var kind string
	if err := db.QueryRowContext(ctx, `SELECT relkind FROM pg_class WHERE oid = to_regclass($1)`, table).Scan(&kind); err != nil {
		return "", fmt.Errorf("read the kind of %s: %w", table, err)
	}
	if kind == "r" {
		return "ctid", nil
	}
	return "", nil
}
