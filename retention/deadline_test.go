package retention

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
)

func berlin(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	return loc
}

func TestPeriodEndFollowsTheCalendarInTheControllersZone(t *testing.T) {
	loc := berlin(t)
	at := func(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, loc) }
	cest := time.FixedZone("CEST", 2*3600)
	cet := time.FixedZone("CET", 3600)
	tests := []struct {
		name   string
		period string
		start  time.Time
		want   time.Time
	}{
		{"two weeks after an appointment are 14 calendar days, whatever the clock change", "2w", at(2024, 10, 20, 10, 0), at(2024, 11, 3, 10, 0)},
		{"a day across spring forward has 23 hours", "1d", at(2024, 3, 30, 10, 0), at(2024, 3, 31, 10, 0)},
		{"48h across spring forward are elapsed hours", "48h", at(2024, 3, 30, 10, 0), at(2024, 4, 1, 11, 0)},
		{"48h across fall back are elapsed hours", "48h", at(2024, 10, 26, 10, 0), at(2024, 10, 28, 9, 0)},
		{"a day landing in the skipped hour ends when the gap ends", "1d", at(2024, 3, 30, 2, 30), at(2024, 3, 31, 3, 0)},
		{"a day landing in the repeated hour takes its second pass", "1d", time.Date(2024, 10, 26, 2, 30, 0, 0, cest), time.Date(2024, 10, 27, 2, 30, 0, 0, cet)},
		{"the first pass of the repeated hour counts on the wall clock", "1d", time.Date(2024, 10, 27, 2, 45, 0, 0, cest), time.Date(2024, 10, 28, 2, 45, 0, 0, cet)},
		{"the second pass of the repeated hour counts from the end of the first", "1d", time.Date(2024, 10, 27, 2, 15, 0, 0, cet), time.Date(2024, 10, 28, 2, 59, 59, 999999999, cet)},
		{"a month after 31 January ends with the last day of February in a leap year", "1mo", at(2024, 1, 31, 12, 0), at(2024, 3, 1, 0, 0).Add(-time.Nanosecond)},
		{"a month after 31 January ends with 28 February otherwise", "1mo", at(2023, 1, 31, 12, 0), at(2023, 3, 1, 0, 0).Add(-time.Nanosecond)},
		{"a month after 28 January is 28 February at the same time", "1mo", at(2023, 1, 28, 12, 0), at(2023, 2, 28, 12, 0)},
		{"a month after 30 April is 30 May", "1mo", at(2024, 4, 30, 12, 0), at(2024, 5, 30, 12, 0)},
		{"a year after 29 February ends with 28 February", "1y", at(2024, 2, 29, 8, 0), at(2025, 3, 1, 0, 0).Add(-time.Nanosecond)},
		{"six years from year end start on 1 January", "6y from year end", at(2024, 3, 5, 8, 0), at(2031, 1, 1, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := periodEnd(policy.MustParsePeriod(tt.period), tt.start, loc)
			assert.Truef(t, tt.want.Equal(got), "%s after %s: got %s, want %s", tt.period, tt.start, got, tt.want)
		})
	}
}

// interesting returns trigger times where calendar arithmetic is delicate:
// around both daylight-saving changes in Europe/Berlin (including both
// passes of the repeated hour), at month ends and at the year end.
func interesting(loc *time.Location) []time.Time {
	var out []time.Time
	utc := func(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, time.UTC) }
	for _, c := range []time.Time{
		utc(2024, 3, 31, 1, 0),   // spring forward: 02:00 CET becomes 03:00 CEST
		utc(2024, 10, 27, 1, 0),  // fall back: 03:00 CEST becomes 02:00 CET
		utc(2025, 3, 30, 1, 0),   // spring forward
		utc(2025, 10, 26, 1, 0),  // fall back
		utc(2024, 1, 31, 22, 30), // month ends, local midnight
		utc(2024, 2, 29, 11, 0),
		utc(2024, 4, 30, 21, 59),
		utc(2024, 12, 31, 22, 59),
		utc(2023, 12, 31, 23, 0),
	} {
		for d := -26 * time.Hour; d <= 26*time.Hour; d += 17 * time.Minute {
			out = append(out, c.Add(d).In(loc))
		}
		// Instants near each side of the transition itself.
		for _, d := range []time.Duration{-time.Nanosecond, 0, time.Nanosecond, time.Hour - time.Nanosecond, time.Hour} {
			out = append(out, c.Add(d).In(loc))
		}
	}
	return out
}

