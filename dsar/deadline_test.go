package dsar

import (
	"testing"
	"time"
	_ "time/tzdata" // the tests must not depend on the machine's zone database

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func berlin(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	return loc
}

func calFor(t testing.TB, land Land) Calendar {
	t.Helper()
	cal, err := Germany(land)
	require.NoError(t, err)
	return cal
}

func date(t testing.TB, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	require.NoError(t, err)
	return d
}

func TestDueFollowsRegulation1182Article3(t *testing.T) {
	loc := berlin(t)
	tests := []struct {
		name     string
		land     Land
		received string // local date and time in Europe/Berlin, or RFC 3339
		nominal  string
		due      string
		skipped  []string
	}{
		{"plain month, same date", "", "2026-06-10T09:00", "2026-07-10", "2026-07-10", nil},
		{"31 March ends with 30 April", "", "2026-03-31T09:00", "2026-04-30", "2026-04-30", nil},
		{"31 January ends with the last day of February, a Saturday, so Monday", "", "2026-01-31T12:00", "2026-02-28", "2026-03-02", []string{"Saturday", "Sunday"}},
		{"leap year 2024: 31 January ends with 29 February", "", "2024-01-31T12:00", "2024-02-29", "2024-02-29", nil},
		{"leap year 2028: 31 January ends with 29 February", "", "2028-01-31T12:00", "2028-02-29", "2028-02-29", nil},
		{"2100 is no leap year: 28 February, a Sunday, so 1 March", "", "2100-01-31T12:00", "2100-02-28", "2100-03-01", []string{"Sunday"}},
		{"29 February 2024 ends on Karfreitag, so the Tuesday after Easter", "", "2024-02-29T12:00", "2024-03-29", "2024-04-02", []string{"Karfreitag", "Saturday", "Sunday", "Ostermontag"}},
		{"Karfreitag 2026 and Ostermontag move 3 April to 7 April", "", "2026-03-03T10:00", "2026-04-03", "2026-04-07", []string{"Karfreitag", "Saturday", "Sunday", "Ostermontag"}},
		{"year end: 2. Weihnachtstag on a Saturday", "", "2026-11-26T10:00", "2026-12-26", "2026-12-28", []string{"2. Weihnachtstag", "Sunday"}},
		{"year end: Neujahr 2027 on a Friday", "", "2026-12-01T10:00", "2027-01-01", "2027-01-04", []string{"Neujahr", "Saturday", "Sunday"}},
		{"into the next year: 31 December to 31 January, a Sunday", "", "2026-12-31T10:00", "2027-01-31", "2027-02-01", []string{"Sunday"}},
		{"a Saturday receipt ends on a Saturday, so Monday", "", "2026-02-07T10:00", "2026-03-07", "2026-03-09", []string{"Saturday", "Sunday"}},
		{"Fronleichnam in NW", NordrheinWestfalen, "2026-05-04T10:00", "2026-06-04", "2026-06-05", []string{"Fronleichnam"}},
		{"no Fronleichnam in NI", Niedersachsen, "2026-05-04T10:00", "2026-06-04", "2026-06-04", nil},
		{"no Fronleichnam nationwide", "", "2026-05-04T10:00", "2026-06-04", "2026-06-04", nil},
		{"Buß- und Bettag in SN", Sachsen, "2026-10-18T10:00", "2026-11-18", "2026-11-19", []string{"Buß- und Bettag"}},
		{"no Buß- und Bettag in BY", Bayern, "2026-10-18T10:00", "2026-11-18", "2026-11-18", nil},
		{"Weltkindertag in TH", Thueringen, "2024-08-20T10:00", "2024-09-20", "2024-09-23", []string{"Weltkindertag", "Saturday", "Sunday"}},
		{"no Weltkindertag in HE", Hessen, "2024-08-20T10:00", "2024-09-20", "2024-09-20", nil},
		{"8 May 2025 in Berlin", Berlin, "2025-04-08T10:00", "2025-05-08", "2025-05-09", []string{"Jahrestag der Befreiung vom Nationalsozialismus"}},
		{"8 May 2025 is a working day in BB", Brandenburg, "2025-04-08T10:00", "2025-05-08", "2025-05-08", nil},
		{"Frauentag in Berlin", Berlin, "2027-02-08T10:00", "2027-03-08", "2027-03-09", []string{"Internationaler Frauentag"}},
		{"the day of receipt is the controller's: 23:30 UTC is 00:30 in Berlin", "", "2026-01-31T23:30:00Z", "2026-03-01", "2026-03-02", []string{"Sunday"}},
		{"receipt at 22:30 UTC on 31 March is 1 April in Berlin; 1 May is Tag der Arbeit", "", "2026-03-31T22:30:00Z", "2026-05-01", "2026-05-04", []string{"Tag der Arbeit", "Saturday", "Sunday"}},
		{"receipt just before midnight counts for that day", "", "2026-06-10T23:59:59", "2026-07-10", "2026-07-10", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			received, err := time.Parse(time.RFC3339, tt.received)
			if err != nil {
				received, err = time.ParseInLocation("2006-01-02T15:04:05", tt.received, loc)
			}
			if err != nil {
				received, err = time.ParseInLocation("2006-01-02T15:04", tt.received, loc)
			}
			require.NoError(t, err)
			dl, err := Due(received, &Options{Location: loc, Calendar: calFor(t, tt.land)})
			require.NoError(t, err)
			assert.Equal(t, DateOf(received.In(loc)), dl.From, "day of receipt")
			assert.Equal(t, 1, dl.Months)
			assert.Equal(t, date(t, tt.nominal), dl.Nominal, "Art. 3(2)(c)")
			assert.Equal(t, date(t, tt.due), dl.Date, "Art. 3(4)")
			// 24:00 of the last day is the first instant of the next one.
			want := date(t, tt.due).AddDays(1)
			assert.Equal(t, time.Date(want.Year, want.Month, want.Day, 0, 0, 0, 0, loc), dl.End)
			assert.Equal(t, loc, dl.End.Location())
			var reasons []string
			for _, s := range dl.Skipped {
				reasons = append(reasons, s.Reason)
			}
			assert.Equal(t, tt.skipped, reasons)
		})
	}
}

