package policy

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Unit is the unit of a Period.
type Unit uint8

// The period units. Hours are exact elapsed time; days, weeks, months and
// years are calendar units in the controller's time zone.
const (
	Hours  Unit = iota + 1 // "h": elapsed hours
	Days                   // "d": calendar days
	Weeks                  // "w": seven calendar days
	Months                 // "mo": calendar months
	Years                  // "y": calendar years
)

var unitSuffix = [...]string{Hours: "h", Days: "d", Weeks: "w", Months: "mo", Years: "y"}

// maxPeriodN is the largest count a Period may have; nothing a law or a
// notice prescribes comes near it, and it keeps AddTo far from overflow.
const maxPeriodN = 1000

// MaxYears is the longest period frist enforces, in years: a period of more
// than MaxYears years (or more than 12 × MaxYears months) is refused where
// it is declared, at load with file and line. The longest periods German law
// prescribes stay below it: 30 years for titled claims (§ 197 BGB) and 110
// years for birth registers (§ 5(5) PStG). Up to this length every period is
// computed with calendar arithmetic, and every span the engine derives from
// it fits a time.Duration (which ends after 292 years), so that no deadline
// overflows and silently never comes.
const MaxYears = 150

// yearEndSuffix marks the statutory form "counted from the end of the
// calendar year" (as § 147(4) AO and § 257(5) HGB count).
const yearEndSuffix = " from year end"

// A Period is a retention period with calendar semantics: "48h", "7d",
// "2w", "1mo", "6y", and the statutory form "6y from year end".
//
// Hours are elapsed time: 48h after 10:00 on the day before a daylight-saving
// change is 11:00 or 09:00 local time two days later. Days and weeks are
// calendar days: 1d after 10:00 is 10:00 the next day, whether that day has
// 23, 24 or 25 hours. Months and years are calendar months: the same day of
// the month, or the last day of the month when that day does not exist (1mo
// after 31 January is 28 or 29 February, not 2 or 3 March).
//
// With FromYearEnd the period starts at the end of the calendar year in
// which the trigger time falls: "6y from year end" after any time in 2024
// ends at the start of 1 January 2031.
//
// A period is at most MaxYears years (or 12 × MaxYears months) long; a
// longer one is refused where it is declared.
//
// The zero Period is "no period" and IsZero reports true.
type Period struct {
	N           int
	Unit        Unit
	FromYearEnd bool
}

// ParsePeriod parses the text form of a Period. It accepts a positive
// integer followed by a unit (h, d, w, mo, y) and optionally " from year
// end". The error names the accepted forms.
func ParsePeriod(s string) (Period, error) {
	text := strings.TrimSpace(s)
	var p Period
	if rest, ok := strings.CutSuffix(text, yearEndSuffix); ok {
		p.FromYearEnd = true
		text = strings.TrimSpace(rest)
	}
	i := 0
	for i < len(text) && text[i] >= '0' && text[i] <= '9' {
		i++
	}
	if i == 0 || i == len(text) {
		return Period{}, periodError(s)
	}
	n, err := strconv.Atoi(text[:i])
	if err != nil || n <= 0 || n > maxPeriodN {
		return Period{}, periodError(s)
	}
	p.N = n
	switch text[i:] {
	case "h":
		p.Unit = Hours
	case "d":
		p.Unit = Days
	case "w":
		p.Unit = Weeks
	case "mo":
		p.Unit = Months
	case "y":
		p.Unit = Years
	default:
		return Period{}, periodError(s)
	}
	if tooLong(p) {
		return Period{}, fmt.Errorf("%q is too long: frist enforces periods of at most %dy (%d months)", s, MaxYears, 12*MaxYears)
	}
	return p, nil
}

// tooLong reports whether p is longer than MaxYears years.
func tooLong(p Period) bool {
	return (p.Unit == Years && p.N > MaxYears) || (p.Unit == Months && p.N > 12*MaxYears)
}

