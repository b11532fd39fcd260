package sqldriver

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
)

// Process implements store.Driver.Process. Deletes and nulling run as one
// set-based statement, over the index range up to the batch's last record
// where the dialect is a RangeBatcher (SQLite), over a claimed sub-select
// otherwise (PostgreSQL); on a dataset without a subject column it returns
// only a count, and a Pipeliner runs it in two round trips. Go transforms
// read the claimed batch, call Apply and write the records back
// (writeback.go): by row address in one statement per set of returned
// fields where the dialect is an ArrayUpdater, else one UPDATE per record
// by key. The
// audit entry is sealed to the head read under the transaction's lock and
// stored before the commit, so a batch and its entry are atomic. The
// result's Next is the batch's last position (position.go).
func (s *Store) Process(ctx context.Context, b store.Batch) (store.BatchResult, error) {
	q, err := s.check(b.Selection)
	if err != nil {
		return store.BatchResult{}, err
	}
	if err := s.checkAction(q.t, b); err != nil {
		return store.BatchResult{}, err
	}
	if len(b.Transform) == 0 && q.t.subject == "" {
		if res, done, err := s.pipelinedCount(ctx, q, b); done {
			return res, err
		}
	}
	tx, err := s.beginBatch(ctx)
	if err != nil {
		return store.BatchResult{}, s.errorf("begin batch on dataset %q: %w", q.t.id, err)
	}
	if s.rangeBatches() {
		rq := *q
		if rq.holdFree, err = s.noHoldApplies(ctx, tx, q); err != nil {
			return store.BatchResult{}, rollback(tx, err)
		}
		if len(b.Transform) == 0 {
			if rq.last, err = s.lastOfBatch(ctx, tx, &rq); err != nil {
				return store.BatchResult{}, rollback(tx, err)
			}
			rq.ranged = true
		}
		q = &rq
	}
	var processed []store.Record
	var count int
	var head *audit.Head // read with the batch's statement, or nil
	var next []any       // the batch's last position, or nil
	switch {
	case len(b.Transform) > 0:
		processed, next, err = s.transform(ctx, tx, q, b)
		count = len(processed)
	case q.t.subject == "":
		count, head, next, err = s.setBasedCount(ctx, tx, q, b)
	default:
		processed, next, err = s.setBased(ctx, tx, q, b)
		count = len(processed)
	}
	if q.ranged {
		next = q.last
	}
	if b.Delete {
		// Deleted records leave nothing a later batch would pass over,
		// and on PostgreSQL a lower bound in the lowest part of the index
		// makes the planner walk the index entries the deletes left
		// behind (get_actual_variable_range) for every new statement.
		next = nil
	}
	if err != nil {
		return store.BatchResult{}, rollback(tx, err)
	}
	if count == 0 {
		return store.BatchResult{}, rollback(tx, nil)
	}
	e, err := callAudit(b.Audit, processed, count)
	if err != nil {
		return store.BatchResult{}, rollback(tx, s.errorf("dataset %q: %w", q.t.id, err))
	}
	var entry audit.Entry
	if head != nil {
		entry, err = s.appendAuditAt(ctx, tx, *head, e)
	} else {
		entry, err = s.appendAudit(ctx, tx, e)
	}
	if err != nil {
		return store.BatchResult{}, rollback(tx, err)
	}
	if err := tx.Commit(); err != nil {
		return store.BatchResult{}, s.errorf("commit batch on dataset %q: %w", q.t.id, err)
	}
	return store.BatchResult{Processed: processed, Count: count, Entry: entry, Next: q.position(next)}, nil
}

// checkAction validates the action of b against the table.
func (s *Store) checkAction(t *table, b store.Batch) error {
	if b.Audit == nil {
		return s.errorf("dataset %q: batch has no Audit function", t.id)
	}
	modifies := len(b.Null) > 0 || len(b.Transform) > 0 || b.SetMarker != ""
	switch {
	case b.Delete && modifies:
		return s.errorf("dataset %q: a batch either deletes or modifies records, not both", t.id)
	case !b.Delete && !modifies:
		return s.errorf("dataset %q: batch has no action (delete, null, transform or marker)", t.id)
	case len(b.Transform) > 0 && b.Apply == nil:
		return s.errorf("dataset %q: batch transforms fields but has no Apply function", t.id)
	case b.SetMarker != "" && b.SetMarker != t.marker:
		return s.errorf("dataset %q: marker %q is not the dataset's marker column %q", t.id, b.SetMarker, t.marker)
	}
	for _, f := range slices.Concat(b.Null, b.Transform) {
		if _, ok := t.fields[f]; !ok {
			return s.errorf("dataset %q: action names undeclared field %q", t.id, f)
		}
	}
	return nil
}

