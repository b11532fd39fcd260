package policy

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func berlin(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	return loc
}

// recordPeriods are the periods the cutoff tests run with: the default,
// the calendar units counted from the end and from the year end, and
// elapsed hours.
var recordPeriods = []RecordPeriod{
	DefaultRecordPeriod,
	{Keep: Period{N: 1, Unit: Years}, From: FromEnd},
	{Keep: Period{N: 4, Unit: Years}, From: FromEnd},
	{Keep: Period{N: 1, Unit: Months}, From: FromEnd},
	{Keep: Period{N: 3, Unit: Months}, From: FromEnd},
	{Keep: Period{N: 1, Unit: Months}, From: FromYearEnd},
	{Keep: Period{N: 1, Unit: Days}, From: FromEnd},
	{Keep: Period{N: 2, Unit: Weeks}, From: FromEnd},
	{Keep: Period{N: 48, Unit: Hours}, From: FromEnd},
	{Keep: Period{N: 5, Unit: Hours}, From: FromYearEnd},
}

// monotone reports whether r's deadlines grow with the end: counted from
// the year end or in elapsed hours. Calendar periods counted from the end
// itself give an end in the hour repeated when the clock is set back a
// later deadline than ends a little after it.
func monotone(r RecordPeriod) bool { return r.From == FromYearEnd || r.Keep.Unit == Hours }

// requireCutoff checks the cutoff of r at now against Deadline: never
// early (the deadline of every end before the cutoff is at or before now,
// here for ends), tight (an end just below the cutoff is due, an end at it
// is not), and, where deadlines grow with the end, exact (no end at or
// after the cutoff is due). Where they do not (calendar periods from the
// end, at month ends and in the hour repeated in autumn), an end at or
// after the cutoff that is due became due less than a day and an hour ago.
func requireCutoff(t *testing.T, r RecordPeriod, now time.Time, loc *time.Location, ends ...time.Time) {
	t.Helper()
	c := r.EndedBefore(now, loc)
	require.Falsef(t, r.Deadline(c, loc).Compare(now) <= 0,
		"%s at %v: cutoff %v is itself due (%v): not the latest cutoff", r, now, c, r.Deadline(c, loc))
	require.Truef(t, r.Deadline(c.Add(-1), loc).Compare(now) <= 0,
		"%s at %v: an end just below the cutoff %v is not due (%v): the cutoff is early", r, now, c, r.Deadline(c.Add(-1), loc))
	for _, end := range ends {
		d := r.Deadline(end, loc)
		due := d.Compare(now) <= 0
		if end.Before(c) {
			require.Truef(t, due, "%s at %v: end %v is before the cutoff %v but its deadline %v is after now: early",
				r, now, end, c, d)
			continue
		}
		if monotone(r) {
			require.Falsef(t, due, "%s at %v: end %v is at or after the cutoff %v but due at %v", r, now, end, c, d)
		} else if due {
			require.Lessf(t, now.Sub(d), 25*time.Hour, "%s at %v: end %v after the cutoff %v has been due since %v", r, now, end, c, d)
		}
	}
}

// interesting returns instants near which the calendar is irregular in
// loc: the two daylight-saving changes of each year, the year end, the
// ends of January and February (29 February in leap years) and the first
// and last days of other months.
func interesting(loc *time.Location, from, to int) []time.Time {
	var out []time.Time
	for y := from; y <= to; y++ {
		for m := time.January; m <= time.December; m++ {
			out = append(out,
				time.Date(y, m, 1, 0, 0, 0, 0, loc),
				time.Date(y, m+1, 0, 23, 59, 59, 999999999, loc),
				time.Date(y, m+1, 0, 12, 0, 0, 0, loc))
		}
		// Each zone change: the instant the zone in effect on a day ends.
		for _, day := range []time.Time{time.Date(y, time.March, 31, 12, 0, 0, 0, loc), time.Date(y, time.October, 31, 12, 0, 0, 0, loc)} {
			for d := range 8 {
				if _, end := day.AddDate(0, 0, -d).ZoneBounds(); !end.IsZero() && end.Year() == y {
					out = append(out, end)
				}
			}
		}
	}
	return out
}

