package policy

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

func TestParsePeriodAcceptsEveryUnitAndTheYearEndForm(t *testing.T) {
	tests := []struct {
		in   string
		want Period
	}{
		{"48h", Period{N: 48, Unit: Hours}},
		{"7d", Period{N: 7, Unit: Days}},
		{"2w", Period{N: 2, Unit: Weeks}},
		{"1mo", Period{N: 1, Unit: Months}},
		{"6y", Period{N: 6, Unit: Years}},
		{"1000d", Period{N: 1000, Unit: Days}},
		{" 14d ", Period{N: 14, Unit: Days}},
		{"6y from year end", Period{N: 6, Unit: Years, FromYearEnd: true}},
		{"10y from year end", Period{N: 10, Unit: Years, FromYearEnd: true}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePeriod(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParsePeriodRejectsWithAHintAtTheIntendedForm(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		// The issue's own example: a natural-language period.
		{"14 days", `"14 days" is not a duration (use 14d)`},
		{"2 Wochen", `"2 Wochen" is not a duration (use 2w)`},
		{"1 month", `"1 month" is not a duration (use 1mo)`},
		{"6 Jahre", `"6 Jahre" is not a duration (use 6y)`},
		{"48 hours", `"48 hours" is not a duration (use 48h)`},
		{"7 d", `"7 d" is not a duration (use 7d)`},
		{"7D", `"7D" is not a duration (use 7d)`},
		{"1m", `"1m" is not a duration (use 1mo for calendar months)`},
		{"30min", `"30min" is not a duration (retention periods are whole hours or calendar units: h, d, w, mo, y)`},
		{"0d", `"0d" is not a duration (the number must be between 1 and 1000)`},
		{"1001y", `"1001y" is not a duration (the number must be between 1 and 1000)`},
		{"151y", `"151y" is too long: frist enforces periods of at most 150y (1800 months)`},
		{"1000y from year end", `"1000y from year end" is too long: frist enforces periods of at most 150y (1800 months)`},
		{"99999999999999999999d", `"99999999999999999999d" is not a duration (the number must be between 1 and 1000)`},
	}
	generic := ` is not a duration (a positive number and a unit: 48h, 7d, 2w, 1mo, 6y, or "6y from year end")`
	for _, in := range []string{"", "d", "7", "-1d", "1.5d", "+7d", "7dd", "six years", "6y from end of year", "from year end"} {
		tests = append(tests, struct{ in, want string }{in, fmt.Sprintf("%q", in) + generic})
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParsePeriod(tt.in)
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
		})
	}
}

func TestPeriodStringRoundTripsThroughParsePeriod(t *testing.T) {
	for _, u := range []Unit{Hours, Days, Weeks, Months, Years} {
		for _, n := range []int{1, 7, 48, 1000} {
			for _, ye := range []bool{false, true} {
				p := Period{N: n, Unit: u, FromYearEnd: ye}
				if u == Years && n > MaxYears {
					p.N = MaxYears
				}
				t.Run(p.String(), func(t *testing.T) {
					q, err := ParsePeriod(p.String())
					require.NoError(t, err)
					assert.Equal(t, p, q)

					b, err := p.MarshalText()
					require.NoError(t, err)
					var r Period
					require.NoError(t, r.UnmarshalText(b))
					assert.Equal(t, p, r)
				})
			}
		}
	}
}

func TestPeriodStringOfZeroAndMalformedPeriodsIsEmpty(t *testing.T) {
	assert.Equal(t, "", Period{}.String())
	assert.True(t, Period{}.IsZero())
	assert.Equal(t, "", Period{N: 3, Unit: 0}.String())
	assert.Equal(t, "", Period{N: 3, Unit: 99}.String())
	var p Period
	assert.Error(t, p.UnmarshalText([]byte("14 days")))
	assert.True(t, p.IsZero(), "a failed UnmarshalText leaves the period unchanged")
}

func TestMustParsePeriodPanicsOnlyOnBadInput(t *testing.T) {
	assert.Equal(t, Period{N: 2, Unit: Weeks}, MustParsePeriod("2w"))
	assert.PanicsWithValue(t, `policy: "2 weeks" is not a duration (use 2w)`, func() { MustParsePeriod("2 weeks") })
}

func TestPeriodAddToUsesCalendarSemantics(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	at := func(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, berlin) }
	utc := func(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, time.UTC) }
	tests := []struct {
		name   string
		period string
		from   time.Time
		want   time.Time // compared as instants
	}{
		// Hours are elapsed time: across the spring-forward change (29 March
		// 2026, 02:00 CET -> 03:00 CEST) 48h end an hour later on the clock.
		{"48h across spring forward is elapsed time", "48h", at(2026, 3, 28, 10, 0), at(2026, 3, 30, 11, 0)},
		{"48h across autumn fall back is elapsed time", "48h", at(2026, 10, 24, 10, 0), at(2026, 10, 26, 9, 0)},
		{"1h through the spring gap", "1h", at(2026, 3, 29, 1, 30), at(2026, 3, 29, 3, 30)},
		// Recklinghausen: "Anonymisierung nach 48 Stunden".
		{"48h on an ordinary day", "48h", at(2026, 5, 4, 9, 15), at(2026, 5, 6, 9, 15)},

		// Days and weeks are calendar days, whatever their length.
		{"1d across spring forward is a 23-hour day", "1d", at(2026, 3, 28, 10, 0), at(2026, 3, 29, 10, 0)},
		{"1d across fall back is a 25-hour day", "1d", at(2026, 10, 24, 10, 0), at(2026, 10, 25, 10, 0)},
		// Jobcenter: "IP-Adressen werden nach sieben Tagen anonymisiert".
		{"7d across spring forward", "7d", at(2026, 3, 25, 10, 0), at(2026, 4, 1, 10, 0)},
		// Jobcenter: "innerhalb von zwei Wochen nach dem Termin gelöscht".
		{"2w across fall back", "2w", at(2026, 10, 20, 10, 0), at(2026, 11, 3, 10, 0)},
		{"7d across a year boundary", "7d", at(2026, 12, 28, 23, 30), at(2027, 1, 4, 23, 30)},

		// Wall times that do not exist or exist twice.
		{"1d onto the skipped hour ends after the gap", "1d", at(2026, 3, 28, 2, 30), utc(2026, 3, 29, 1, 0)},
		{"1d onto the repeated hour takes the later instant", "1d", at(2026, 10, 24, 2, 30), utc(2026, 10, 25, 1, 30)},
		{"1y onto the skipped hour ends after the gap", "1y", at(2025, 3, 29, 2, 15), utc(2026, 3, 29, 1, 0)},
		{"1d from the earlier repeated hour", "1d", time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), at(2026, 10, 26, 2, 30)},

		// Months: the same day, or the last day of a shorter month.
		{"1mo from 31 January 2026 is 28 February", "1mo", at(2026, 1, 31, 12, 0), at(2026, 2, 28, 12, 0)},
		{"1mo from 31 January 2024 is 29 February (leap year)", "1mo", at(2024, 1, 31, 12, 0), at(2024, 2, 29, 12, 0)},
		{"1mo from 31 January 2028 is 29 February (leap year)", "1mo", at(2028, 1, 31, 12, 0), at(2028, 2, 29, 12, 0)},
		{"1mo from 31 January 2100 is 28 February (not a leap year)", "1mo", at(2100, 1, 31, 12, 0), at(2100, 2, 28, 12, 0)},
		{"1mo from 31 March is 30 April", "1mo", at(2026, 3, 31, 8, 0), at(2026, 4, 30, 8, 0)},
		{"1mo from 28 February is 28 March", "1mo", at(2026, 2, 28, 8, 0), at(2026, 3, 28, 8, 0)},
		{"2mo from 31 December crosses the year", "2mo", at(2026, 12, 31, 8, 0), at(2027, 2, 28, 8, 0)},
		{"13mo from 31 January", "13mo", at(2026, 1, 31, 8, 0), at(2027, 2, 28, 8, 0)},
		{"1mo across spring forward keeps the wall time", "1mo", at(2026, 3, 1, 10, 0), at(2026, 4, 1, 10, 0)},

		// Years.
		{"1y from 29 February is 28 February", "1y", at(2024, 2, 29, 12, 0), at(2025, 2, 28, 12, 0)},
		{"4y from 29 February is 29 February", "4y", at(2024, 2, 29, 12, 0), at(2028, 2, 29, 12, 0)},
		{"76y from 29 February 2024 is 28 February 2100", "76y", at(2024, 2, 29, 12, 0), at(2100, 2, 28, 12, 0)},

		// The statutory form (§ 147(4) AO): the period starts at the end of
		// the calendar year of the trigger.
		{"6y from year end, mid-year", "6y from year end", at(2024, 5, 17, 9, 0), at(2031, 1, 1, 0, 0)},
		{"6y from year end, on New Year's Eve", "6y from year end", at(2024, 12, 31, 23, 59), at(2031, 1, 1, 0, 0)},
		{"6y from year end, on New Year's Day", "6y from year end", at(2025, 1, 1, 0, 0), at(2032, 1, 1, 0, 0)},
		{"10y from year end", "10y from year end", at(2026, 7, 1, 0, 0), at(2037, 1, 1, 0, 0)},
		{"year end in the controller's zone, not UTC", "6y from year end", utc(2024, 12, 31, 23, 30), at(2032, 1, 1, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MustParsePeriod(tt.period).AddTo(tt.from, berlin)
			assert.Truef(t, tt.want.Equal(got), "%s after %s: got %s, want %s", tt.period, tt.from, got, tt.want)
			assert.Equal(t, berlin, got.Location(), "the result is in the controller's zone")
		})
	}
}