// claim writes the sub-select that claims a batch, selecting col (the key
// or the row address) of each claimed row.
func (s *Store) claim(bd *builder, q *selection, col string) string {
	t := q.t
	return fmt.Sprintf("SELECT t.%s FROM %s t WHERE %s AND %s%s%s%s",
		col, t.name, q.where(bd), s.notHeld(bd, q), q.orderBy(), q.limit(), s.d.ClaimSuffix())
}

// setBasedStmt writes the statement that deletes or nulls a batch: a
// range batch (rangebatch.go) or a claimed one.
func (s *Store) setBasedStmt(bd *builder, q *selection, b store.Batch) string {
	t := q.t
	target := t.name
	if q.ranged {
		target = t.name + " AS t"
	}
	// The condition is written after the SET clause, so that positional
	// placeholders bind in the order they appear.
	cond := func() string {
		if q.ranged {
			return q.where(bd) + " AND " + s.notHeld(bd, q)
		}
		return s.claimed(bd, q)
	}
	if b.Delete {
		return fmt.Sprintf("DELETE FROM %s WHERE %s", target, cond())
	}
	var sets []string
	for _, f := range b.Null {
		sets = append(sets, t.fields[f]+" = NULL")
	}
	if b.SetMarker != "" {
		sets = append(sets, t.markerQ+" = "+bd.typed(s.d.CutoffArg(policy.TimeNative, t.markTyp, q.sel.Now), t.markTyp))
	}
	return fmt.Sprintf("UPDATE %s SET %s WHERE %s", target, strings.Join(sets, ", "), cond())
}

// setBasedCount deletes or nulls a batch of a dataset without a subject
// column and returns how many records it processed. Such records carry
// nothing the audit entry needs but their number (store.BatchResult), so
// the statement returns no rows: reading a large batch's keys back would
// cost more than the delete itself.
//
// Where the database allows data-modifying WITH clauses (PostgreSQL), the
// same statement reads the audit head under its lock and returns it, so a
// batch costs a round trip less; head is nil otherwise.
func (s *Store) setBasedCount(ctx context.Context, tx Tx, q *selection, b store.Batch) (int, *audit.Head, []any, error) {
	bd := &builder{d: s.d}
	stmt := s.setBasedStmt(bd, q, b)
	if s.d.ReturningCTE() {
		var n, seq int64
		var head audit.Head
		last := make([]any, len(q.orderCols()))
		dst := append([]any{&n, &seq, &head.Hash}, pointers(last)...)
		if err := tx.QueryRowContext(ctx, s.countWithHead(q, stmt), bd.args...).Scan(dst...); err != nil {
			return 0, nil, nil, s.errorf("dataset %q: batch statement: %w", q.t.id, err)
		}
		head.Seq = uint64(seq)
		return int(n), &head, last, nil
	}
	res, err := tx.ExecContext(ctx, stmt, bd.args...)
	if err != nil {
		return 0, nil, nil, s.errorf("dataset %q: batch statement: %w", q.t.id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, nil, nil, s.errorf("dataset %q: batch statement: %w", q.t.id, err)
	}
	return int(n), nil, nil, nil
}

// pointers returns pointers to the elements of vals, for Scan.
func pointers(vals []any) []any {
	ps := make([]any, len(vals))
	for i := range vals {
		ps[i] = &vals[i]
	}
	return ps
}

// setBased deletes or nulls a batch in one statement and returns the
// records it processed in processing order.
func (s *Store) setBased(ctx context.Context, tx Tx, q *selection, b store.Batch) ([]store.Record, []any, error) {
	t := q.t
	bd := &builder{d: s.d}
	stmt := s.setBasedStmt(bd, q, b)
	subj, order := "NULL", "NULL"
	if t.subject != "" {
		subj = t.subject
	}
	if q.order != nil {
		order = q.order.col
	}
	stmt += fmt.Sprintf(" RETURNING %s, %s, %s", t.key, subj, order)
	if s.d.ReturningCTE() {
		// The database orders the processed records in its own key order.
		// The last row's raw order value and key are the batch's Next.
		stmt = "WITH d (k, s, o) AS (" + stmt + ") SELECT CAST(k AS TEXT), CAST(s AS TEXT), o, k FROM d ORDER BY d.o, d.k"
	}
	rows, err := tx.QueryContext(ctx, stmt, bd.args...)
	if err != nil {
		return nil, nil, s.errorf("dataset %q: batch statement: %w", t.id, err)
	}
	defer rows.Close()
	var out []ordered
	var rawKey any
	for rows.Next() {
		var key, subj any
		var order any
		dst := []any{&key, &subj, &order}
		if s.d.ReturningCTE() {
			dst = append(dst, &rawKey)
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, nil, s.errorf("dataset %q: read batch: %w", t.id, err)
		}
		o := ordered{rec: store.Record{Key: text(key), Subject: text(subj)}, key: key, rawOrder: order}
		if q.order != nil && order != nil {
			if o.order, err = q.order.parse(order); err != nil {
				return nil, nil, s.errorf("dataset %q: column %s: %w", t.id, q.order.col, err)
			}
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, s.errorf("dataset %q: batch statement: %w", t.id, err)
	}
	var next []any
	if s.d.ReturningCTE() && len(out) > 0 {
		next = []any{rawKey}
		if q.order != nil {
			next = []any{out[len(out)-1].rawOrder, rawKey}
		}
	}
	if !s.d.ReturningCTE() {
		sortOrdered(out)
	}
	recs := make([]store.Record, len(out))
	for i := range out {
		recs[i] = out[i].rec
	}
	return recs, next, nil
}

// ordered is a processed record with what orders it.
type ordered struct {
	rec      store.Record
	order    time.Time
	key      any
	rawOrder any // the order column as stored
}

// sortOrdered sorts records by time, then by key as SQLite compares the
// stored keys: integers numerically and before text, text by its bytes.
func sortOrdered(out []ordered) {
	sort.SliceStable(out, func(i, j int) bool {
		if c := out[i].order.Compare(out[j].order); c != 0 {
			return c < 0
		}
		return keyLess(out[i].key, out[j].key)
	})
}

// text renders a key or subject the way CAST(... AS TEXT) does.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case time.Time:
		return x.Format(SQLiteLayout)
	default:
		return fmt.Sprint(x)
	}
}