func TestDueIsInTimeUntilTheLastInstantOfTheLastDay(t *testing.T) {
	loc := berlin(t)
	dl, err := Due(time.Date(2026, 6, 10, 9, 0, 0, 0, loc), &Options{Location: loc})
	require.NoError(t, err)
	lastSecond := time.Date(2026, 7, 10, 23, 59, 59, 999999999, loc)
	assert.True(t, lastSecond.Before(dl.End), "an answer at 23:59:59.999 on the last day is in time")
	assert.False(t, time.Date(2026, 7, 11, 0, 0, 0, 0, loc).Before(dl.End), "an answer at 00:00 the next day is late")
}

func TestDueWithoutCalendarCountsOnlyWeekends(t *testing.T) {
	// Nil Calendar: Karfreitag is a working day, so the deadline is never
	// later than the one with real holidays.
	loc := berlin(t)
	dl, err := Due(time.Date(2026, 3, 3, 10, 0, 0, 0, loc), &Options{Location: loc})
	require.NoError(t, err)
	assert.Equal(t, date(t, "2026-04-03"), dl.Date)
	dl, err = Due(time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC), nil)
	require.NoError(t, err)
	assert.Equal(t, date(t, "2026-04-03"), dl.Date)
	assert.Equal(t, time.Date(2026, 4, 4, 0, 0, 0, 0, time.UTC), dl.End)
}

func TestDueEndsAtMidnightAcrossDaylightSavingChanges(t *testing.T) {
	loc := berlin(t)
	// Received in winter time, due in summer time: 24:00 is 22:00 UTC.
	dl, err := Due(time.Date(2026, 3, 2, 10, 0, 0, 0, loc), &Options{Location: loc})
	require.NoError(t, err)
	assert.Equal(t, date(t, "2026-04-02"), dl.Date)
	assert.Equal(t, time.Date(2026, 4, 2, 22, 0, 0, 0, time.UTC), dl.End.UTC())
	// A zone where midnight itself was skipped (Brazil, 4 November 2018).
	sp, err := time.LoadLocation("America/Sao_Paulo")
	require.NoError(t, err)
	dl, err = Due(time.Date(2018, 10, 3, 10, 0, 0, 0, sp), &Options{Location: sp})
	require.NoError(t, err)
	assert.Equal(t, date(t, "2018-11-05"), dl.Date, "3 November 2018 was a Saturday")
	start := Date{2018, time.November, 4}.Start(sp)
	assert.Equal(t, Date{2018, time.November, 4}, DateOf(start))
	assert.Equal(t, 1, start.Hour(), "the first instant of 4 November 2018 in São Paulo is 01:00")
	assert.Equal(t, 23, start.Add(-time.Second).Hour())
}

