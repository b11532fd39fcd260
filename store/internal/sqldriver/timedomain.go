package sqldriver

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/frist-go/frist/store"
)

// Domain says which values of an application's time column are valid
// times in the column's representation: those a cutoff, converted into
// the same representation, compares with exactly, or, where values carry
// offsets (Spread), whose instant a test compares with it. Every other
// value (SQLite's ” or 1740484800 in a text column, text in another form
// or with an offset the declared zone never has, PostgreSQL's -infinity)
// is never selected by a time rule, whatever the cutoff, and is counted by
// Store.Unreadable instead.
//
// A selection by a time column is the range "Lower <= column <= cutoff"
// plus Valid, so the column's index serves it as one range whose lower end
// is fixed: a sweep reads the due records and the unreadable ones among
// them, nothing else (docs/DESIGN.md, "Sweeps cost what is due").
type Domain struct {
	// Lower and Upper are the least and the greatest valid value, in the
	// form CutoffArg returns: every valid value lies between them in the
	// column's own order.
	Lower, Upper any
	// Valid, when not "", is a condition on the column (written %[1]s)
	// that holds exactly for the valid values between Lower and Upper. It
	// never fails on a stored value and may be NULL for an invalid one.
	Valid string
	// Kind says in words what a valid value is, for reports and errors
	// ("SQLite text in UTC").
	Kind string
	// LowerFilter makes "column >= Lower" a filter the planner cannot turn
	// into an index bound. PostgreSQL estimates a bound below its
	// histogram by reading the actual lowest index entry, walking the
	// entries earlier batches' deletes left behind, for every statement;
	// its index range starts at the lowest entry anyway, and the only
	// values below Lower there are unreadable ones.
	LowerFilter bool
	// Cutoff, when not nil, converts a cutoff into the column's form in
	// place of Dialect.CutoffArg (SQLite text with all nine fraction
	// digits, so that a value with fewer, "12:00:00.10", compares with it
	// as the time it names).
	Cutoff func(t time.Time) any
	// Spread, when not nil, says that valid values carry UTC offsets and
	// sort by their wall-clock digits, not by the instant they name: the
	// index range of a cutoff is widened by the offsets and an exact test
	// of each value's instant decides inside it.
	Spread *Spread
	// Read, when not nil, converts a value of the column, read as stored
	// (Dialect.Raw), into the instant it names in UTC, and returns an
	// error for exactly the values Valid refuses; without it ParseTime
	// reads them. Earliest, Records, Times and a batch's processed records
	// read values with it, so every path agrees on which values are times
	// and on what they mean.
	Read func(v any) (time.Time, error)
}

// Spread describes a column whose valid values name their instant with a
// UTC offset of their own (SQLite text such as "2026-03-01 09:00:00 +0100
// CET"), or without one as wall-clock time in the declared zone. A value
// whose wall clock reads W and whose offset is o names W - o; it is at or
// before a cutoff C exactly when W <= C + o. So every due value lies in the
// index range up to C + High, and every valid value up to C + Low is due:
// only those between the two are tested one by one.
type Spread struct {
	// Low and High are the least and the greatest offset a valid value
	// carries; Low <= 0 <= High.
	Low, High time.Duration
	// Due is a condition on a valid value of the column (written %[1]s):
	// it names an instant at or before the cutoff, bound as the cutoff in
	// the column's form in UTC (%[2]s) and, for a value without an offset,
	// as the latest wall-clock time of the declared zone that is due
	// (%[3]s, wallCutoff).
	Due string
	// Above is appended to a whole-second time in the column's form to
	// make a value that sorts above every valid value whose wall clock
	// reads that second, whatever its fraction and offset.
	Above string
}

// lowerEnd writes "col >= Lower" as tc's domain wants it.
func (b *Builder) lowerEnd(tc *timeCol, col string) string {
	cond := fmt.Sprintf("%s >= %s", col, b.Typed(tc.dom.Lower, tc.typ))
	if tc.dom.LowerFilter {
		return "(" + cond + ") IS TRUE"
	}
	return cond
}

// domainOf resolves the domain of tc at New.
func domainOf(d Dialect, tc *timeCol) error {
	dom, err := d.TimeDomain(tc.format, tc.typ, tc.zone)
	if err != nil {
		return err
	}
	tc.dom = &dom
	return nil
}

