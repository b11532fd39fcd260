package sqldriver

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
)

// BatchFunc is a backend's batch strategy: how one batch of Process runs
// on its database. Process checks the selection and the action and hands
// the batch over; the strategy opens the batch's write transaction, reads
// and changes the records with the building blocks of Batch and SQL of its
// own, and ends with Batch.Commit, which stores the audit entry in the
// same transaction (docs/DESIGN.md, "Atomic batches"). On any failure
// before Commit it rolls the transaction back (Rollback).
//
// sqlitestore bounds a batch by the range up to its last record under
// BEGIN IMMEDIATE; pgstore claims rows with FOR UPDATE SKIP LOCKED, reaches
// them by ctid and sends a batch in as few round trips as it can.
type BatchFunc func(ctx context.Context, b *Batch) (store.BatchResult, error)

// Batch is one checked batch of Process, bound to its table: the building
// blocks a BatchFunc composes.
type Batch struct {
	s   *Store
	q   *selection
	act store.Batch
}

// Scope narrows the records a batch statement acts on beyond the
// selection, by what the strategy found in its own transaction.
type Scope struct {
	// UpTo, when not nil, is the position of the batch's last record in
	// the selection's order, as stored: the statement acts on every
	// selected record up to it. Only a transaction that excludes every
	// other writer since it read the position may use it.
	UpTo []any
	// HoldFree says that no hold on the dataset, or on every dataset, is
	// active at the selection's time (NoHoldApplies): the statement leaves
	// the per-record hold probes out. Only a transaction that excludes
	// every other writer, PlaceHold's included, may set it.
	HoldFree bool
}

// DB returns the database the batch runs on.
func (b *Batch) DB() *sql.DB { return b.s.db }

// Dataset returns the ID of the batch's dataset.
func (b *Batch) Dataset() string { return b.q.t.id }

// Errorf returns an error prefixed with the backend's name and the
// batch's dataset.
func (b *Batch) Errorf(format string, args ...any) error {
	return b.s.errorf("dataset %q: "+format, append([]any{b.q.t.id}, args...)...)
}

// Transforms reports whether the batch applies a Go operator (Transform),
// so that its records must be read, changed in Go and written back.
func (b *Batch) Transforms() bool { return len(b.act.Transform) > 0 }

// Transformed returns the fields the batch's Go operator transforms.
func (b *Batch) Transformed() []string { return b.act.Transform }

// CountOnly reports whether the audit entry needs only the number of
// records the batch processed: it applies no Go operator and the dataset
// has no subject column, so a processed record carries nothing else the
// entry names (store.BatchResult).
func (b *Batch) CountOnly() bool { return !b.Transforms() && b.q.t.subject == "" }

// Limit returns the selection's limit, 0 for none.
func (b *Batch) Limit() int { return b.q.sel.Limit }

// Table returns the batch's table, quoted and possibly schema-qualified.
func (b *Batch) Table() string { return b.q.t.name }

// Key returns the quoted key column.
func (b *Batch) Key() string { return b.q.t.key }

// Own returns frist's own table name, qualified by the store's schema.
func (b *Batch) Own(name string) string { return b.s.own(name) }

// FieldType returns the catalog type of the column of the declared field f.
func (b *Batch) FieldType(f string) string { return b.q.t.ftypes[f] }

// Builder returns an empty statement builder of the store's dialect.
func (b *Batch) Builder() *Builder { return NewBuilder(b.s.d) }

// OrderCols returns the columns, of the table aliased t, that order the
// selection: the first bound's time column and the key, or the key alone.
// A position (Scope.UpTo, BatchResult.Next) holds their values.
func (b *Batch) OrderCols() []string { return b.q.orderCols() }

// Raw returns col read as stored (Dialect.Raw), for a position.
func (b *Batch) Raw(col string) string { return b.s.d.Raw(col) }

// Where writes the batch's selection as a condition on the table aliased
// t: its own conditions, those of sc, and that no hold active at the
// selection's time covers the record.
func (b *Batch) Where(bd *Builder, sc Scope) string {
	cond := b.q.where(bd, sc.UpTo)
	if sc.HoldFree {
		return cond
	}
	return cond + " AND NOT " + b.s.held(bd, b.q.t, b.q.sel.Now)
}