func TestDueAtLeastTwoWorkingDays(t *testing.T) {
	// Art. 3(5): with a calendar that leaves only one working day in the
	// month, the period runs on to the second.
	holidays := HolidayList{}
	from := date(t, "2026-06-01")
	for d := from.AddDays(1); d.Before(date(t, "2026-07-01")); d = d.AddDays(1) {
		if d != date(t, "2026-06-15") {
			holidays[d] = "closure"
		}
	}
	dl, err := Due(from.Start(time.UTC).Add(9*time.Hour), &Options{Calendar: holidays})
	require.NoError(t, err)
	assert.Equal(t, date(t, "2026-07-01"), dl.Nominal)
	assert.Equal(t, date(t, "2026-07-01"), dl.Date, "15 June and 1 July are the two working days")
	holidays[date(t, "2026-07-01")] = "closure"
	dl, err = Due(from.Start(time.UTC).Add(9*time.Hour), &Options{Calendar: holidays})
	require.NoError(t, err)
	assert.Equal(t, date(t, "2026-07-02"), dl.Date)
	holidays[date(t, "2026-06-15")] = "closure"
	dl, err = Due(from.Start(time.UTC).Add(9*time.Hour), &Options{Calendar: holidays})
	require.NoError(t, err)
	assert.Equal(t, date(t, "2026-07-03"), dl.Date, "2 July alone is one working day; Art. 3(5) runs on to 3 July")
}

func TestDueRejectsBadInput(t *testing.T) {
	_, err := Due(time.Time{}, nil)
	require.ErrorIs(t, err, ErrTime)
	assert.Contains(t, err.Error(), "time of receipt")

	every := everyDay{}
	_, err = Due(time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC), &Options{Calendar: every})
	require.ErrorIs(t, err, ErrCalendar)
	assert.Contains(t, err.Error(), "2026-04-03")
}

// everyDay declares every day a holiday.
type everyDay struct{}

func (everyDay) Holiday(Date) (string, bool) { return "closed", true }

func TestExtendedDueRunsFromTheEndOfTheFirstMonth(t *testing.T) {
	loc := berlin(t)
	tests := []struct {
		name     string
		land     Land
		received string
		months   int
		first    string
		nominal  string
		due      string
	}{
		{"two months after 7 April 2026 is Sunday 7 June, so Monday", "", "2026-03-03", 2, "2026-04-07", "2026-06-07", "2026-06-08"},
		{"one month after 7 April 2026 is Thursday 7 May", "", "2026-03-03", 1, "2026-04-07", "2026-05-07", "2026-05-07"},
		{"two months after 2 March 2026 is Saturday 2 May", "", "2026-01-31", 2, "2026-03-02", "2026-05-02", "2026-05-04"},
		{"one month after 2 March 2026 is 2 April, the day before Karfreitag", "", "2026-01-31", 1, "2026-03-02", "2026-04-02", "2026-04-02"},
		{"last day of a month: 30 April plus two months is 30 June", "", "2026-03-31", 2, "2026-04-30", "2026-06-30", "2026-06-30"},
		{"leap day 29 February 2024 plus two months is 29 April", "", "2024-01-31", 2, "2024-02-29", "2024-04-29", "2024-04-29"},
		{"28 February 2025 plus two months is 28 April, not 30 April", "", "2025-01-31", 2, "2025-02-28", "2025-04-28", "2025-04-28"},
		{"Reformationstag 2017 and Allerheiligen in NW", NordrheinWestfalen, "2017-07-31", 2, "2017-08-31", "2017-10-31", "2017-11-02"},
		{"Reformationstag 2017 in NI, no Allerheiligen", Niedersachsen, "2017-07-31", 2, "2017-08-31", "2017-10-31", "2017-11-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := &Options{Location: loc, Calendar: calFor(t, tt.land)}
			received, err := time.ParseInLocation(time.DateOnly, tt.received, loc)
			require.NoError(t, err)
			first, err := Due(received.Add(10*time.Hour), opts)
			require.NoError(t, err)
			require.Equal(t, date(t, tt.first), first.Date)
			ext, err := ExtendedDue(first, tt.months, opts)
			require.NoError(t, err)
			assert.Equal(t, first.Date, ext.From)
			assert.Equal(t, tt.months, ext.Months)
			assert.Equal(t, date(t, tt.nominal), ext.Nominal)
			assert.Equal(t, date(t, tt.due), ext.Date)
			assert.Equal(t, date(t, tt.due).AddDays(1).Start(loc), ext.End)
		})
	}
}

