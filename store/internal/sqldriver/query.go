package sqldriver

import (
	"fmt"
	"strings"
	"time"

	"github.com/frist-go/frist/store"
)

// Builder collects bind parameters while a statement is written. Each
// placeholder is numbered by its parameter ($n, ?n), so a parameter binds
// where its placeholder stands, in whatever order the clauses are
// written or joined.
type Builder struct {
	d    Dialect
	args []any
}

// NewBuilder returns an empty builder for a statement of d.
func NewBuilder(d Dialect) *Builder { return &Builder{d: d} }

// Args returns the parameters bound so far, for the statement.
func (b *Builder) Args() []any { return b.args }

// Arg binds v and returns its placeholder.
func (b *Builder) Arg(v any) string {
	b.args = append(b.args, v)
	return b.d.Placeholder(len(b.args))
}

// Typed binds v cast to a column type.
func (b *Builder) Typed(v any, typ string) string { return b.d.Cast(b.Arg(v), typ) }

// selection is a Selection bound to its table.
type selection struct {
	s     *Store
	t     *table
	sel   store.Selection
	order *timeCol // first bound's column, nil when there is none
	// none is set when the selection's subject cannot equal any stored
	// value of the subject column (see Store.matchable): it selects nothing.
	none bool
	// after is the position of Selection.After: the selection starts
	// behind it.
	after []any
}

// check binds sel to its table. sel is well-formed (package store): every
// name in it is one the dataset declares. What check refuses is what only
// the backend knows: a dataset it was not bound to, more keys than one
// statement can bind, and a position (Selection.After) not its own.
//
// No name in sel is written into a statement: a bound column, a NotNull
// field and the marker are looked up in the table, whose identifiers were
// taken from the declaration and checked against the catalog when the
// table was bound (binding.go), and only those are written.
func (s *Store) check(sel store.Selection) (*selection, error) {
	t, err := s.open(sel.Dataset)
	if err != nil {
		return nil, err
	}
	q := &selection{s: s, t: t, sel: sel}
	for _, b := range sel.Bounds {
		if t.times[b.Column] == nil {
			return nil, s.undeclared(t, "time column", b.Column)
		}
	}
	if len(sel.Bounds) > 0 {
		q.order = t.times[sel.Bounds[0].Column]
	}
	if len(sel.Keys) > s.maxArgs-16 {
		return nil, s.errorf("dataset %q: selection names %d keys, more than the %d one statement can bind", t.id, len(sel.Keys), s.maxArgs-16)
	}
	if err := q.readAfter(sel.After); err != nil {
		return nil, err
	}
	// Keys and subjects the column's type cannot hold match nothing; they
	// are left out rather than bound, since a dialect that casts bound text
	// to the column type would fail the whole statement on them.
	if sel.Keys != nil {
		keep := make([]string, 0, len(sel.Keys))
		for _, k := range sel.Keys {
			if s.matchable(k, t.keyType) {
				keep = append(keep, k)
			}
		}
		q.sel.Keys = keep
	}
	if sel.Subject != "" && !s.matchable(sel.Subject, t.subjTyp) {
		q.none = true
	}
	return q, nil
}

// undeclared is the error for a name the dataset does not declare, which
// callers check before a backend sees it (package store, "Well-formed
// input"). Looking a name up finds nothing to write into a statement, so
// this is never a way to SQL; it keeps a broken promise from becoming a
// nil dereference.
func (s *Store) undeclared(t *table, what, name string) error {
	return s.errorf("dataset %q has no %s %q; callers check every name before a backend sees it (package store)", t.id, what, name)
}

// active is the condition "hold h is active at now" (store.Hold.Active):
// neither ended nor released at now. placed_at plays no part, so a hold
// stored after a sweep started, or by a replica whose clock is ahead,
// counts as soon as the statement can see it.
func (b *Builder) active(now time.Time) string {
	n := b.d.TimeArg(now)
	return fmt.Sprintf("(h.until_at IS NULL OR h.until_at > %s) AND (h.released_at IS NULL OR h.released_at > %s)",
		b.Arg(n), b.Arg(n))
}

