package retention

import (
	"math"
	"time"

	"github.com/frist-go/frist/policy"
)

// periodEnd returns the end of period p started at t in loc: policy.Period.AddTo,
// made monotone in t, so that a later record never gets an earlier deadline.
//
// AddTo counts calendar units (days, weeks, months, years) on the wall clock
// and is not monotone in two places; without care, no single cutoff could
// select due records by comparing the time column with a constant:
//
//   - The wall clock runs backwards once a year: in the hour repeated when
//     daylight saving ends, 02:15 CET comes after 02:45 CEST. periodEnd
//     counts an instant in the second pass of a repeated hour from the last
//     instant of the first pass, the latest wall time already reached.
//   - Months clamp: 30 and 31 March plus one month are both 30 April, so
//     31 March 00:05 would be due before 30 March 00:17. periodEnd counts a
//     day that does not exist in the target month from the end of the
//     target month's last day: 31 January plus one month is due at the end
//     of 28 February.
//
// In both cases the deadline moves later, by at most the repeated hour or
// the rest of a day, and never earlier, as policy.Period resolves its other
// ambiguities. Elapsed hours need no such care.
func periodEnd(p policy.Period, t time.Time, loc *time.Location) time.Time {
	if p.IsZero() {
		return t
	}
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	if p.Unit != policy.Hours || p.FromYearEnd {
		t = latestWall(t)
	}
	if !p.FromYearEnd && (p.Unit == policy.Months || p.Unit == policy.Years) {
		n := p.N
		if p.Unit == policy.Years {
			n *= 12
		}
		y, m, d := t.Date()
		// The last day of the target month: day 0 of the month after.
		last := time.Date(y, m+time.Month(n)+1, 0, 12, 0, 0, 0, time.UTC).Day()
		if d > last {
			t = time.Date(y, m, last+1, 0, 0, 0, 0, loc).Add(-time.Nanosecond)
		}
	}
	return p.AddTo(t, loc)
}

// latestWall returns t unless t lies in the second pass of an hour repeated
// when clocks were set back; then it returns the last instant before the
// clocks were set back, whose wall time is the latest seen so far.
func latestWall(t time.Time) time.Time {
	start, _ := t.ZoneBounds()
	if start.IsZero() {
		return t
	}
	_, cur := t.Zone()
	before := start.Add(-time.Nanosecond)
	_, prev := before.Zone()
	if prev > cur && t.Sub(start) < time.Duration(prev-cur)*time.Second {
		return before
	}
	return t
}

// cutoff returns the largest instant c such that f(c) ≤ x, for a function f
// that is monotone non-decreasing and satisfies f(t) ≥ t. Every t ≤ c then
// has f(t) ≤ x and every t > c has f(t) > x, so "column ≤ c" selects exactly
// the records with f(column) ≤ x.
//
// It brackets c between an instant that satisfies the condition and x + 1ns,
// which does not, and bisects over nanoseconds: about 60 evaluations of f.
func cutoff(f func(time.Time) time.Time, x time.Time, span time.Duration) time.Time {
	hi := x.Add(time.Nanosecond) // f(hi) ≥ hi > x
	lo := x.Add(-span)
	for step := span; f(lo).After(x); step *= 2 {
		if step > math.MaxInt64/4 {
			// No instant in range satisfies the condition; the earliest
			// representable time selects nothing a real column holds.
			return time.Time{}
		}
		lo = lo.Add(-step)
	}
	// Invariant: f(lo) ≤ x < f(hi).
	for hi.Sub(lo) > time.Nanosecond {
		mid := lo.Add(hi.Sub(lo) / 2)
		if f(mid).After(x) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return lo
}

// span returns an upper bound on how far p reaches past its start, with a
// margin for daylight-saving shifts; cutoff uses it as a first bracket. A
// validated period is at most policy.MaxYears long (plus a year from the
// year end), so the span stays far inside a time.Duration.
func span(p policy.Period) time.Duration {
	const day = 24 * time.Hour
	n := time.Duration(p.N)
	var d time.Duration
	switch p.Unit {
	case policy.Hours:
		d = n * time.Hour
	case policy.Days:
		d = n * day
	case policy.Weeks:
		d = n * 7 * day
	case policy.Months:
		d = n * 31 * day
	case policy.Years:
		d = n * 366 * day
	}
	if p.FromYearEnd {
		d += 366 * day
	}
	return d + 2*day
}

// periodCutoff returns the largest trigger time t with periodEnd(p, t, loc)
// ≤ x: a record whose time column is at most the cutoff has reached x.
func periodCutoff(p policy.Period, x time.Time, loc *time.Location) time.Time {
	if p.IsZero() {
		return x
	}
	if p.Unit == policy.Hours && !p.FromYearEnd {
		return x.Add(-time.Duration(p.N) * time.Hour)
	}
	return cutoff(func(t time.Time) time.Time { return periodEnd(p, t, loc) }, x, span(p))
}