func TestExtendedDueRejectsBadInput(t *testing.T) {
	first, err := Due(time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC), nil)
	require.NoError(t, err)
	for _, months := range []int{-1, 0, 3, 12} {
		_, err := ExtendedDue(first, months, nil)
		require.ErrorIs(t, err, ErrExtension, months)
		assert.Contains(t, err.Error(), "1 or 2 further months")
	}
	_, err = ExtendedDue(Deadline{}, 2, nil)
	require.ErrorIs(t, err, ErrExtension)
	assert.Contains(t, err.Error(), "original deadline is missing")
}

func TestDateArithmetic(t *testing.T) {
	tests := []struct {
		from   string
		months int
		want   string
	}{
		{"2026-01-31", 1, "2026-02-28"},
		{"2024-01-31", 1, "2024-02-29"},
		{"2026-01-30", 1, "2026-02-28"},
		{"2026-03-31", 1, "2026-04-30"},
		{"2026-12-31", 1, "2027-01-31"},
		{"2026-11-30", 3, "2027-02-28"},
		{"2026-04-07", 2, "2026-06-07"},
		{"2026-03-31", -1, "2026-02-28"},
	}
	for _, tt := range tests {
		assert.Equal(t, date(t, tt.want), date(t, tt.from).AddMonths(tt.months), "%s + %d months", tt.from, tt.months)
	}
	d := date(t, "2026-02-28")
	assert.Equal(t, date(t, "2026-03-01"), d.AddDays(1))
	assert.Equal(t, 1, d.DaysUntil(d.AddDays(1)))
	assert.Equal(t, -365, d.DaysUntil(date(t, "2025-02-28")))
	assert.True(t, d.Before(d.AddDays(1)))
	assert.True(t, d.AddDays(1).After(d))
	assert.Equal(t, "2026-02-28", d.String())
	assert.True(t, Date{}.IsZero())
	assert.False(t, d.IsZero())
	b, err := d.MarshalText()
	require.NoError(t, err)
	var back Date
	require.NoError(t, back.UnmarshalText(b))
	assert.Equal(t, d, back)
	for _, bad := range []string{"", "2026-02-30", "28.02.2026", "2026-2-28"} {
		_, err := ParseDate(bad)
		require.Error(t, err, bad)
		assert.Contains(t, err.Error(), "2006-01-02", bad)
	}
	assert.Error(t, back.UnmarshalText([]byte("x")))
}

func TestWorkingDay(t *testing.T) {
	nw := calFor(t, NordrheinWestfalen)
	assert.True(t, WorkingDay(date(t, "2026-06-05"), nw))
	assert.False(t, WorkingDay(date(t, "2026-06-04"), nw), "Fronleichnam")
	assert.False(t, WorkingDay(date(t, "2026-06-06"), nw), "Saturday")
	assert.False(t, WorkingDay(date(t, "2026-06-07"), nil), "Sunday")
	assert.True(t, WorkingDay(date(t, "2026-06-04"), nil), "no calendar, no holidays")
}