// TestEndedBeforeIsNeverEarlyAndTight checks the cutoff against Deadline
// over many random ends and nows in Europe/Berlin from 2020 to 2035,
// drawn around daylight-saving changes, month ends, 29 February and the
// year end, and at and around the deadlines of such ends.
//
// Seen failing against each of these broken cutoffs in Period.EndedBefore:
// computed in UTC instead of loc (loc = time.UTC at its top): early or
// not the latest at the year end, month ends and DST; the later of two
// instants showing the cutoff's reading (firstShowing returning wall's
// result): early in the hour repeated in October; the search for the
// reading stopping one step short (hi.Sub(lo) > 2): early by a
// nanosecond; hours without the + 1: not the latest; the time of day kept
// where the moved date is past the target (if true { w = ... }): early at
// month ends and 29 February; no forward scan in startDate: not the
// latest where a month is shorter than the one before.
func TestEndedBeforeIsNeverEarlyAndTight(t *testing.T) {
	loc := berlin(t)
	rng := rand.New(rand.NewPCG(18, 4))
	spots := interesting(loc, 2020, 2035)
	lo := time.Date(2020, 1, 1, 0, 0, 0, 0, loc).UnixNano()
	hi := time.Date(2035, 12, 31, 0, 0, 0, 0, loc).UnixNano()
	near := func() time.Time {
		// Within two hours of an irregular instant, to the nanosecond
		// or on a whole minute.
		s := spots[rng.IntN(len(spots))]
		off := time.Duration(rng.Int64N(int64(4*time.Hour))) - 2*time.Hour
		if rng.IntN(2) == 0 {
			off = off.Truncate(time.Minute)
		}
		return s.Add(off)
	}
	anyTime := func() time.Time { return time.Unix(0, lo+rng.Int64N(hi-lo)).In(loc) }
	n := 400
	if testing.Short() {
		n = 50
	}
	for _, r := range recordPeriods {
		t.Run(r.String(), func(t *testing.T) {
			for range n {
				ends := make([]time.Time, 0, 12)
				for range 4 {
					ends = append(ends, near(), anyTime())
				}
				// Now: at, just before and just after the deadline of an
				// irregular end, or anywhere.
				e := near()
				d := r.Deadline(e, loc)
				for _, now := range []time.Time{d, d.Add(-1), d.Add(1), d.Add(-30 * time.Minute), anyTime(), near()} {
					c := r.EndedBefore(now, loc)
					// Ends at and around the cutoff, and the end whose
					// deadline now is.
					more := append(ends, e, c, c.Add(-1), c.Add(1), c.Add(-time.Hour), c.Add(time.Hour))
					requireCutoff(t, r, now, loc, more...)
				}
			}
		})
	}
}

// TestEndedBeforeNamedCases pins the cutoff at the irregular points of the
// calendar in Europe/Berlin.
func TestEndedBeforeNamedCases(t *testing.T) {
	loc := berlin(t)
	at := func(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, loc) }
	utc := func(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, time.UTC) }
	threeYears := DefaultRecordPeriod
	month := RecordPeriod{Keep: Period{N: 1, Unit: Months}, From: FromEnd}
	year := RecordPeriod{Keep: Period{N: 1, Unit: Years}, From: FromEnd}
	day := RecordPeriod{Keep: Period{N: 1, Unit: Days}, From: FromEnd}
	hours := RecordPeriod{Keep: Period{N: 48, Unit: Hours}, From: FromEnd}
	tests := []struct {
		name string
		r    RecordPeriod
		now  time.Time
		want time.Time
		ends []time.Time // each checked against the cutoff
	}{
		{"year end: the last instant of 2027 keeps 2024", threeYears,
			at(2028, 1, 1, 0, 0).Add(-1), at(2024, 1, 1, 0, 0),
			[]time.Time{at(2024, 1, 1, 0, 0).Add(-1), at(2024, 12, 31, 23, 59)}},
		{"year end: at 00:00 on 1 January 2028, 2024 is due", threeYears,
			at(2028, 1, 1, 0, 0), at(2025, 1, 1, 0, 0),
			[]time.Time{at(2024, 12, 31, 23, 59), at(2025, 1, 1, 0, 0)}},
		{"year end in the controller's zone: 00:30 on 1 January in Berlin is still 2024 in UTC", threeYears,
			// 23:30 UTC on 31 December 2027 is 00:30 on 1 January 2028 in Berlin.
			utc(2027, 12, 31, 23, 30), at(2025, 1, 1, 0, 0),
			[]time.Time{utc(2024, 12, 31, 22, 59), utc(2024, 12, 31, 23, 0)}},
		{"at 29 February 10:00, a month after 29 January 10:00 has ended", month,
			// 1mo after 30 and 31 January 10:00 is 29 February 10:00 too,
			// but 29 January 11:00 is not due until 11:00: the cutoff
			// stays at 29 January, and 30 and 31 January wait for it.
			at(2024, 2, 29, 10, 0), at(2024, 1, 29, 10, 0).Add(1),
			[]time.Time{at(2024, 1, 29, 10, 0), at(2024, 1, 29, 11, 0), at(2024, 1, 30, 10, 0), at(2024, 1, 31, 10, 0), at(2024, 2, 1, 0, 0)}},
		{"on 1 March, all of January is due", month,
			at(2024, 3, 1, 0, 0), at(2024, 2, 1, 0, 0).Add(1),
			[]time.Time{at(2024, 1, 31, 23, 59), at(2024, 2, 1, 0, 0), at(2024, 2, 1, 0, 1)}},
		{"31 March has no counterpart a month before: the cutoff is 1 March", month,
			at(2024, 3, 31, 12, 0), at(2024, 3, 1, 0, 0),
			[]time.Time{at(2024, 2, 29, 23, 59), at(2024, 3, 1, 0, 0)}},
		{"29 February a year later: due with 28 February", year,
			at(2025, 2, 28, 12, 0), at(2024, 2, 28, 12, 0).Add(1),
			[]time.Time{at(2024, 2, 28, 12, 0), at(2024, 2, 28, 13, 0), at(2024, 2, 29, 12, 0)}},
		{"1 March a year later: all of February 2024 is due", year,
			at(2025, 3, 1, 0, 0), at(2024, 3, 1, 0, 0).Add(1),
			[]time.Time{at(2024, 2, 29, 23, 59), at(2024, 3, 1, 0, 0)}},
		{"spring forward: 1d after 02:30 on 30 March is 03:00 summer time, the end of the gap", day,
			utc(2024, 3, 31, 1, 0), at(2024, 3, 30, 3, 0).Add(1),
			[]time.Time{at(2024, 3, 30, 2, 30), at(2024, 3, 30, 3, 0), at(2024, 3, 30, 3, 1)}},
		{"fall back: the repeated hour is cut at its first showing", day,
			// 02:20 winter time on 28 October; the cutoff is 02:20 summer
			// time on 27 October, the first instant reading 02:20 on 27
			// October. 02:10 winter time on 27 October (01:10 UTC) was due
			// at 02:10 on 28 October but comes after the cutoff: kept until
			// the cutoff passes it, less than an hour late.
			at(2024, 10, 28, 2, 20), utc(2024, 10, 27, 0, 20).Add(1),
			[]time.Time{utc(2024, 10, 27, 0, 20), utc(2024, 10, 27, 0, 30), utc(2024, 10, 27, 1, 10)}},
		{"48 hours are elapsed time across the change", hours,
			utc(2024, 3, 31, 12, 0), utc(2024, 3, 29, 12, 0).Add(1),
			[]time.Time{utc(2024, 3, 29, 12, 0), utc(2024, 3, 29, 12, 1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.r.EndedBefore(tt.now, loc)
			assert.Truef(t, tt.want.Equal(c), "cutoff %v, want %v", c, tt.want)
			requireCutoff(t, tt.r, tt.now, loc, tt.ends...)
		})
	}
}