// held is the condition "record t is under a hold active at now": a hold
// on its key, on its subject in this dataset, or on its subject in every
// dataset. Each branch is its own EXISTS so each can use its index.
//
// The branches are guarded by one uncorrelated test, "some hold on this
// dataset or on every dataset is active", which both databases evaluate
// once per statement (SQLite as a constant sub-query, PostgreSQL as an
// InitPlan): when no hold applies, as in almost every sweep, no row pays
// for the per-record probes. The guard is part of the same statement, so
// it sees the same snapshot as the probes and a hold committed before the
// statement is never missed.
func (s *Store) held(b *Builder, t *table, now time.Time) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "(EXISTS (SELECT 1 FROM %s h WHERE (h.dataset = %s OR h.dataset = '') AND %s) AND (",
		s.own("frist_holds"), b.Arg(t.id), b.active(now))
	fmt.Fprintf(&sb, "EXISTS (SELECT 1 FROM %s h WHERE h.dataset = %s AND h.record_key = CAST(t.%s AS TEXT) AND %s)",
		s.own("frist_holds"), b.Arg(t.id), t.key, b.active(now))
	if t.subject != "" {
		fmt.Fprintf(&sb, " OR EXISTS (SELECT 1 FROM %s h WHERE h.subject = CAST(t.%s AS TEXT) AND (h.dataset = %s OR h.dataset = '') AND %s)",
			s.own("frist_holds"), t.subject, b.Arg(t.id), b.active(now))
	}
	sb.WriteString("))")
	return sb.String()
}

// where writes the conditions of q except holds, with the table aliased t.
// With upTo, the position of a batch's last record (Scope.UpTo), it
// selects the records up to it.
func (q *selection) where(b *Builder, upTo []any) string {
	t := q.t
	conds := []string{}
	for i, bd := range q.sel.Bounds {
		tc := t.times[bd.Column]
		// Behind a position (After), which holds a valid time, the range
		// needs no lower end of its own (timedomain.go).
		lower := i != 0 || q.after == nil
		if i == 0 && upTo != nil {
			// The batch's last record holds a valid time within the
			// cutoff, and so does every valid one before it: the range up
			// to it needs no upper end of its own.
			conds = append(conds, b.validFrom(tc, bd.Cutoff, lower))
			continue
		}
		conds = append(conds, b.rangeOf(tc, &bd.Cutoff, lower))
	}
	if upTo != nil {
		conds = append(conds, q.compare(b, "<=", upTo))
	}
	if q.after != nil {
		conds = append(conds, q.compare(b, ">", q.after))
	}
	if q.sel.Keys != nil {
		if len(q.sel.Keys) == 0 {
			conds = append(conds, "1 = 0")
		} else {
			ps := make([]string, len(q.sel.Keys))
			for i, k := range q.sel.Keys {
				ps[i] = b.Typed(k, t.keyType)
			}
			conds = append(conds, fmt.Sprintf("t.%s IN (%s)", t.key, strings.Join(ps, ", ")))
		}
	}
	switch {
	case q.none:
		conds = append(conds, "1 = 0")
	case q.sel.Subject != "":
		conds = append(conds, fmt.Sprintf("t.%s = %s", t.subject, b.Typed(q.sel.Subject, t.subjTyp)))
	}
	if len(q.sel.NotNull) > 0 {
		ps := make([]string, len(q.sel.NotNull))
		for i, f := range q.sel.NotNull {
			ps[i] = "t." + t.fields[f] + " IS NOT NULL"
		}
		conds = append(conds, "("+strings.Join(ps, " OR ")+")")
	}
	if q.sel.Marker != "" {
		conds = append(conds, "t."+t.markerQ+" IS NULL")
	}
	if len(conds) == 0 {
		return "1 = 1"
	}
	return strings.Join(conds, " AND ")
}

// orderBy orders a selection by its first bound's column, then by key.
func (q *selection) orderBy() string {
	if q.order != nil {
		return fmt.Sprintf(" ORDER BY t.%s, t.%s", q.order.col, q.t.key)
	}
	return fmt.Sprintf(" ORDER BY t.%s", q.t.key)
}

// limit returns the LIMIT clause.
func (q *selection) limit() string {
	if q.sel.Limit > 0 {
		return fmt.Sprintf(" LIMIT %d", q.sel.Limit)
	}
	return ""
}
