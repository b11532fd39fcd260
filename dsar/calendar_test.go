package dsar

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// knuthEaster is Algorithm E of Knuth, The Art of Computer Programming,
// vol. 1, 1.3.2 exercise 14: an independent Gregorian computus that Easter
// is checked against.
func knuthEaster(y int) Date {
	g := y%19 + 1
	c := y/100 + 1
	x := 3*c/4 - 12
	z := (8*c+5)/25 - 5
	d := 5*y/4 - x - 10
	e := (11*g + 20 + z - x) % 30
	if e < 0 {
		e += 30
	}
	if (e == 25 && g > 11) || e == 24 {
		e++
	}
	n := 44 - e
	if n < 21 {
		n += 30
	}
	n = n + 7 - (d+n)%7
	if n > 31 {
		return Date{Year: y, Month: time.April, Day: n - 31}
	}
	return Date{Year: y, Month: time.March, Day: n}
}

func TestEasterMatchesPublishedDates(t *testing.T) {
	published := []string{
		"1818-03-22", "1943-04-25", "1954-04-18", "1961-04-02", "2285-03-22",
		"2000-04-23", "2001-04-15", "2002-03-31", "2003-04-20", "2004-04-11",
		"2005-03-27", "2006-04-16", "2007-04-08", "2008-03-23", "2009-04-12",
		"2010-04-04", "2011-04-24", "2012-04-08", "2013-03-31", "2014-04-20",
		"2015-04-05", "2016-03-27", "2017-04-16", "2018-04-01", "2019-04-21",
		"2020-04-12", "2021-04-04", "2022-04-17", "2023-04-09", "2024-03-31",
		"2025-04-20", "2026-04-05", "2027-03-28", "2028-04-16", "2029-04-01",
		"2030-04-21", "2031-04-13", "2032-03-28", "2033-04-17", "2034-04-09",
		"2035-03-25", "2036-04-13", "2037-04-05", "2038-04-25", "2039-04-10",
		"2040-04-01",
	}
	for _, s := range published {
		want, err := ParseDate(s)
		require.NoError(t, err)
		assert.Equal(t, want, Easter(want.Year), "Easter %d", want.Year)
	}
}

func TestEasterAgreesWithKnuthAndIsASundayBetween22MarchAnd25April(t *testing.T) {
	for y := 1583; y <= 4099; y++ {
		e := Easter(y)
		require.Equal(t, knuthEaster(y), e, "year %d", y)
		require.Equal(t, time.Sunday, e.Weekday(), "year %d", y)
		require.False(t, e.Before(Date{y, time.March, 22}), "year %d: %s", y, e)
		require.False(t, e.After(Date{y, time.April, 25}), "year %d: %s", y, e)
	}
}