func TestDeadlineCountsFromTheEndOrTheYearEndInTheControllersZone(t *testing.T) {
	loc := berlin(t)
	at := func(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, loc) }
	tests := []struct {
		r         RecordPeriod
		end, want time.Time
	}{
		{DefaultRecordPeriod, at(2024, 3, 5, 10, 0), at(2028, 1, 1, 0, 0)},
		{DefaultRecordPeriod, at(2024, 12, 31, 23, 59), at(2028, 1, 1, 0, 0)},
		{DefaultRecordPeriod, at(2025, 1, 1, 0, 0), at(2029, 1, 1, 0, 0)},
		{RecordPeriod{Keep: MustParsePeriod("3y"), From: FromEnd}, at(2024, 2, 29, 10, 0), at(2027, 2, 28, 10, 0)},
		{RecordPeriod{Keep: MustParsePeriod("6mo"), From: FromEnd}, at(2024, 8, 31, 10, 0), at(2025, 2, 28, 10, 0)},
		{RecordPeriod{Keep: MustParsePeriod("1mo"), From: FromYearEnd}, at(2024, 6, 1, 0, 0), at(2025, 2, 1, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.r, " after ", tt.end), func(t *testing.T) {
			got := tt.r.Deadline(tt.end, loc)
			assert.Truef(t, tt.want.Equal(got), "got %v, want %v", got, tt.want)
		})
	}
	// A nil zone is UTC: 23:30 UTC on 31 December is still that year.
	end := time.Date(2024, 12, 31, 23, 30, 0, 0, time.UTC)
	assert.True(t, time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC).Equal(DefaultRecordPeriod.Deadline(end, nil)))
	assert.True(t, time.Date(2029, 1, 1, 0, 0, 0, 0, loc).Equal(DefaultRecordPeriod.Deadline(end, loc)),
		"in Berlin it is already 2025")
}

func TestEndedBeforeOfNoPeriodDeletesNothing(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	assert.True(t, Period{}.EndedBefore(now, nil).IsZero())
	assert.True(t, RecordPeriod{}.EndedBefore(now, nil).IsZero())
	assert.True(t, Period{N: 3, Unit: 9}.EndedBefore(now, nil).IsZero())
}

// TestPeriodEndedBeforeOfTheIdentifyPeriod checks the plain period the
// pseudonymization of closed requests counts with, from closing: three
// months after any time in February 2025 is on or before 28 May, and no
// day of February is three months before 31 May.
func TestPeriodEndedBeforeOfTheIdentifyPeriod(t *testing.T) {
	loc := berlin(t)
	p := DefaultIdentifyRequestsFor
	now := time.Date(2025, 5, 31, 9, 0, 0, 0, loc)
	c := p.EndedBefore(now, loc)
	assert.True(t, time.Date(2025, 3, 1, 0, 0, 0, 0, loc).Equal(c), "cutoff %v", c)
	assert.True(t, p.AddTo(c.Add(-1), loc).Compare(now) <= 0)
	assert.True(t, p.AddTo(c, loc).After(now))
}
