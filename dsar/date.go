package dsar

import (
	"fmt"
	"time"
)

// Date is a calendar date without a time of day or a time zone: the unit in
// which Regulation (EEC, Euratom) No 1182/71 counts periods expressed in
// days, weeks, months and years, and in which a Calendar names public
// holidays. The zero Date is "no date" and IsZero reports true.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the calendar date of t in t's own location. Call it as
// DateOf(t.In(loc)) to take the date in the controller's time zone.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// NewDate returns the date y-m-d, normalised as time.Date normalises
// (2026-02-30 becomes 2026-03-02).
func NewDate(y int, m time.Month, d int) Date {
	return DateOf(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

// ParseDate parses a date in ISO 8601 form, "2026-04-07".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("dsar: %q is not a date of the form 2006-01-02", s)
	}
	return DateOf(t), nil
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// String returns d in ISO 8601 form, "2026-04-07".
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// MarshalText implements encoding.TextMarshaler with the ISO 8601 form.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler for the ISO 8601 form.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// utc is the date's midnight in UTC, used only for calendar arithmetic.
func (d Date) utc() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.utc().Weekday() }

// AddDays returns the date n calendar days after d (before it if n < 0).
func (d Date) AddDays(n int) Date { return NewDate(d.Year, d.Month, d.Day+n) }

// AddMonths returns the date in the n-th month after d that has the same day
// of the month, or the last day of that month when it has no such day: the
// rule of Art. 3(2)(c) of Regulation No 1182/71 (31 January plus one month
// is 28 or 29 February).
func (d Date) AddMonths(n int) Date {
	first := time.Date(d.Year, d.Month+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := time.Date(first.Year(), first.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	day := d.Day
	if day > last {
		day = last
	}
	return Date{Year: first.Year(), Month: first.Month(), Day: day}
}

// Compare returns -1 when d is before e, +1 when it is after, 0 when equal.
func (d Date) Compare(e Date) int { return d.utc().Compare(e.utc()) }

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// DaysUntil returns the number of calendar days from d to e (negative when
// e is before d).
func (d Date) DaysUntil(e Date) int {
	return int(e.utc().Sub(d.utc()) / (24 * time.Hour))
}

// Start returns the first instant of d in loc (nil means UTC). Where
// midnight does not exist in loc because a daylight-saving change skips it,
// it is the first instant of the day that does exist.
func (d Date) Start(loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	t := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
	if !DateOf(t).Before(d) {
		return t
	}
	// Midnight falls into a gap and time.Date resolved it to an instant on
	// the previous day: search the first instant whose local date is d.
	lo, hi := t, t.Add(4*time.Hour)
	for hi.Sub(lo) > time.Second {
		mid := lo.Add(hi.Sub(lo) / 2)
		if DateOf(mid).Before(d) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi.Truncate(time.Second)
}