// periodError explains why s is not a period and, where the intent is
// clear, which form to write instead.
func periodError(s string) error {
	var hint string
	text := strings.TrimSpace(s)
	if f := strings.Fields(text); len(f) == 2 && isDigits(f[0]) {
		switch unit := strings.ToLower(f[1]); {
		case unit == "h" || unit == "d" || unit == "w" || unit == "mo" || unit == "y":
			hint = " (use " + f[0] + unit + ")"
		default:
			switch strings.TrimSuffix(unit, "s") {
			case "hour", "stunde", "stunden":
				hint = " (use " + f[0] + "h)"
			case "day", "tag", "tage", "tagen":
				hint = " (use " + f[0] + "d)"
			case "week", "woche", "wochen":
				hint = " (use " + f[0] + "w)"
			case "month", "monat", "monate", "monaten":
				hint = " (use " + f[0] + "mo)"
			case "year", "jahr", "jahre", "jahren":
				hint = " (use " + f[0] + "y)"
			}
		}
	}
	if hint == "" && text != "" {
		lower := strings.ToLower(text)
		i := 0
		for i < len(lower) && lower[i] >= '0' && lower[i] <= '9' {
			i++
		}
		switch {
		case i > 0 && lower[i:] == "m":
			hint = " (use " + text[:i] + "mo for calendar months)"
		case i > 0 && (lower[i:] == "min" || lower[i:] == "s"):
			hint = " (retention periods are whole hours or calendar units: h, d, w, mo, y)"
		case lower != text:
			if _, err := ParsePeriod(lower); err == nil {
				hint = " (use " + lower + ")"
			}
		}
		if hint == "" && i > 0 && i < len(text) {
			if n, err := strconv.Atoi(text[:i]); err != nil || n == 0 || n > maxPeriodN {
				hint = fmt.Sprintf(" (the number must be between 1 and %d)", maxPeriodN)
			}
		}
	}
	if hint == "" {
		hint = " (a positive number and a unit: 48h, 7d, 2w, 1mo, 6y, or \"6y from year end\")"
	}
	return fmt.Errorf("%q is not a duration%s", s, hint)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// MustParsePeriod is like ParsePeriod but panics on error. It is meant for
// declarations written in Go with constant periods.
func MustParsePeriod(s string) Period {
	p, err := ParsePeriod(s)
	if err != nil {
		panic("policy: " + err.Error())
	}
	return p
}

// IsZero reports whether p is the zero Period.
func (p Period) IsZero() bool { return p.N == 0 }

// String returns the text form that ParsePeriod accepts.
func (p Period) String() string {
	if p.IsZero() || int(p.Unit) >= len(unitSuffix) || p.Unit == 0 {
		return ""
	}
	s := strconv.Itoa(p.N) + unitSuffix[p.Unit]
	if p.FromYearEnd {
		s += yearEndSuffix
	}
	return s
}

// MarshalText implements encoding.TextMarshaler.
func (p Period) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (p *Period) UnmarshalText(b []byte) error {
	q, err := ParsePeriod(string(b))
	if err != nil {
		return err
	}
	*p = q
	return nil
}

// AddTo returns the end of the period that starts at t, computed in loc
// (nil means UTC) with the calendar semantics described on Period. The
// result is in loc.
func (p Period) AddTo(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	if p.FromYearEnd {
		t = time.Date(t.Year()+1, time.January, 1, 0, 0, 0, 0, loc)
	}
	switch p.Unit {
	case Hours:
		return t.Add(time.Duration(p.N) * time.Hour)
	case Days:
		return addDays(t, p.N)
	case Weeks:
		return addDays(t, 7*p.N)
	case Months:
		return addMonths(t, p.N)
	case Years:
		return addMonths(t, 12*p.N)
	}
	return t
}

// addDays moves t by n calendar days, keeping the wall-clock time. Where
// that wall-clock time does not exist on the target day (the hour skipped
// when daylight saving begins), the result is the first instant after the
// gap, so that a deadline is never earlier than the calendar says.
func addDays(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	return wall(t.Location(), y, m, d+n, t)
}

// addMonths moves t by n calendar months; a day that does not exist in the
// target month becomes that month's last day.
func addMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	ty, tm, td := monthsLater(y, m, d, n)
	return wall(t.Location(), ty, tm, td, t)
}

// monthsLater returns the date n calendar months after y-m-d; a day that
// does not exist in the target month becomes that month's last day.
func monthsLater(y int, m time.Month, d, n int) (int, time.Month, int) {
	total := int(m) - 1 + n
	ty := y + floorDiv(total, 12)
	tm := time.Month(total - floorDiv(total, 12)*12 + 1)
	if last := daysIn(ty, tm); d > last {
		d = last
	}
	return ty, tm, d
}