// cutoff converts t into tc's representation. For a column of wall-clock
// times in a declared zone it is the latest wall-clock time none of whose
// instants is after t (wallCutoff), so no value is selected early, not
// even in the repeated hour when the clocks go back.
func (tc *timeCol) cutoff(d Dialect, t time.Time) any {
	if tc.zone != nil {
		t = wallCutoff(t, tc.zone)
	}
	return tc.convert(d, t)
}

// convert converts t into tc's form (Domain.Cutoff, Dialect.CutoffArg).
func (tc *timeCol) convert(d Dialect, t time.Time) any {
	if tc.dom != nil && tc.dom.Cutoff != nil {
		return tc.dom.Cutoff(t)
	}
	return d.CutoffArg(tc.format, tc.typ, t)
}

// parse reads a value of tc as stored: with the domain's reader where it
// has one (Domain.Read), else in tc's representation, and a wall-clock
// time in tc's declared zone when it has one.
func (tc *timeCol) parse(v any) (time.Time, error) {
	if tc.dom != nil && tc.dom.Read != nil {
		return tc.dom.Read(v)
	}
	t, err := ParseTime(tc.format, v)
	if err != nil || tc.zone == nil {
		return t, err
	}
	y, mo, d := t.Date()
	h, mi, sec := t.Clock()
	return time.Date(y, mo, d, h, mi, sec, t.Nanosecond(), tc.zone).UTC(), nil
}

// wallCutoff returns, as a UTC time whose clock reads it, the wall-clock
// time in loc up to which every wall-clock time stands only for instants
// at or before t. It reads t with the smallest UTC offset loc has within
// three hours of t: in the repeated hour after the clocks go back, a wall
// time stands for two instants, and it is due only once the later has
// come. Around a change of offset this errs on the late side by at most
// the change.
func wallCutoff(t time.Time, loc *time.Location) time.Time {
	off := func(u time.Time) int { _, o := u.In(loc).Zone(); return o }
	o := min(off(t.Add(-3*time.Hour)), off(t), off(t.Add(3*time.Hour)))
	return t.UTC().Add(time.Duration(o) * time.Second)
}

// rangeOf writes "tc holds a valid time at or before cutoff", or, with a
// nil cutoff, "tc holds a valid time". Without lower the least valid
// value is left out: the selection starts behind a position that holds a
// valid time (Selection.After), and a second lower end would make SQLite
// choose between the two, and start every batch of a sweep at the
// beginning of the range instead of behind the last one.
func (b *Builder) rangeOf(tc *timeCol, cutoff *time.Time, lower bool) string {
	col := "t." + tc.col
	if tc.dom == nil {
		if cutoff == nil {
			return col + " IS NOT NULL"
		}
		return fmt.Sprintf("%s <= %s", col, b.Typed(tc.cutoff(b.d, *cutoff), tc.typ))
	}
	hi := tc.dom.Upper
	if cutoff != nil {
		hi = tc.cutoff(b.d, *cutoff)
		if tc.dom.Spread != nil {
			hi = tc.above(b.d, cutoff.Add(tc.dom.Spread.High))
		}
	}
	var conds []string
	if lower {
		conds = append(conds, b.lowerEnd(tc, col))
	}
	conds = append(conds, fmt.Sprintf("%s <= %s", col, b.Typed(hi, tc.typ)))
	if tc.dom.Valid != "" {
		conds = append(conds, fmt.Sprintf(tc.dom.Valid, col))
	}
	if cutoff != nil && tc.dom.Spread != nil {
		conds = append(conds, b.due(tc, col, *cutoff))
	}
	return strings.Join(conds, " AND ")
}

// due writes "the valid value of tc in col names an instant at or before
// cutoff" for a column whose values carry offsets (Spread): every value
// whose wall clock reads before cutoff + Low is, and Spread.Due decides
// for the rest. The first test is a comparison with a constant, so the
// bulk of a sweep's due records pays nothing more.
func (b *Builder) due(tc *timeCol, col string, cutoff time.Time) string {
	sp := tc.dom.Spread
	bulk := b.Typed(b.d.CutoffArg(tc.format, tc.typ, cutoff.Add(sp.Low).Truncate(time.Second)), tc.typ)
	utc := b.Typed(tc.convert(b.d, cutoff), tc.typ)
	wall := b.Typed(tc.cutoff(b.d, cutoff), tc.typ)
	return fmt.Sprintf("(%s < %s OR %s)", col, bulk, fmt.Sprintf(sp.Due, col, utc, wall))
}

