package dsar

import (
	"testing"
	"time"
)

// checkDue checks the properties every deadline of Art. 12(3) GDPR has,
// against an oracle built from the standard library alone: the last day is
// a working day; it is never earlier than the plain month date of
// Art. 3(2)(c) of Regulation No 1182/71 and at most four days later
// (Karfreitag to the Tuesday after Ostermontag is the longest run of days
// off in any German calendar); every day in between is a day off; and the
// period ends at 24:00 of the last day in the controller's zone.
func checkDue(t testing.TB, received time.Time, loc *time.Location, cal Calendar) {
	t.Helper()
	dl, err := Due(received, &Options{Location: loc, Calendar: cal})
	if err != nil {
		t.Fatalf("received %s: %v", received, err)
	}
	// Oracle for Art. 3(2)(c): the same date one month later, or the last
	// day of that month.
	y, m, d := received.In(loc).Date()
	nominal := time.Date(y, m+1, d, 0, 0, 0, 0, time.UTC)
	if nominal.Month() != m%12+1 {
		nominal = time.Date(y, m+2, 0, 0, 0, 0, 0, time.UTC) // last day of the next month
	}
	if dl.Nominal != DateOf(nominal) {
		t.Fatalf("received %s: nominal %s, want %s", received, dl.Nominal, DateOf(nominal))
	}
	if !WorkingDay(dl.Date, cal) {
		t.Fatalf("received %s: due %s is not a working day", received, dl.Date)
	}
	gap := dl.Nominal.DaysUntil(dl.Date)
	if gap < 0 || gap > 4 {
		t.Fatalf("received %s: due %s is %d days after the month date %s, want 0 to 4", received, dl.Date, gap, dl.Nominal)
	}
	if len(dl.Skipped) != gap {
		t.Fatalf("received %s: %d days skipped, want %d", received, len(dl.Skipped), gap)
	}
	for i, s := range dl.Skipped {
		if s.Date != dl.Nominal.AddDays(i) || WorkingDay(s.Date, cal) || s.Reason == "" {
			t.Fatalf("received %s: skipped %+v is not the day off %s", received, s, dl.Nominal.AddDays(i))
		}
	}
	end := dl.End.In(loc)
	if DateOf(end) != dl.Date.AddDays(1) || end.Hour() != 0 || end.Minute() != 0 || end.Second() != 0 {
		t.Fatalf("received %s: end %s is not 24:00 of %s", received, end, dl.Date)
	}
	if span := dl.End.Sub(received); span <= 28*24*time.Hour || span >= 37*24*time.Hour {
		t.Fatalf("received %s: the period lasts %s", received, span)
	}
}

func calendars(t testing.TB) []Calendar {
	cals := []Calendar{nil, calFor(t, "")}
	for _, land := range Laender() {
		cals = append(cals, calFor(t, land))
	}
	return cals
}

func TestDuePropertiesForEveryDayOfReceipt(t *testing.T) {
	if testing.Short() {
		t.Skip("checks every day from 2018 to 2100 in every Land")
	}
	loc := berlin(t)
	cals := calendars(t)
	for d := (Date{2018, time.May, 25}); d.Year <= 2100; d = d.AddDays(1) {
		at := time.Date(d.Year, d.Month, d.Day, 13, 0, 0, 0, loc)
		// Every Land until 2045, the nationwide calendar and none to 2100.
		if d.Year > 2045 {
			cals = cals[:2]
		}
		for _, cal := range cals {
			checkDue(t, at, loc, cal)
		}
	}
}

func FuzzDue(f *testing.F) {
	f.Add(int64(1772528400), uint8(0))  // 2026-03-03, nationwide
	f.Add(int64(1777888800), uint8(10)) // 2026-05-04, NW
	f.Add(int64(1769900000), uint8(3))  // end of January
	f.Add(int64(4104000000), uint8(17)) // 2100
	loc := berlin(f)
	cals := calendars(f)
	f.Fuzz(func(t *testing.T, unix int64, land uint8) {
		// Receipts between the GDPR's application and the year 9000.
		const lo, hi = 1527206400, 221845392000
		if unix < lo || unix > hi {
			unix = lo + (unix%(hi-lo)+(hi-lo))%(hi-lo)
		}
		checkDue(t, time.Unix(unix, 0), loc, cals[int(land)%len(cals)])
	})
}
