package sqldriver

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/frist-go/frist/store"
)

// Process implements store.Driver.Process. It resolves the selection and
// runs the batch with the backend's batch strategy (BatchFunc), which
// processes the batch and its audit entry in one transaction. The result's Next is the batch's last position
// (position.go).
func (s *Store) Process(ctx context.Context, b store.Batch) (store.BatchResult, error) {
	q, err := s.check(b.Selection)
	if err != nil {
		return store.BatchResult{}, err
	}
	return s.batch(ctx, &Batch{s: s, q: q, act: b})
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