// above returns a value of tc's form that sorts above every valid value
// whose wall clock reads t or earlier (Spread.Above).
func (tc *timeCol) above(d Dialect, t time.Time) any {
	v := d.CutoffArg(tc.format, tc.typ, t.Truncate(time.Second))
	if s, ok := v.(string); ok {
		return s + tc.dom.Spread.Above
	}
	return v
}

// validFrom writes "tc holds a valid time", without an upper end: the
// range of a batch whose upper end is its last record, which is valid and
// within the cutoff. lower is as for rangeOf. Where values carry offsets
// (Spread), a value sorting before the last record may name a later
// instant, so each is still tested against cutoff.
func (b *Builder) validFrom(tc *timeCol, cutoff time.Time, lower bool) string {
	if tc.dom == nil {
		return "t." + tc.col + " IS NOT NULL"
	}
	var conds []string
	if lower {
		conds = append(conds, b.lowerEnd(tc, "t."+tc.col))
	}
	if tc.dom.Valid != "" {
		conds = append(conds, fmt.Sprintf(tc.dom.Valid, "t."+tc.col))
	}
	if tc.dom.Spread != nil {
		conds = append(conds, b.due(tc, "t."+tc.col, cutoff))
	}
	if len(conds) == 0 {
		return "1 = 1"
	}
	return strings.Join(conds, " AND ")
}

// unreadable writes the i-th of the conditions "tc holds a value that is
// not a valid time, and sorts below every valid one", "... above every
// valid one" and "... at or before cutoff" (the last only where some
// values in range are invalid: unreadableParts says how many there are).
// Each is one range of the column's index, one end or the due part, so
// counting them one by one costs what the due records and the unreadable
// ones cost; joined by OR, SQLite reads the whole index instead.
func (b *Builder) unreadable(tc *timeCol, cutoff any, i int) string {
	col := "t." + tc.col
	switch i {
	case 0:
		return fmt.Sprintf("%s < %s", col, b.Typed(tc.dom.Lower, tc.typ))
	case 1:
		return fmt.Sprintf("%s > %s", col, b.Typed(tc.dom.Upper, tc.typ))
	}
	return fmt.Sprintf("%s >= %s AND %s <= %s AND NOT COALESCE(%s, FALSE)",
		col, b.Typed(tc.dom.Lower, tc.typ), col, b.Typed(cutoff, tc.typ), fmt.Sprintf(tc.dom.Valid, col))
}

// unreadableParts is the number of conditions unreadable writes for tc.
func unreadableParts(tc *timeCol) int {
	if tc.dom.Valid == "" {
		return 2
	}
	return 3
}

// Unreadable implements store.Driver: the records matching sel's
// conditions other than its bounds whose value in the column of its first
// bound is not a valid time (Domain), among those sorting below or above
// every valid value or at or before the bound's cutoff.
func (s *Store) Unreadable(ctx context.Context, sel store.Selection) (int, string, error) {
	if len(sel.Bounds) == 0 {
		return 0, "", s.errorf("dataset %q: Unreadable needs a bound; callers check every selection before a backend sees it (package store)", sel.Dataset)
	}
	first := sel.Bounds[0]
	sel.Bounds = nil
	q, err := s.check(sel)
	if err != nil {
		return 0, "", err
	}
	tc := q.t.times[first.Column]
	if tc == nil {
		return 0, "", s.undeclared(q.t, "time column", first.Column)
	}
	if tc.dom == nil {
		return 0, "", nil
	}
	bd := &Builder{d: s.d}
	// One sub-select per range; they share the selection's conditions and
	// their parameters, which bind by number wherever they stand.
	cutoff := tc.cutoff(s.d, first.Cutoff)
	if tc.dom.Spread != nil {
		cutoff = tc.above(s.d, first.Cutoff.Add(tc.dom.Spread.High))
	}
	where := q.where(bd, nil)
	parts := make([]string, unreadableParts(tc))
	for i := range parts {
		parts[i] = fmt.Sprintf("(SELECT COUNT(*) FROM %s t WHERE %s AND %s)", q.t.name, where, bd.unreadable(tc, cutoff, i))
	}
	stmt := "SELECT " + strings.Join(parts, " + ")
	var n int64
	if err := s.db.QueryRowContext(ctx, stmt, bd.args...).Scan(&n); err != nil {
		return 0, "", s.errorf("dataset %q: count unreadable values of time column %q: %w", q.t.id, tc.name, err)
	}
	return int(n), tc.dom.Kind, nil
}
