package retention

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
)

// Action is what a rule does to a record.
type Action string

// The actions.
const (
	// ActionDelete erases the record (Art. 17(1), Art. 5(1)(e)).
	ActionDelete Action = "delete"
	// ActionAnonymize nulls or transforms the record's fields so that they
	// no longer identify the subject (Recital 26).
	ActionAnonymize Action = "anonymize"
)

// Deadline is when one rule acts on one record.
//
// For a rule counted from a time column, Due is the deadline D: the time
// value plus the rule's period in the controller's time zone, with calendar
// semantics (policy.Period). The engine may act from Earliest on, which is D
// minus the lead but never before the statutory minimum of keep_at_least
// ends (Art. 17(3)(b)); with a running sweeper it acts by Due. For a rule
// triggered by an event, D is the time of the event: Event is set, Due and
// Trigger are zero, and Earliest is the end of keep_at_least, if any.
type Deadline struct {
	Dataset string
	Rule    string
	Action  Action
	// Fields are the fields an anonymizing rule changes, in rule order.
	Fields []string
	// Event is the event that triggers the rule, "" for time rules.
	Event policy.Event
	// Trigger is the time value the period counts from.
	Trigger time.Time
	// Due is the deadline D. Where the calendar is not monotone (a month
	// clamped to its last day, the hour repeated when daylight saving
	// ends), D is the latest deadline of any earlier trigger time, so
	// that deadlines grow with trigger times: 31 January plus one month
	// is due at the end of 28 February, not at the clock time of the
	// trigger.
	Due time.Time
	// Earliest is the earliest time the engine may act.
	Earliest time.Time
	// KeepUntil is the end of the rule's statutory minimum, zero when the
	// rule has none; Norm cites the provision.
	KeepUntil time.Time
	Norm      string
}

// Latest returns when the record is processed at the latest with a running
// sweeper: Due, or the end of the statutory minimum when that is later.
// It is zero for event rules.
func (d Deadline) Latest() time.Time {
	if d.Due.IsZero() {
		return time.Time{}
	}
	if d.KeepUntil.After(d.Due) {
		return d.KeepUntil
	}
	return d.Due
}

// Deadlines lists every action the rules of dataset will take on a record
// whose time columns hold times (by policy.TimeColumn.Name): "when will
// this appointment be deleted?". It reads no store, and the clock
// (Options.Now) only to measure the gaps of an Options.Schedule, as New
// does. Time rules come first, ordered by Due, then event rules in
// declaration order.
//
// A rule whose time column is missing from times never selects the record
// and is left out, as is a rule whose keep_at_least counts from a missing
// column: the engine cannot tell when the minimum ends and never touches
// such a record. The lead comes from the rule or, when it has none, from
// opts (two intervals, never more than the rule's early window,
// policy.Period.MaxLead); pass the options the engine was built with, or
// Options{Interval: Engine.Interval()}.
func Deadlines(decl *policy.Declaration, dataset string, times map[string]time.Time, opts *Options) ([]Deadline, error) {
	if !decl.Validated() {
		return nil, ErrNotValidated
	}
	ds := decl.Dataset(dataset)
	if ds == nil {
		return nil, fmt.Errorf("%w: %q", ErrUnknownDataset, dataset)
	}
	opts, _, err := opts.withSweeps(decl.Location(), opts.clock())
	if err != nil {
		return nil, err
	}
	var out []Deadline
	for i := range ds.Rules {
		r := &ds.Rules[i]
		tm, err := newTiming(decl, ds, r, opts)
		if err != nil {
			return nil, err
		}
		d := Deadline{Dataset: ds.ID, Rule: r.ID, Action: ruleAction(r), Event: r.On}
		for _, op := range r.Anonymize {
			d.Fields = append(d.Fields, op.Field)
		}
		if tm.keepFrom != "" {
			tk, ok := times[tm.keepFrom]
			if !ok {
				continue
			}
			d.KeepUntil = tm.keepUntil(tk)
			d.Norm = r.KeepAtLeast.Norm
		}
		if r.On == "" {
			t, ok := times[r.From]
			if !ok {
				continue
			}
			d.Trigger = t.In(tm.loc)
			d.Due = tm.due(t)
			d.Earliest = d.Due.Add(-tm.lead)
		}
		if d.KeepUntil.After(d.Earliest) {
			d.Earliest = d.KeepUntil
		}
		out = append(out, d)
	}
	slices.SortStableFunc(out, func(a, b Deadline) int {
		switch {
		case a.Event == "" && b.Event != "":
			return -1
		case a.Event != "" && b.Event == "":
			return 1
		}
		return cmp.Compare(a.Due.UnixNano(), b.Due.UnixNano())
	})
	return out, nil
}

// ruleAction returns what r does.
func ruleAction(r *policy.Rule) Action {
	if r.Delete {
		return ActionDelete
	}
	return ActionAnonymize
}

// timing is what the deadlines of one rule depend on.
type timing struct {
	after    policy.Period
	from     string // time column the period counts from; "" for event rules
	lead     time.Duration
	keep     policy.Period
	keepFrom string // time column keep_at_least counts from; "" for none
	loc      *time.Location
}