func TestGermanyHolidays(t *testing.T) {
	tests := []struct {
		land Land
		date string
		want string // "" means a working day as far as holidays go
	}{
		// Nationwide, in a Land without extra holidays on those days.
		{"", "2026-01-01", "Neujahr"},
		{"", "2026-04-03", "Karfreitag"},
		{"", "2026-04-05", ""}, // Ostersonntag only in BB
		{"", "2026-04-06", "Ostermontag"},
		{"", "2026-05-01", "Tag der Arbeit"},
		{"", "2026-05-14", "Christi Himmelfahrt"},
		{"", "2026-05-25", "Pfingstmontag"},
		{"", "2026-10-03", "Tag der Deutschen Einheit"},
		{"", "2026-12-25", "1. Weihnachtstag"},
		{"", "2026-12-26", "2. Weihnachtstag"},
		{"", "2026-12-24", ""},
		{"", "2026-06-04", ""}, // Fronleichnam is not nationwide
		{"", "2017-10-31", "Reformationstag"},
		{NordrheinWestfalen, "2017-10-31", "Reformationstag"},
		{NordrheinWestfalen, "2016-10-31", ""},
		{"", "2018-10-31", ""},
		// Heilige Drei Könige: BW, BY, ST.
		{BadenWuerttemberg, "2026-01-06", "Heilige Drei Könige"},
		{Bayern, "2026-01-06", "Heilige Drei Könige"},
		{SachsenAnhalt, "2026-01-06", "Heilige Drei Könige"},
		{NordrheinWestfalen, "2026-01-06", ""},
		// Frauentag: BE since 2019, MV since 2023.
		{Berlin, "2019-03-08", "Internationaler Frauentag"},
		{Berlin, "2018-03-08", ""},
		{MecklenburgVorpommern, "2023-03-08", "Internationaler Frauentag"},
		{MecklenburgVorpommern, "2022-03-08", ""},
		{Brandenburg, "2023-03-08", ""},
		// Ostersonntag and Pfingstsonntag in BB.
		{Brandenburg, "2026-04-05", "Ostersonntag"},
		{Brandenburg, "2026-05-24", "Pfingstsonntag"},
		{Berlin, "2026-05-24", ""},
		// Fronleichnam: BW, BY, HE, NW, RP, SL.
		{BadenWuerttemberg, "2026-06-04", "Fronleichnam"},
		{Bayern, "2026-06-04", "Fronleichnam"},
		{Hessen, "2026-06-04", "Fronleichnam"},
		{NordrheinWestfalen, "2026-06-04", "Fronleichnam"},
		{RheinlandPfalz, "2026-06-04", "Fronleichnam"},
		{Saarland, "2026-06-04", "Fronleichnam"},
		{Niedersachsen, "2026-06-04", ""},
		{Sachsen, "2026-06-04", ""},
		{NordrheinWestfalen, "2024-05-30", "Fronleichnam"},
		// Mariä Himmelfahrt: SL; in BY only in part, so not built in.
		{Saarland, "2026-08-15", "Mariä Himmelfahrt"},
		{Bayern, "2026-08-15", ""},
		// Weltkindertag: TH since 2019.
		{Thueringen, "2019-09-20", "Weltkindertag"},
		{Thueringen, "2018-09-20", ""},
		{Hessen, "2024-09-20", ""},
		// Reformationstag: BB, MV, SN, ST, TH; HB, HH, NI, SH since 2018.
		{Brandenburg, "2016-10-31", "Reformationstag"},
		{MecklenburgVorpommern, "2026-10-31", "Reformationstag"},
		{Sachsen, "2026-10-31", "Reformationstag"},
		{SachsenAnhalt, "2026-10-31", "Reformationstag"},
		{Thueringen, "2026-10-31", "Reformationstag"},
		{Bremen, "2018-10-31", "Reformationstag"},
		{Hamburg, "2018-10-31", "Reformationstag"},
		{Niedersachsen, "2018-10-31", "Reformationstag"},
		{SchleswigHolstein, "2018-10-31", "Reformationstag"},
		{Niedersachsen, "2016-10-31", ""},
		{Bayern, "2026-10-31", ""},
		// Allerheiligen: BW, BY, NW, RP, SL.
		{BadenWuerttemberg, "2026-11-01", "Allerheiligen"},
		{Bayern, "2026-11-01", "Allerheiligen"},
		{NordrheinWestfalen, "2026-11-01", "Allerheiligen"},
		{RheinlandPfalz, "2026-11-01", "Allerheiligen"},
		{Saarland, "2026-11-01", "Allerheiligen"},
		{Hessen, "2026-11-01", ""},
		// Buß- und Bettag: SN, the Wednesday before 23 November.
		{Sachsen, "2026-11-18", "Buß- und Bettag"},
		{Sachsen, "2025-11-19", "Buß- und Bettag"},
		{Sachsen, "2024-11-20", "Buß- und Bettag"},
		{Sachsen, "2023-11-22", "Buß- und Bettag"},
		{Sachsen, "2023-11-15", ""},
		{Bayern, "2026-11-18", ""},
		// One-off holidays in Berlin.
		{Berlin, "2020-05-08", "Jahrestag der Befreiung vom Nationalsozialismus"},
		{Berlin, "2025-05-08", "Jahrestag der Befreiung vom Nationalsozialismus"},
		{Berlin, "2021-05-08", ""},
		{Brandenburg, "2025-05-08", ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.land)+"/"+tt.date, func(t *testing.T) {
			cal, err := Germany(tt.land)
			require.NoError(t, err)
			d, err := ParseDate(tt.date)
			require.NoError(t, err)
			name, ok := cal.Holiday(d)
			assert.Equal(t, tt.want != "", ok)
			assert.Equal(t, tt.want, name)
		})
	}
}

func TestGermanyNationwideHolidaysHoldInEveryLand(t *testing.T) {
	require.Len(t, Laender(), 16)
	for _, land := range Laender() {
		require.NotEmpty(t, land.Name())
		cal, err := Germany(land)
		require.NoError(t, err)
		for y := 2018; y <= 2040; y++ {
			e := Easter(y)
			for _, d := range []Date{
				{y, time.January, 1}, e.AddDays(-2), e.AddDays(1), {y, time.May, 1},
				e.AddDays(39), e.AddDays(50), {y, time.October, 3},
				{y, time.December, 25}, {y, time.December, 26},
			} {
				_, ok := cal.Holiday(d)
				assert.True(t, ok, "%s: %s", land, d)
			}
		}
	}
}

func TestGermanyAcceptsISOCodesAndRejectsUnknownLand(t *testing.T) {
	for _, code := range []Land{"NW", "nw", "DE-NW", "de-nw"} {
		cal, err := Germany(code)
		require.NoError(t, err, code)
		name, ok := cal.Holiday(Date{2026, time.June, 4})
		assert.True(t, ok, code)
		assert.Equal(t, "Fronleichnam", name)
	}
	for _, code := range []Land{"XX", "NRW", "DE-", "Bayern"} {
		_, err := Germany(code)
		require.ErrorIs(t, err, ErrUnknownLand, code)
		assert.Contains(t, err.Error(), string(code))
	}
}

func TestUnionAddsLocalHolidays(t *testing.T) {
	by, err := Germany(Bayern)
	require.NoError(t, err)
	augsburg := Union(by, nil, HolidayList{
		{2026, time.August, 8}:  "Augsburger Hohes Friedensfest",
		{2026, time.August, 15}: "Mariä Himmelfahrt",
	})
	name, ok := augsburg.Holiday(Date{2026, time.August, 8})
	assert.True(t, ok)
	assert.Equal(t, "Augsburger Hohes Friedensfest", name)
	name, ok = augsburg.Holiday(Date{2026, time.January, 6})
	assert.True(t, ok)
	assert.Equal(t, "Heilige Drei Könige", name)
	_, ok = augsburg.Holiday(Date{2026, time.August, 10})
	assert.False(t, ok)
	_, ok = Union().Holiday(Date{2026, time.January, 1})
	assert.False(t, ok)
}