func TestPeriodAddToHandlesUnusualZones(t *testing.T) {
	apia := mustLoc(t, "Pacific/Apia")
	lordHowe := mustLoc(t, "Australia/Lord_Howe")
	tests := []struct {
		name   string
		period string
		loc    *time.Location
		from   time.Time
		want   time.Time
	}{
		// Samoa skipped 30 December 2011 entirely: the day after 29
		// December is 31 December, and a wall time on the missing day ends
		// where the gap ends.
		{"1d onto a skipped day ends at the start of the next day", "1d", apia,
			time.Date(2011, 12, 29, 10, 0, 0, 0, apia), time.Date(2011, 12, 31, 0, 0, 0, 0, apia)},
		{"2d over a skipped day", "2d", apia,
			time.Date(2011, 12, 29, 10, 0, 0, 0, apia), time.Date(2011, 12, 31, 10, 0, 0, 0, apia)},
		// Lord Howe Island shifts by 30 minutes.
		{"1d onto a 30-minute gap", "1d", lordHowe,
			time.Date(2026, 10, 3, 2, 10, 0, 0, lordHowe), time.Date(2026, 10, 3, 15, 30, 0, 0, time.UTC)},
		{"1d onto a 30-minute repeat takes the later instant", "1d", lordHowe,
			time.Date(2026, 4, 4, 1, 45, 0, 0, lordHowe), time.Date(2026, 4, 4, 15, 15, 0, 0, time.UTC)},
		{"nil location is UTC", "1mo", nil,
			time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MustParsePeriod(tt.period).AddTo(tt.from, tt.loc)
			assert.Truef(t, tt.want.Equal(got), "got %s (%s), want %s", got, got.UTC(), tt.want.UTC())
		})
	}
}

func TestPeriodAddToIsNeverEarlierThanElapsedCalendarTime(t *testing.T) {
	// A deadline may be late, never early: n calendar days after t are at
	// least n*24h minus the one hour a spring-forward change removes.
	berlin := mustLoc(t, "Europe/Berlin")
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, berlin)
	for h := 0; h < 365*24; h += 7 {
		from := start.Add(time.Duration(h)*time.Hour + 30*time.Minute)
		for _, p := range []string{"1d", "7d", "1mo"} {
			got := MustParsePeriod(p).AddTo(from, berlin)
			require.Truef(t, got.After(from), "%s after %s is %s", p, from, got)
			if p != "1mo" {
				min := time.Duration(MustParsePeriod(p).N)*24*time.Hour - time.Hour
				require.GreaterOrEqualf(t, got.Sub(from), min, "%s after %s is %s", p, from, got)
			}
		}
	}
}