// Select writes "SELECT cols FROM table t WHERE ... ORDER BY ..." over the
// batch's selection and sc, in the selection's order, without a LIMIT.
func (b *Batch) Select(bd *Builder, cols []string, sc Scope) string {
	return fmt.Sprintf("SELECT %s FROM %s t WHERE %s%s", strings.Join(cols, ", "), b.q.t.name, b.Where(bd, sc), b.q.orderBy())
}

// LimitClause returns " LIMIT n" for the selection's limit, "" for none.
func (b *Batch) LimitClause() string { return b.q.limit() }

// Act writes the statement that deletes the records of target that cond
// selects, or sets their nulled fields to NULL and their marker to the
// selection's time.
func (b *Batch) Act(bd *Builder, target, cond string) string {
	if b.act.Delete {
		return fmt.Sprintf("DELETE FROM %s WHERE %s", target, cond)
	}
	return fmt.Sprintf("UPDATE %s SET %s WHERE %s", target, b.Sets(bd, nil, nil), cond)
}

// Returning returns the RETURNING clause that gives, for each record a
// statement of Act processed, its key, subject (NULL without a subject
// column) and first bound's time column (NULL without bounds), as stored.
func (b *Batch) Returning() string {
	t := b.q.t
	subj, order := "NULL", "NULL"
	if t.subject != "" {
		subj = t.subject
	}
	if b.q.order != nil {
		order = b.s.d.Raw(b.q.order.col)
	}
	return fmt.Sprintf(" RETURNING %s, %s, %s", t.key, subj, order)
}

