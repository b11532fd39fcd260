package sqldriver

import (
	"testing"
	"time"
)

// TestWallCutoffNeverSelectsAWallTimeBeforeItsLastInstant checks, minute by
// minute over the days the clocks change in Berlin and New York, that every
// wall-clock time at or before wallCutoff(c) stands only for instants at
// or before c: in the repeated hour after the clocks go back, a wall time
// is due only once its second instant has come.
//
// It fails when wallCutoff reads c with the offset at c alone: at 00:30
// UTC on 26 October 2025 that gives 02:30 in Berlin, whose second instant
// (CET) is 01:30 UTC, an hour after the cutoff.
func TestWallCutoffNeverSelectsAWallTimeBeforeItsLastInstant(t *testing.T) {
	for _, tz := range []string{"Europe/Berlin", "America/New_York", "Australia/Lord_Howe"} {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			t.Fatal(err)
		}
		for _, day := range []time.Time{time.Date(2025, 10, 26, 0, 0, 0, 0, time.UTC), time.Date(2025, 3, 30, 0, 0, 0, 0, time.UTC),
			time.Date(2025, 11, 2, 0, 0, 0, 0, time.UTC), time.Date(2025, 3, 9, 0, 0, 0, 0, time.UTC), time.Date(2025, 4, 5, 12, 0, 0, 0, time.UTC)} {
			for c := day.Add(-6 * time.Hour); c.Before(day.Add(18 * time.Hour)); c = c.Add(10 * time.Minute) {
				cut := wallCutoff(c, loc)
				// The wall times just at and around the cutoff.
				for w := cut.Add(-3 * time.Hour); !w.After(cut); w = w.Add(10 * time.Minute) {
					if last := lastInstant(w, loc); last.After(c) {
						t.Fatalf("%s: cutoff %s gives wall cutoff %s, but wall time %s stands for %s, after the cutoff",
							tz, c.Format(time.RFC3339), cut.Format("15:04"), w.Format("2006-01-02 15:04"), last.Format(time.RFC3339))
					}
				}
				if late := c.Sub(lastInstant(cut, loc)); late > 2*time.Hour {
					t.Fatalf("%s: cutoff %s gives wall cutoff %s, %s late", tz, c.Format(time.RFC3339), cut.Format("15:04"), late)
				}
			}
		}
	}
}

// lastInstant returns the latest instant whose wall-clock time in loc is
// w (read as a UTC time whose clock shows it); a wall time in a gap has
// none, and its next valid one is taken.
func lastInstant(w time.Time, loc *time.Location) time.Time {
	var last time.Time
	for _, near := range []time.Duration{-24 * time.Hour, 0, 24 * time.Hour} {
		_, o := w.Add(near).In(loc).Zone()
		in := w.Add(-time.Duration(o) * time.Second)
		if l := in.In(loc); l.Format("2006-01-02 15:04:05") == w.Format("2006-01-02 15:04:05") && in.After(last) {
			last = in
		}
	}
	if last.IsZero() { // in a gap: Go's reading, the later of its sides
		y, mo, d := w.Date()
		return time.Date(y, mo, d, w.Hour(), w.Minute(), w.Second(), 0, loc).UTC()
	}
	return last
}