// keyLess orders stored keys as SQLite does: numbers numerically and
// before text, text by its bytes.
func keyLess(a, b any) bool {
	x, aInt := a.(int64)
	y, bInt := b.(int64)
	switch {
	case aInt && bInt:
		return x < y
	case aInt != bInt:
		return aInt
	}
	return text(a) < text(b)
}

// transform reads a claimed batch, applies the Go operator and writes the
// records back (writeBack), by row address where the dialect can.
func (s *Store) transform(ctx context.Context, tx Tx, q *selection, b store.Batch) ([]store.Record, []any, error) {
	t := q.t
	bd := &builder{d: s.d}
	cols := []string{"CAST(t." + t.key + " AS TEXT)", "NULL"}
	if t.subject != "" {
		cols[1] = "CAST(t." + t.subject + " AS TEXT)"
	}
	for _, f := range b.Transform {
		cols = append(cols, "t."+t.fields[f])
	}
	// The order columns as stored, for the batch's Next.
	for _, c := range q.orderCols() {
		cols = append(cols, s.raw(c))
	}
	_, byAddress := s.arrayUpdater(t, b.Transform)
	if byAddress {
		cols = append(cols, "CAST(t."+t.addr+" AS TEXT)")
	}
	stmt := fmt.Sprintf("SELECT %s FROM %s t WHERE %s AND %s%s%s%s", strings.Join(cols, ", "), t.name,
		q.where(bd), s.notHeld(bd, q), q.orderBy(), q.limit(), s.d.ClaimSuffix())
	rows, err := tx.QueryContext(ctx, stmt, bd.args...)
	if err != nil {
		return nil, nil, s.errorf("dataset %q: select batch: %w", t.id, err)
	}
	var recs []store.Record
	var addrs []string
	last := make([]any, len(q.orderCols()))
	for rows.Next() {
		var key, addr string
		var subj sql.NullString
		vals := make([]any, len(b.Transform))
		dst := append([]any{&key, &subj}, pointers(vals)...)
		dst = append(dst, pointers(last)...)
		if byAddress {
			dst = append(dst, &addr)
		}
		if err := rows.Scan(dst...); err != nil {
			rows.Close()
			return nil, nil, s.errorf("dataset %q: read batch: %w", t.id, err)
		}
		r := store.Record{Key: key, Subject: subj.String, Fields: make(map[string]any, len(vals))}
		for i, f := range b.Transform {
			r.Fields[f] = normalize(vals[i])
		}
		recs = append(recs, r)
		if byAddress {
			addrs = append(addrs, addr)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, s.errorf("dataset %q: select batch: %w", t.id, err)
	}
	if err := s.writeBack(ctx, tx, q, b, recs, addrs); err != nil {
		return nil, nil, err
	}
	if len(recs) == 0 {
		last = nil
	}
	return recs, last, nil
}

// normalize converts a scanned value into one of the types store.Record
// promises.
func normalize(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case float32:
		return float64(x)
	case time.Time:
		return x
	}
	return v
}

// callApply calls apply, turning a panic into an error so that the batch
// fails and changes nothing.
func callApply(apply func(store.Record) (map[string]any, error), r store.Record) (vals map[string]any, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("transform panicked: %v", p)
		}
	}()
	return apply(r)
}

// callAudit calls build and validates the entry; a panic or an invalid
// entry fails the batch.
func callAudit(build func([]store.Record, int) (audit.Entry, error), processed []store.Record, count int) (e audit.Entry, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("audit entry builder panicked: %v", p)
		}
	}()
	if e, err = build(processed, count); err != nil {
		return audit.Entry{}, err
	}
	if err := e.Validate(); err != nil {
		return audit.Entry{}, err
	}
	return e, nil
}
