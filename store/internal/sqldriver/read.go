package sqldriver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/frist-go/frist/store"
)

// Count implements store.Driver.Count. Like a sweep, it reads only the
// records the selection's indexed conditions reach.
func (s *Store) Count(ctx context.Context, sel store.Selection) (free, held int, err error) {
	q, err := s.check(sel)
	if err != nil {
		return 0, 0, err
	}
	bd := &Builder{d: s.d}
	stmt := fmt.Sprintf("SELECT COUNT(*), COALESCE(SUM(CASE WHEN %s THEN 1 ELSE 0 END), 0) FROM %s t WHERE %s",
		s.held(bd, q.t, sel.Now), q.t.name, q.where(bd, nil))
	var total, h int64
	if err := s.db.QueryRowContext(ctx, stmt, bd.args...).Scan(&total, &h); err != nil {
		return 0, 0, s.errorf("dataset %q: count: %w", q.t.id, err)
	}
	return int(total - h), int(h), nil
}

// Earliest implements store.Driver.Earliest. Holds and Limit do not matter:
// a held record has a deadline too.
func (s *Store) Earliest(ctx context.Context, sel store.Selection, column string, after time.Time) (time.Time, bool, error) {
	q, err := s.check(sel)
	if err != nil {
		return time.Time{}, false, err
	}
	tc := q.t.times[column]
	if tc == nil {
		return time.Time{}, false, s.undeclared(q.t, "time column", column)
	}
	if tc.dom != nil && tc.dom.Spread != nil {
		return s.earliestSpread(ctx, q, tc, after)
	}
	bd := &Builder{d: s.d}
	stmt := fmt.Sprintf("SELECT %s FROM %s t WHERE %s AND %s AND t.%s > %s ORDER BY t.%s LIMIT 1",
		s.d.Raw("t."+tc.col), q.t.name, q.where(bd, nil), bd.rangeOf(tc, nil, true), tc.col, bd.Typed(tc.cutoff(s.d, after), tc.typ), tc.col)
	var v any
	err = s.db.QueryRowContext(ctx, stmt, bd.args...).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, s.errorf("dataset %q: earliest %s: %w", q.t.id, column, err)
	}
	t, err := tc.parse(v)
	if err != nil {
		return time.Time{}, false, s.errorf("dataset %q: time column %q: %w", q.t.id, tc.name, err)
	}
	return t, true, nil
}

// earliestSpread is Earliest on a column whose values carry offsets
// (Domain.Spread). They sort by their wall clocks, so the value naming the
// earliest instant after after need not come first in the index. It finds
// the first value in index order that names an instant after after, I,
// and then reads every value whose wall clock reads at most I + High,
// among which is each that names an instant before I, and returns the
// earliest: two index ranges, each starting at after + Low.
func (s *Store) earliestSpread(ctx context.Context, q *selection, tc *timeCol, after time.Time) (time.Time, bool, error) {
	sp := tc.dom.Spread
	from := s.d.CutoffArg(tc.format, tc.typ, after.Add(sp.Low).Truncate(time.Second))
	if f, ok := from.(string); ok {
		if l, ok := tc.dom.Lower.(string); ok && f < l {
			from = l
		}
	}
	var best time.Time
	found := false
	upper := tc.dom.Upper
	for pass := range 2 {
		bd := &Builder{d: s.d}
		col := "t." + tc.col
		conds := []string{q.where(bd, nil), fmt.Sprintf("%s >= %s", col, bd.Typed(from, tc.typ)),
			fmt.Sprintf("%s <= %s", col, bd.Typed(upper, tc.typ))}
		if tc.dom.Valid != "" {
			conds = append(conds, fmt.Sprintf(tc.dom.Valid, col))
		}
		conds = append(conds, "NOT "+bd.due(tc, col, after))
		stmt := fmt.Sprintf("SELECT %s FROM %s t WHERE %s", s.d.Raw(col), q.t.name, strings.Join(conds, " AND "))
		if pass == 0 {
			stmt += fmt.Sprintf(" ORDER BY %s LIMIT 1", col)
		}
		rows, err := s.db.QueryContext(ctx, stmt, bd.args...)
		if err != nil {
			return time.Time{}, false, s.errorf("dataset %q: earliest %s: %w", q.t.id, tc.name, err)
		}
		for rows.Next() {
			var v any
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return time.Time{}, false, s.errorf("dataset %q: earliest %s: %w", q.t.id, tc.name, err)
			}
			t, err := tc.parse(v)
			if err != nil {
				rows.Close()
				return time.Time{}, false, s.errorf("dataset %q: time column %q: %w", q.t.id, tc.name, err)
			}
			if !found || t.Before(best) {
				best, found = t, true
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return time.Time{}, false, s.errorf("dataset %q: earliest %s: %w", q.t.id, tc.name, err)
		}
		if !found {
			return time.Time{}, false, nil
		}
		upper = tc.above(s.d, best.Add(sp.High))
	}
	return best, true, nil
}