// wall builds the instant at the wall-clock time of clock on the given date
// in loc. If that wall time falls into a gap (the hour skipped when daylight
// saving begins, or a day a zone skipped), it returns the end of the gap,
// the first instant that exists; if it is ambiguous (the hour repeated when
// the clock is set back), it returns the later instant. Both choices make
// deadlines late rather than early.
func wall(loc *time.Location, y int, m time.Month, d int, clock time.Time) time.Time {
	hh, mm, ss := clock.Clock()
	ns := clock.Nanosecond()
	r := time.Date(y, m, d, hh, mm, ss, ns, loc)
	target := time.Date(y, m, d, hh, mm, ss, ns, time.UTC) // the wall time as if UTC
	got := asUTCWall(r)
	start, end := r.ZoneBounds()
	switch {
	case got.Equal(target):
		// The wall time exists. If the zone in effect ends with the clock
		// set back, the same wall time may come again: take the later one.
		if !end.IsZero() {
			_, before := r.Zone()
			_, after := end.Zone()
			if after < before {
				if later := r.Add(time.Duration(before-after) * time.Second); sameWall(later, r) {
					return later
				}
			}
		}
		return r
	case got.After(target) && !start.IsZero():
		// A gap, and time.Date moved forward past it: the gap ends where
		// the zone in effect at r begins.
		return start
	case got.Before(target) && !end.IsZero():
		// A gap, and time.Date moved backward: the gap ends where the zone
		// in effect at r ends.
		return end
	}
	return r
}

// sameWall reports whether a and b show the same wall-clock time and date in
// their location.
func sameWall(a, b time.Time) bool {
	return asUTCWall(a).Equal(asUTCWall(b))
}

// asUTCWall reinterprets t's wall-clock reading in its location as a UTC
// instant, which orders wall times.
func asUTCWall(t time.Time) time.Time {
	y, m, d := t.Date()
	hh, mm, ss := t.Clock()
	return time.Date(y, m, d, hh, mm, ss, t.Nanosecond(), time.UTC)
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// Shortest returns the shortest time p can span, whatever it starts with:
// N hours for hours; for calendar units the fewest days they can hold (a
// month of 28 days, twelve months of 365), less the hour a day loses when
// daylight saving begins. Counted from the year end, a period only grows,
// so Shortest is that of its count. It returns 0 for the zero Period.
func (p Period) Shortest() time.Duration {
	const day = 24 * time.Hour
	if p.N <= 0 {
		return 0
	}
	var days int
	switch p.Unit {
	case Hours:
		return time.Duration(min(p.N, maxPeriodN)) * time.Hour
	case Days:
		days = p.N
	case Weeks:
		days = 7 * p.N
	case Months:
		days = shortestMonths(p.N)
	case Years:
		days = shortestMonths(12 * p.N)
	default:
		return 0
	}
	// A time.Duration ends after 292 years; a period longer than MaxYears
	// is refused where it is declared, and saturates here.
	days = min(days, 250*365)
	return time.Duration(days)*day - time.Hour
}

// shortestMonths returns the fewest days n consecutive calendar months can
// hold: 365 for every twelve, and for the rest the shortest run of that
// many months in a common year, counting across the year end.
func shortestMonths(n int) int {
	days := n / 12 * 365
	rest := n % 12
	if rest == 0 {
		return days
	}
	short := -1
	for start := range 12 {
		sum := 0
		for i := range rest {
			sum += daysIn(2023, time.Month((start+i)%12+1))
		}
		if short < 0 || sum < short {
			short = sum
		}
	}
	return days + short
}

// MaxLead returns the longest lead a rule with period p may have when the
// sweeps that enforce it are at most interval apart: the larger of 1% of
// p's shortest length (Shortest) and one interval, but never more than a
// tenth of that length. This is the bound of "Never early"
// (docs/DESIGN.md): the retention engine never acts on a record more than
// MaxLead before its deadline, so that a record is kept for at least 99%
// of its declared period, or 90% where a rule is so short that sweeps one
// interval apart are more than 1% of it, and never at or before the time
// its period counts from (an appointment is never deleted before it takes
// place, Art. 5(1)(a) and 13(2)(a) GDPR). A lead of one interval is what
// a sweeper needs to meet every deadline, so a rule whose MaxLead is
// shorter than interval needs more frequent sweeps.
func (p Period) MaxLead(interval time.Duration) time.Duration {
	s := p.Shortest()
	return max(s/100, min(interval, s/10))
}