// TestExtendedReadingsWorkToTheEarliest pins the three readings of an
// extended period and that the one worked to is the earliest. Tried
// against a broken implementation: counting AfterNominalFirstPeriod from the
// moved date instead of the nominal one fails the 2027 cases; picking the
// latest reading fails every case.
func TestExtendedReadingsWorkToTheEarliest(t *testing.T) {
	loc := berlin(t)
	tests := []struct {
		name                    string
		land                    Land
		received                string
		months                  int
		first                   string
		after, receipt, nominal string
		workTo                  ReadingRule
	}{
		{"31 January 2027 in NW: 28 February is a Sunday, 1 May a Saturday and a holiday", NordrheinWestfalen, "2027-01-31", 2,
			"2027-03-01", "2027-05-03", "2027-04-30", "2027-04-28", AfterNominalFirstPeriod},
		{"one further month from 31 January 2027: Easter 2027 moves the nominal reading to Tuesday", NordrheinWestfalen, "2027-01-31", 1,
			"2027-03-01", "2027-04-01", "2027-03-31", "2027-03-30", AfterNominalFirstPeriod},
		{"31 January 2025: no roll-over, the first period's end is the earliest base", "", "2025-01-31", 2,
			"2025-02-28", "2025-04-28", "2025-04-30", "2025-04-28", AfterFirstPeriod},
		{"3 March 2026: Easter moves the first period, three months from receipt tie with the nominal reading", "", "2026-03-03", 2,
			"2026-04-07", "2026-06-08", "2026-06-03", "2026-06-03", FromReceipt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := &Options{Location: loc, Calendar: calFor(t, tt.land)}
			received, err := time.ParseInLocation(time.DateOnly, tt.received, loc)
			require.NoError(t, err)
			first, err := Due(received.Add(10*time.Hour), opts)
			require.NoError(t, err)
			require.Equal(t, date(t, tt.first), first.Date)
			rs, earliest, err := ExtendedReadings(first, tt.months, opts)
			require.NoError(t, err)
			require.Len(t, rs, 3)
			assert.Equal(t, []ReadingRule{AfterFirstPeriod, FromReceipt, AfterNominalFirstPeriod}, []ReadingRule{rs[0].Rule, rs[1].Rule, rs[2].Rule})
			assert.Equal(t, date(t, tt.after), rs[0].Due.Date, "after the first period")
			assert.Equal(t, date(t, tt.receipt), rs[1].Due.Date, "from receipt")
			assert.Equal(t, 1+tt.months, rs[1].Due.Months)
			assert.Equal(t, date(t, tt.nominal), rs[2].Due.Date, "after the nominal first period")
			assert.Equal(t, tt.workTo, rs[earliest].Rule)
			for _, r := range rs {
				assert.False(t, r.Due.Date.Before(rs[earliest].Due.Date))
				assert.NotEmpty(t, r.Rule.Text())
			}
			ext, err := ExtendedDue(first, tt.months, opts)
			require.NoError(t, err)
			assert.Equal(t, ext, rs[0].Due, "ExtendedDue is the reading after the first period")
		})
	}
}

func TestExtendedReadingsRejectBadInput(t *testing.T) {
	first, err := Due(time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC), nil)
	require.NoError(t, err)
	for _, months := range []int{0, 3} {
		_, _, err := ExtendedReadings(first, months, nil)
		require.ErrorIs(t, err, ErrExtension)
		assert.Contains(t, err.Error(), "1 or 2 further months")
	}
	_, _, err = ExtendedReadings(Deadline{}, 2, nil)
	require.ErrorIs(t, err, ErrExtension)
	ext, err := ExtendedDue(first, 2, nil)
	require.NoError(t, err)
	_, _, err = ExtendedReadings(ext, 1, nil)
	require.ErrorIs(t, err, ErrExtension, "an extended deadline is not the one-month period")
	assert.Contains(t, err.Error(), "period of 2 months")
}

// TestDueSaysWhenItHadNoCalendar pins that a deadline computed without
// holidays says so. With the flag never set (tried), the nil-calendar
// assertions fail.
func TestDueSaysWhenItHadNoCalendar(t *testing.T) {
	loc := berlin(t)
	at := time.Date(2026, 3, 3, 10, 0, 0, 0, loc)
	for _, opts := range []*Options{nil, {Location: loc}} {
		dl, err := Due(at, opts)
		require.NoError(t, err)
		assert.True(t, dl.NoCalendar)
		rs, _, err := ExtendedReadings(dl, 2, opts)
		require.NoError(t, err)
		for _, r := range rs {
			assert.True(t, r.Due.NoCalendar)
		}
	}
	dl, err := Due(at, &Options{Location: loc, Calendar: calFor(t, "")})
	require.NoError(t, err)
	assert.False(t, dl.NoCalendar)
	r, err := New(Access, "x", at, &Options{Location: loc})
	require.NoError(t, err)
	assert.True(t, r.Deadline().NoCalendar)
	require.NoError(t, r.Transition(Verified, at.Add(time.Hour), ""))
	require.NoError(t, r.Extend(1, "complex", at.Add(2*time.Hour)))
	assert.True(t, r.Due().NoCalendar, "the extension keeps the absence of a calendar")
}