// Records implements store.Driver.Records: the subject's rows are found
// through the subject column and read once, fields and time columns
// together. A time value that does not parse is left out of Record.Times,
// as a Bound never selects it (Unreadable counts it).
func (s *Store) Records(ctx context.Context, dataset, subject string, fields []string) ([]store.Record, error) {
	t, err := s.open(dataset)
	if err != nil {
		return nil, err
	}
	if fields == nil {
		fields = t.order
	}
	if !s.matchable(subject, t.subjTyp) {
		return nil, nil
	}
	cols := []string{"CAST(t." + t.key + " AS TEXT)", "CAST(t." + t.subject + " AS TEXT)"}
	for _, f := range fields {
		cols = append(cols, "t."+t.fields[f])
	}
	tcs := make([]*timeCol, 0, len(t.times))
	for _, tc := range t.times {
		tcs = append(tcs, tc)
		cols = append(cols, s.d.Raw("t."+tc.col))
	}
	bd := &Builder{d: s.d}
	stmt := fmt.Sprintf("SELECT %s FROM %s t WHERE t.%s = %s ORDER BY t.%s", strings.Join(cols, ", "), t.name,
		t.subject, bd.Typed(subject, t.subjTyp), t.key)
	rows, err := s.db.QueryContext(ctx, stmt, bd.args...)
	if err != nil {
		return nil, s.errorf("dataset %q: records: %w", t.id, err)
	}
	defer rows.Close()
	var out []store.Record
	var key string
	var subj sql.NullString
	vals := make([]any, len(fields)+len(tcs))
	dst := []any{&key, &subj}
	for i := range vals {
		dst = append(dst, &vals[i])
	}
	for rows.Next() {
		if err := rows.Scan(dst...); err != nil {
			return nil, s.errorf("dataset %q: records: %w", t.id, err)
		}
		r := store.Record{Key: key, Subject: subj.String, Fields: make(map[string]any, len(fields)), Times: make(map[string]time.Time, len(tcs))}
		for i, f := range fields {
			r.Fields[f] = normalize(vals[i])
		}
		for i, tc := range tcs {
			v := vals[len(fields)+i]
			if v == nil {
				continue
			}
			if tm, err := tc.parse(v); err == nil {
				r.Times[tc.name] = tm
			}
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("dataset %q: records: %w", t.id, err)
	}
	return out, nil
}

// Times implements store.Driver.Times.
func (s *Store) Times(ctx context.Context, dataset, key string) (map[string]time.Time, error) {
	t, err := s.open(dataset)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(t.times))
	cols := []string{"1"}
	for name, tc := range t.times {
		names = append(names, name)
		cols = append(cols, s.d.Raw("t."+tc.col))
	}
	if !s.matchable(key, t.keyType) {
		return nil, s.errorf("dataset %q: record: %w", t.id, store.ErrNotFound)
	}
	bd := &Builder{d: s.d}
	stmt := fmt.Sprintf("SELECT %s FROM %s t WHERE t.%s = %s", strings.Join(cols, ", "), t.name, t.key, bd.Typed(key, t.keyType))
	vals := make([]any, len(cols))
	dst := make([]any, len(cols))
	for i := range vals {
		dst[i] = &vals[i]
	}
	err = s.db.QueryRowContext(ctx, stmt, bd.args...).Scan(dst...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, s.errorf("dataset %q: record: %w", t.id, store.ErrNotFound)
	}
	if err != nil {
		return nil, s.errorf("dataset %q: times: %w", t.id, err)
	}
	out := make(map[string]time.Time, len(names))
	for i, name := range names {
		v := vals[i+1]
		if v == nil {
			continue
		}
		tm, err := t.times[name].parse(v)
		if err != nil {
			return nil, s.errorf("dataset %q: time column %q: %w", t.id, name, err)
		}
		out[name] = tm
	}
	return out, nil
}