// TestCutoffSelectsExactlyTheRecordsThatMayBeProcessed pins the heart of
// the executor: for every record time t, t ≤ cutoff(now) exactly when the
// record's earliest allowed processing time is at most now. A record is thus
// never processed early, and never missed by a sweep that runs.
func TestCutoffSelectsExactlyTheRecordsThatMayBeProcessed(t *testing.T) {
	loc := berlin(t)
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	periods := []string{"48h", "7d", "1d", "2w", "1mo", "3mo", "1y", "1y from year end", "6y from year end", "5h"}
	times := interesting(loc)
	for _, ps := range periods {
		for _, keep := range []string{"", "1d", "1mo", "2y"} {
			for _, lead := range []time.Duration{0, 2 * time.Minute, 90 * time.Minute, 25 * time.Hour} {
				tm := timing{after: policy.MustParsePeriod(ps), from: "t", lead: lead, loc: loc}
				if keep != "" {
					tm.keep, tm.keepFrom = policy.MustParsePeriod(keep), "t"
				}
				for range 30 {
					// now sits exactly at, or a hair around, some record's
					// earliest time, where an off-by-one would show.
					t0 := times[rng.IntN(len(times))]
					e0, _ := tm.earliest(map[string]time.Time{"t": t0}, time.Time{})
					now := e0.Add(time.Duration(rng.IntN(3)-1) * time.Nanosecond)
					b := tm.bounds(now, true)
					require.Len(t, b, 1)
					// t0 itself decides the boundary; others around it are
					// sampled to keep the test fast.
					recs := []time.Time{t0}
					for range 50 {
						recs = append(recs, times[rng.IntN(len(times))])
					}
					for _, rec := range recs {
						e, ok := tm.earliest(map[string]time.Time{"t": rec}, time.Time{})
						require.True(t, ok)
						selected := !rec.After(b[0].Cutoff)
						if selected != !e.After(now) {
							require.Failf(t, "cutoff disagrees with the earliest time",
								"period %s keep %q lead %v now %s: record at %s has earliest %s, cutoff %s, selected %v",
								ps, keep, lead, now, rec, e, b[0].Cutoff, selected)
						}
					}
				}
			}
		}
	}
}

func TestDeadlineIsMonotoneInTheTriggerTime(t *testing.T) {
	loc := berlin(t)
	times := interesting(loc)
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	for _, ps := range []string{"1d", "2w", "1mo", "1y", "6y from year end", "48h"} {
		p := policy.MustParsePeriod(ps)
		for i := 1; i < len(times); i++ {
			a, b := periodEnd(p, times[i-1], loc), periodEnd(p, times[i], loc)
			require.Falsef(t, a.After(b), "%s: %s → %s but later %s → %s", ps, times[i-1], a, times[i], b)
		}
	}
}

func TestBoundsUseTwoColumnsWhenTheMinimumCountsFromAnother(t *testing.T) {
	tm := timing{after: policy.MustParsePeriod("7d"), from: "created_at", keep: policy.MustParsePeriod("1mo"), keepFrom: "settled_at", loc: time.UTC, lead: time.Minute}
	now := time.Date(2024, 3, 31, 12, 0, 0, 0, time.UTC)
	b := tm.bounds(now, true)
	require.Len(t, b, 2)
	assert.Equal(t, "created_at", b[0].Column, "the rule's own column comes first: backends order by it")
	assert.Equal(t, time.Date(2024, 3, 24, 12, 1, 0, 0, time.UTC), b[0].Cutoff.UTC())
	assert.Equal(t, "settled_at", b[1].Column)
	assert.Equal(t, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC).Add(-time.Nanosecond), b[1].Cutoff.UTC(), "every instant of 29 February plus 1mo is in March, 1 March plus 1mo is 1 April")
}