// ExecCount runs a statement of Act and returns how many records it
// processed.
func (b *Batch) ExecCount(ctx context.Context, tx Tx, bd *Builder, stmt string) (int, error) {
	res, err := tx.ExecContext(ctx, stmt, bd.args...)
	if err != nil {
		return 0, b.Errorf("batch statement: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, b.Errorf("batch statement: %w", err)
	}
	return int(n), nil
}

// NoHoldApplies reports whether no hold on the batch's dataset, or on
// every dataset, is active at the selection's time (Scope.HoldFree).
func (b *Batch) NoHoldApplies(ctx context.Context, tx Tx) (bool, error) {
	bd := b.Builder()
	stmt := fmt.Sprintf("SELECT COUNT(*) FROM %s h WHERE (h.dataset = %s OR h.dataset = '') AND %s",
		b.s.own("frist_holds"), bd.Arg(b.q.t.id), bd.active(b.q.sel.Now))
	var n int64
	if err := tx.QueryRowContext(ctx, stmt, bd.args...).Scan(&n); err != nil {
		return false, b.Errorf("read holds: %w", err)
	}
	return n == 0, nil
}

// Read reads the batch of a Go operator in tx: each selected record's
// key, subject and the fields the action transforms, in the selection's
// order up to its limit, with lock (the strategy's row lock, "" for none)
// appended to the statement. With extra, an SQL expression over the table
// aliased t, it also returns extra's value for each record as text (a row
// address); nil otherwise. last is the position of the last record, nil
// when there is none.
func (b *Batch) Read(ctx context.Context, tx Tx, sc Scope, lock, extra string) (recs []store.Record, extras []string, last []any, err error) {
	t := b.q.t
	cols := []string{"CAST(t." + t.key + " AS TEXT)", "NULL"}
	if t.subject != "" {
		cols[1] = "CAST(t." + t.subject + " AS TEXT)"
	}
	for _, f := range b.act.Transform {
		cols = append(cols, "t."+t.fields[f])
	}
	// The order columns as stored, for the batch's Next.
	for _, c := range b.q.orderCols() {
		cols = append(cols, b.s.d.Raw(c))
	}
	if extra != "" {
		cols = append(cols, "CAST("+extra+" AS TEXT)")
	}
	bd := b.Builder()
	stmt := b.Select(bd, cols, sc) + b.q.limit() + lock
	rows, err := tx.QueryContext(ctx, stmt, bd.args...)
	if err != nil {
		return nil, nil, nil, b.Errorf("select batch: %w", err)
	}
	defer rows.Close()
	last = make([]any, len(b.q.orderCols()))
	for rows.Next() {
		var key, ex string
		var subj sql.NullString
		vals := make([]any, len(b.act.Transform))
		dst := append([]any{&key, &subj}, pointers(vals)...)
		dst = append(dst, pointers(last)...)
		if extra != "" {
			dst = append(dst, &ex)
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, nil, nil, b.Errorf("read batch: %w", err)
		}
		r := store.Record{Key: key, Subject: subj.String, Fields: make(map[string]any, len(vals))}
		for i, f := range b.act.Transform {
			r.Fields[f] = normalize(vals[i])
		}
		recs = append(recs, r)
		if extra != "" {
			extras = append(extras, ex)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, nil, b.Errorf("select batch: %w", err)
	}
	if len(recs) == 0 {
		last = nil
	}
	return recs, extras, last, nil
}

// Sets writes the SET clause of a batch's UPDATE: each field of names
// from value(f), the action's nulled fields, and the marker; with nothing
// to set, the key to itself, so that the statement still touches the row.
func (b *Batch) Sets(bd *Builder, names []string, value func(f string) string) string {
	t := b.q.t
	var sets []string
	for _, f := range names {
		sets = append(sets, t.fields[f]+" = "+value(f))
	}
	for _, f := range b.act.Null {
		sets = append(sets, t.fields[f]+" = NULL")
	}
	if b.act.SetMarker != "" {
		sets = append(sets, t.markerQ+" = "+bd.Typed(b.s.d.CutoffArg(policy.TimeNative, t.markTyp, b.q.sel.Now), t.markTyp))
	}
	if len(sets) == 0 { // Apply kept every value: still claim the row
		sets = append(sets, t.key+" = "+t.key)
	}
	return strings.Join(sets, ", ")
}

// WriteValue converts a value computed by a Go operator for writing
// (Dialect.WriteValue).
func (b *Batch) WriteValue(v any) any { return b.s.d.WriteValue(v) }

// Done is what a batch's statements did, for Commit.
type Done struct {
	// Processed are the records the batch processed, in the selection's
	// order; nil for a CountOnly batch.
	Processed []store.Record
	// Count is how many records the batch processed.
	Count int
	// Next is the position of the batch's last record as stored, nil when
	// the strategy does not know it.
	Next []any
	// Head is the audit head the batch's own statement read under the
	// head row's lock; nil, and Commit reads it.
	Head *audit.Head
}

// Commit ends a batch that did d in tx: it seals the audit entry the
// action's Audit builds to the head, stores it and commits, so that the
// batch and its entry are atomic. A batch that processed nothing is
// rolled back and returns the zero result; on any failure tx is rolled
// back.
func (b *Batch) Commit(ctx context.Context, tx Tx, d Done) (store.BatchResult, error) {
	if d.Count == 0 {
		return store.BatchResult{}, Rollback(tx, nil)
	}
	e, err := b.Entry(d.Processed, d.Count)
	if err != nil {
		return store.BatchResult{}, Rollback(tx, err)
	}
	var entry audit.Entry
	if d.Head != nil {
		entry, err = b.s.appendAuditAt(ctx, tx, *d.Head, e)
	} else {
		entry, err = b.s.appendAudit(ctx, tx, e)
	}
	if err != nil {
		return store.BatchResult{}, Rollback(tx, err)
	}
	if err := tx.Commit(); err != nil {
		return store.BatchResult{}, b.Errorf("commit batch: %w", err)
	}
	return b.Result(d, entry), nil
}

// Entry builds the batch's audit entry with the action's Audit, which
// the caller has guarded (store.Batch.Audit).
func (b *Batch) Entry(processed []store.Record, count int) (audit.Entry, error) {
	e, err := b.act.Audit(processed, count)
	if err != nil {
		return audit.Entry{}, b.Errorf("%w", err)
	}
	return e, nil
}

// AuditStmts returns the statements that store the sealed entry and
// advance the audit head to it.
func (b *Batch) AuditStmts(sealed audit.Entry) ([]Stmt, error) { return b.s.auditStmts(sealed) }

// Result returns the result of a committed batch that did d and stored
// entry. A deleting batch returns no Next: deleted records leave nothing
// a later batch would pass over, and on PostgreSQL a lower bound in the
// lowest part of the index makes the planner walk the index entries the
// deletes left behind (get_actual_variable_range) for every new
// statement.
func (b *Batch) Result(d Done, entry audit.Entry) store.BatchResult {
	next := d.Next
	if b.act.Delete {
		next = nil
	}
	return store.BatchResult{Processed: d.Processed, Count: d.Count, Entry: entry, Next: b.q.position(next)}
}