// newTiming checks the time-related parts of r and returns its timing.
func newTiming(decl *policy.Declaration, ds *policy.Dataset, r *policy.Rule, opts *Options) (timing, error) {
	bad := func(format string, args ...any) (timing, error) {
		return timing{}, &RuleError{Dataset: ds.ID, Rule: r.ID, Reason: fmt.Sprintf(format, args...)}
	}
	tm := timing{after: r.After, from: r.From, lead: r.Lead, loc: decl.Location()}
	if tm.lead < 0 {
		return bad("lead %v is negative", r.Lead)
	}
	switch {
	case r.On != "" && (!r.After.IsZero() || r.From != ""):
		return bad("an event rule (on: %s) acts when the event happens and takes no after/from", r.On)
	case r.On == "" && r.From == "":
		return bad("a rule needs either on: <event> or after: with from: <time column>")
	case r.On == "" && ds.TimeColumn(r.From) == nil:
		return bad("from: %q is not a time column of the dataset", r.From)
	case r.On == "" && r.After.IsZero():
		return bad("after: is missing")
	}
	if r.On == "" {
		// The early window (docs/DESIGN.md, "Never early"): a time rule
		// acts at most MaxLead before a deadline, and a sweeper one
		// interval apart needs a lead of one interval to be on time.
		interval, bound := opts.interval(), r.After.MaxLead(opts.interval())
		why := fmt.Sprintf("the larger of 1%% of its %s period and one sweep interval, at most a tenth of the period", r.After)
		switch {
		case r.Lead > bound:
			return bad("lead %v is %v more than the %v before a deadline it may act (%s)", r.Lead, r.Lead-bound, bound, why)
		case interval > bound:
			return timing{}, &RuleError{Dataset: ds.ID, Rule: r.ID, sparse: true, Reason: fmt.Sprintf(
				"sweeps %v apart (%s) need a lead of one interval to meet its deadlines, %v more than the %v it may act early (%s); sweep at least every %v",
				interval, opts.intervalSource(), interval-bound, bound, why, bound)}
		case r.Lead > 0 && r.Lead < interval:
			return timing{}, &RuleError{Dataset: ds.ID, Rule: r.ID, sparse: true, Reason: fmt.Sprintf(
				"lead %v is %v shorter than the sweeps are apart (%s): its records could be processed that much after their deadlines; declare a lead of at least one interval",
				r.Lead, interval-r.Lead, opts.intervalSetting())}
		case tm.lead == 0:
			tm.lead = min(opts.defaultLead(), bound)
		}
	}
	if k := r.KeepAtLeast; k != nil {
		tm.keep = k.Period
		tm.keepFrom = k.From
		if tm.keepFrom == "" {
			tm.keepFrom = r.From
		}
		switch {
		case tm.keepFrom == "":
			return bad("keep_at_least of an event rule needs from: <time column>")
		case ds.TimeColumn(tm.keepFrom) == nil:
			return bad("keep_at_least from: %q is not a time column of the dataset", tm.keepFrom)
		case k.Period.IsZero():
			return bad("keep_at_least needs a period")
		}
	}
	return tm, nil
}

// due returns the deadline D of a record whose trigger column holds t.
func (tm timing) due(t time.Time) time.Time { return periodEnd(tm.after, t, tm.loc) }

// keepUntil returns the end of the statutory minimum of a record whose
// keep column holds t.
func (tm timing) keepUntil(t time.Time) time.Time { return periodEnd(tm.keep, t, tm.loc) }

// earliest returns the earliest time the rule may act on a record with the
// given time values, and false when the record is never selected (a time it
// needs is missing). Event rules have no trigger column and count from
// event, which is the time of the event.
func (tm timing) earliest(times map[string]time.Time, event time.Time) (time.Time, bool) {
	e := event
	if tm.from != "" {
		t, ok := times[tm.from]
		if !ok {
			return time.Time{}, false
		}
		e = tm.due(t).Add(-tm.lead)
	}
	if tm.keepFrom != "" {
		t, ok := times[tm.keepFrom]
		if !ok {
			return time.Time{}, false
		}
		if k := tm.keepUntil(t); k.After(e) {
			e = k
		}
	}
	return e, true
}

// bounds returns the store bounds that select exactly the records whose
// earliest processing time is at most now: for each column c the largest
// time value t with the condition met, so that a backend compares the
// column with a constant (docs/DESIGN.md, "Sweeps cost what is due"). With withLead false the
// bounds select the records whose deadline has passed instead.
func (tm timing) bounds(now time.Time, withLead bool) []store.Bound {
	var out []store.Bound
	if tm.from != "" {
		x := now
		if withLead {
			x = now.Add(tm.lead)
		}
		out = append(out, store.Bound{Column: tm.from, Cutoff: periodCutoff(tm.after, x, tm.loc)})
	}
	if tm.keepFrom != "" {
		c := periodCutoff(tm.keep, now, tm.loc)
		if len(out) == 1 && out[0].Column == tm.keepFrom {
			if c.Before(out[0].Cutoff) {
				out[0].Cutoff = c
			}
		} else {
			out = append(out, store.Bound{Column: tm.keepFrom, Cutoff: c})
		}
	}
	return out
}

// latest returns when a record whose trigger column holds t is processed at
// the latest: its deadline, or the end of its statutory minimum when that
// counts from the same column and ends later.
func (tm timing) latest(t time.Time) time.Time {
	d := tm.due(t)
	if tm.keepFrom != "" && tm.keepFrom == tm.from {
		if k := tm.keepUntil(t); k.After(d) {
			return k
		}
	}
	return d
}
