package sqldriver

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
)

// Process implements store.Driver.Process. It checks the selection and
// the action and runs the batch with the backend's batch strategy
// (BatchFunc), which processes the batch and its audit entry in one
// transaction. The result's Next is the batch's last position
// (position.go).
func (s *Store) Process(ctx context.Context, b store.Batch) (store.BatchResult, error) {
	q, err := s.check(b.Selection)
	if err != nil {
		return store.BatchResult{}, err
	}
	if err := s.checkAction(q.t, b); err != nil {
		return store.BatchResult{}, err
	}
	return s.batch(ctx, &Batch{s: s, q: q, act: b})
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

// pointers returns pointers to the elements of vals, for Scan.
func pointers(vals []any) []any {
	ps := make([]any, len(vals))
	for i := range vals {
		ps[i] = &vals[i]
	}
	return ps
}

// Returned runs stmt, a statement of Act ending in Returning, and returns
// the records it processed sorted into the selection's order, as SQLite
// compares the stored values: a RETURNING clause returns rows in no
// particular order.
func (b *Batch) Returned(ctx context.Context, tx Tx, bd *Builder, stmt string) ([]store.Record, error) {
	rows, err := tx.QueryContext(ctx, stmt, bd.args...)
	if err != nil {
		return nil, b.Errorf("batch statement: %w", err)
	}
	defer rows.Close()
	var out []ordered
	for rows.Next() {
		var key, subj, order any
		if err := rows.Scan(&key, &subj, &order); err != nil {
			return nil, b.Errorf("read batch: %w", err)
		}
		o := ordered{rec: store.Record{Key: text(key), Subject: text(subj)}, key: key}
		if b.q.order != nil && order != nil {
			if o.order, err = b.q.order.parse(order); err != nil {
				return nil, b.Errorf("column %s: %w", b.q.order.col, err)
			}
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, b.Errorf("batch statement: %w", err)
	}
	sortOrdered(out)
	recs := make([]store.Record, len(out))
	for i := range out {
		recs[i] = out[i].rec
	}
	return recs, nil
}

// ordered is a processed record with what orders it.
type ordered struct {
	rec   store.Record
	order time.Time
	key   any
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
