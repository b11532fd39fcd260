package retention

import (
	"time"

	"github.com/robfig/cron/v3"
)

// gapWindow is how far ahead scheduleGap looks: a year and a month, so
// that both daylight-saving changes and every day of every month are seen.
const gapWindow = 400 * 24 * time.Hour

// ScheduleGap returns the longest time between two sweeps that the cron
// spec leaves in the coming year when it is interpreted in loc (nil means
// UTC; a "CRON_TZ=" prefix overrides it), measured in elapsed time from
// from on: 25 hours for "@daily" in Europe/Berlin (the day the clocks go
// back), 169 hours for "0 3 * * 1", 48 hours for "30 2 * * *" (robfig/cron
// skips the activation in the hour the clocks skip). This is the interval
// New takes for Options.Schedule, in the declaration's zone. It returns an
// error wrapping ErrInvalidSchedule when spec does not parse or never
// fires.
func ScheduleGap(spec string, loc *time.Location, from time.Time) (time.Duration, error) {
	if loc == nil {
		loc = time.UTC
	}
	s, err := parseSchedule(spec)
	if err != nil {
		return 0, err
	}
	if s.Next(from.In(loc)).IsZero() {
		return 0, errNeverFires(spec)
	}
	return scheduleGap(s, loc, from), nil
}

// scheduleGap returns the longest time between two activations of s in
// the gapWindow after from, in elapsed time, with s interpreted in loc.
//
// Walking every activation of a year would cost half a million steps for
// "* * * * *". A five-field spec fires at the same wall-clock times on
// every day it fires at all, so scheduleGap walks day by day: on a day
// whose UTC offset does not change, the gaps are the wall-clock gaps
// between the spec's hours and minutes, and the gap to the day before ends
// at the day's first activation; a day with a daylight-saving change is
// walked activation by activation, which measures what robfig/cron does
// there (a skipped activation, an hour more or less). "@every" is exact.
func scheduleGap(s cron.Schedule, loc *time.Location, from time.Time) time.Duration {
	switch s := s.(type) {
	case cron.ConstantDelaySchedule:
		return s.Delay
	case *cron.SpecSchedule:
		return specGap(s, loc, from)
	}
	// Another implementation of cron.Schedule: walk its activations.
	var gap time.Duration
	prev := s.Next(from.In(loc))
	for range 2000 {
		next := s.Next(prev)
		if next.IsZero() {
			break
		}
		gap = max(gap, next.Sub(prev))
		prev = next
	}
	return gap
}

// specGap is scheduleGap for a parsed five-field spec.
func specGap(s *cron.SpecSchedule, loc *time.Location, from time.Time) time.Duration {
	zone := s.Location
	if zone == time.Local {
		// robfig/cron interprets a spec without CRON_TZ in the zone of the
		// time it is given, which the Scheduler sets to loc.
		zone = loc
	}
	// The wall-clock minutes of the day at which s fires.
	var mins []int
	for h := range 24 {
		for m := range 60 {
			if s.Hour&(1<<h) != 0 && s.Minute&(1<<m) != 0 {
				mins = append(mins, 60*h+m)
			}
		}
	}
	if len(mins) == 0 {
		return 0
	}
	var within time.Duration // the longest wall-clock gap inside one day
	for i := 1; i < len(mins); i++ {
		within = max(within, time.Duration(mins[i]-mins[i-1])*time.Minute)
	}
	last := mins[len(mins)-1]

	start := from.In(zone)
	end := start.Add(gapWindow)
	day := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, zone)
	var gap time.Duration
	var prev time.Time // the last activation seen
	for day.Before(end) {
		y, m, d := day.Date()
		next := time.Date(y, m, d+1, 0, 0, 0, 0, zone)
		if _, changes := day.ZoneBounds(); !changes.IsZero() && !changes.After(next) {
			// A daylight-saving change: walk the day's activations.
			t := prev
			if t.IsZero() {
				t = day.Add(-time.Second)
			}
			for {
				n := s.Next(t)
				if n.IsZero() || !n.Before(next) {
					break
				}
				if !prev.IsZero() {
					gap = max(gap, n.Sub(prev))
				}
				prev, t = n, n
			}
			day = next
			continue
		}
		first := s.Next(day.Add(-time.Second))
		if first.IsZero() {
			break
		}
		if !first.Before(next) {
			// The spec does not fire today: go on with the day it fires.
			day = time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, zone)
			continue
		}
		if !prev.IsZero() {
			gap = max(gap, first.Sub(prev))
		}
		gap = max(gap, within)
		prev = time.Date(y, m, d, last/60, last%60, 0, 0, zone)
		day = next
	}
	// A spec that fires less than once in the window (29 February): the
	// gap to the next activation after it.
	if !prev.IsZero() {
		if n := s.Next(prev); !n.IsZero() {
			gap = max(gap, n.Sub(prev))
		}
	}
	return gap
}
