package sqldriver

import (
	"fmt"
	"strings"
)

// position is where a record stands in a selection's order, as the
// database stores it: the first bound's time column, when the selection
// has bounds, and the key. It is what store.BatchResult.Next carries and
// store.Selection.After hands back; the values are bound again exactly as
// they were read, so they compare as the stored values do.
type position struct {
	store *Store
	vals  []any
}

// position wraps the last position of a batch, nil when there is none.
func (q *selection) position(vals []any) any {
	if vals == nil {
		return nil
	}
	return position{store: q.s, vals: vals}
}

// after reads sel.After into q, or reports why it is not a position of
// this store for q's order.
func (q *selection) readAfter(after any) error {
	if after == nil {
		return nil
	}
	p, ok := after.(position)
	if !ok || p.store != q.s {
		return q.s.errorf("dataset %q: Selection.After is not a position this store returned (BatchResult.Next)", q.t.id)
	}
	if len(p.vals) != len(q.orderCols()) {
		return q.s.errorf("dataset %q: Selection.After is the position of a selection ordered otherwise", q.t.id)
	}
	q.after = p.vals
	return nil
}

// orderCols returns the columns that order a selection: the first bound's
// time column and the key, or the key alone.
func (q *selection) orderCols() []string {
	if q.order != nil {
		return []string{"t." + q.order.col, "t." + q.t.key}
	}
	return []string{"t." + q.t.key}
}

// compare is the row-value comparison "the record's position op vals" in
// the selection's order, which an index on (time column, key) serves as
// one end of its range. Values are bound as read, not cast: each compares
// with the column it was read from.
func (q *selection) compare(bd *Builder, op string, vals []any) string {
	ps := make([]string, len(vals))
	for i, v := range vals {
		ps[i] = bd.Arg(v)
	}
	cols := q.orderCols()
	if len(cols) == 1 {
		return fmt.Sprintf("%s %s %s", cols[0], op, ps[0])
	}
	return fmt.Sprintf("(%s) %s (%s)", strings.Join(cols, ", "), op, strings.Join(ps, ", "))
}
