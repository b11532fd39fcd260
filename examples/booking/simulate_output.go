package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/frist-go/frist/retention"
)

// dayStats counts what happened on one virtual day.
type dayStats struct {
	requests, bookings, refused, cancelled, withdrawn, placed, released int
}

// header prints what is simulated and how.
func (s *sim) header(spec string, loc *time.Location) {
	d := s.cfg.Declaration
	start := s.cfg.Start.In(s.loc)
	fmt.Fprintf(s.out, "frist simulation: %s, %d virtual days from %s %s (%s), seed %d\n",
		d.Controller.Name, s.cfg.Days, weekdays[start.Weekday()], start.Format("02.01.2006 15:04"), s.loc, s.cfg.Seed)
	fmt.Fprintf(s.out, "sweeps: Engine.Sweep at every activation of the Scheduler's spec %q in %s, on a simulated clock\n", spec, loc)
	fmt.Fprintf(s.out, "workload: %d citizens book, cancel and withdraw consent through the service's HTTP handler\n\n", s.cfg.Citizens)
	fmt.Fprintln(s.out, "rules:")
	for i, tr := range s.res.Tracks {
		fmt.Fprintf(s.out, "  T%d  %-12s %-36s (%s by deadline)\n", i+1, tr.dataset, tr.rule, tr.action)
	}
	for _, ds := range d.Datasets {
		for _, r := range ds.Rules {
			if r.On != "" {
				fmt.Fprintf(s.out, "      %-12s %-36s (at once, checked per event)\n", ds.ID, r.ID)
			}
		}
	}
	fmt.Fprintln(s.out)
	var b strings.Builder
	fmt.Fprintf(&b, "%-3s %-13s %8s %7s", "day", "date", "requests", "booked")
	for i, tr := range s.res.Tracks {
		fmt.Fprintf(&b, " %8s", fmt.Sprintf("T%d %s", i+1, shortAction(tr.action)))
	}
	fmt.Fprintf(&b, " %9s %9s %5s  %s", "cancelled", "withdrawn", "held", "next deadline per time rule")
	fmt.Fprintln(s.out, b.String())
}

func shortAction(a retention.Action) string {
	if a == retention.ActionAnonymize {
		return "anon"
	}
	return "del"
}

// dayLine prints one day of the timeline at the day's last sweep at: what
// each rule did that day, what is held, and when each rule acts next
// (Engine.Plan).
func (s *sim) dayLine(day int, at time.Time) error {
	plan, err := s.app.Engine().Plan(s.ctx, at)
	if err != nil {
		return err
	}
	date := at.In(s.loc)
	var b strings.Builder
	fmt.Fprintf(&b, "%3d %-13s %8d %7d", day+1, weekdays[date.Weekday()]+" "+date.Format("02.01.2006"), s.day.requests, s.day.bookings)
	held := 0
	var next []string
	for _, tr := range s.res.Tracks {
		fmt.Fprintf(&b, " %8d", tr.day)
		tr.day = 0
		for _, rp := range plan.Rules {
			if rp.Dataset == tr.dataset && rp.Rule == tr.rule {
				held += rp.Held
				if rp.NextDeadline.IsZero() {
					next = append(next, "-")
				} else {
					next = append(next, rp.NextDeadline.In(s.loc).Format("02.01. 15:04"))
				}
			}
		}
	}
	fmt.Fprintf(&b, " %9d %9d %5d  %s", s.day.cancelled, s.day.withdrawn, held, strings.Join(next, " | "))
	if s.day.placed > 0 {
		fmt.Fprintf(&b, "  (%s placed)", plural(s.day.placed, "hold"))
	}
	if s.day.released > 0 {
		fmt.Fprintf(&b, "  (%s ended)", plural(s.day.released, "hold"))
	}
	fmt.Fprintln(s.out, b.String())
	s.day = dayStats{}
	return nil
}

// verdict prints the checks and their outcome.
func (s *sim) verdict() {
	r := s.res
	fmt.Fprintln(s.out)
	fmt.Fprintf(s.out, "workload: %d requests logged, %d bookings (%d after a withdrawal, with new consent), %d refused, %d cancellations, %d withdrawals deleting %d appointments, %d holds\n",
		r.Requests, r.Bookings, r.Rebookings, r.Refused, r.Cancellations, r.Withdrawals, r.WithdrawnAppointments, r.Holds)
	fmt.Fprintf(s.out, "sweeps: %d\n", r.Sweeps)
	fmt.Fprintln(s.out, "verdict:")
	for i, tr := range r.Tracks {
		if tr.onTime == 0 {
			fmt.Fprintf(s.out, "  T%d %-12s %-36s none due yet\n", i+1, tr.dataset, tr.rule)
			continue
		}
		fmt.Fprintf(s.out, "  T%d %-12s %-36s %6d of %6d on time, none early (taken %v to %v before the deadline; the engine may act up to %v before it, the rule's lead, so that a record falling due between two sweeps is gone by its deadline)\n",
			i+1, tr.dataset, tr.rule, tr.onTime, tr.checked, tr.minSlack, tr.maxSlack, tr.window)
		for _, f := range tr.failures {
			fmt.Fprintf(s.out, "     FAIL %s\n", f)
		}
	}
	fmt.Fprintf(s.out, "  events: %d cancellations and %d withdrawals deleted at once in the same request\n", r.Cancellations, r.Withdrawals)
	fmt.Fprintf(s.out, "  not yet due at the end: %d actions (checked when due, never early)\n", r.Pending)
	for _, f := range r.Failures {
		fmt.Fprintf(s.out, "  FAIL %s\n", f)
	}
	if r.AuditErr != nil {
		fmt.Fprintf(s.out, "  FAIL audit log: %v\n", r.AuditErr)
	} else {
		fmt.Fprintf(s.out, "  audit log: %s, hash chain verified (audit.Verify)\n", plural(r.AuditEntries, "entry"))
	}
	if r.OK() {
		fmt.Fprintln(s.out, "OK: every deadline met, none early, audit log verified")
	} else {
		fmt.Fprintln(s.out, "FAILED: see the lines marked FAIL")
	}
}

// plural returns "1 word" or "n words" ("n entries").
func plural(n int, word string) string {
	switch {
	case n == 1:
		return "1 " + word
	case strings.HasSuffix(word, "y"):
		return strconv.Itoa(n) + " " + word[:len(word)-1] + "ies"
	}
	return strconv.Itoa(n) + " " + word + "s"
}
