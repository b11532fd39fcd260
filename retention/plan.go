package retention

import (
	"context"
	"fmt"
	"time"

	"github.com/frist-go/frist/internal/storecheck"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
)

// Plan is the dry run of a sweep at a given time: what each rule would
// process, what it may not process because of holds and why, and when its
// next record falls due. It changes nothing and writes no audit entry.
type Plan struct {
	// At is the time the plan is for.
	At time.Time
	// Rules has one entry per rule, in declaration order.
	Rules []RulePlan
}

// RulePlan is the dry run of one rule.
type RulePlan struct {
	Dataset string
	Rule    string
	Action  Action
	// Event is set for rules that run on an event; they process nothing by
	// time, so Due, Held and Next are zero.
	Event policy.Event
	// Due counts the records a sweep at At would process.
	Due int
	// Held counts the records that would be due but are under a hold.
	Held int
	// Holds are the holds active at At that can exclude records of the
	// rule's dataset: on a record of it, or on a subject in it or in every
	// dataset. Each carries its reason (Art. 17(3)(b), (e), Art. 18).
	Holds []store.Hold
	// Next is the earliest processing time of the first record not yet due
	// at At, and NextDeadline its deadline; both are zero when there is
	// none. A keep_at_least that counts from another column is not
	// reflected in Next.
	Next         time.Time
	NextDeadline time.Time
	// Unindexed names the time columns (TimeColumn.Name) a time rule
	// selects by that lead no index of the application's table, so every
	// sweep reads the whole table instead of only the records that are
	// due (docs/DESIGN.md, "Sweeps cost what is due"). It is empty when every such column is
	// indexed, for event rules, and when the store cannot tell (it does
	// not implement store.IndexChecker).
	Unindexed []string
	// Unreadable counts, per time column, the records a sweep at At could
	// not process because their time value cannot be read (see
	// Unreadable).
	Unreadable []Unreadable
}

// Plan returns what a sweep at time at would do, without doing it. at may
// lie in the future ("what is deleted by Monday?"); records are counted as
// they are now and holds as they will be at at. When the store implements
// store.IndexChecker, each time rule also names the time columns it selects
// by that no index serves (RulePlan.Unindexed).
func (e *Engine) Plan(ctx context.Context, at time.Time) (*Plan, error) {
	holds, err := e.st.ListHolds(ctx, at)
	if err != nil {
		return nil, fmt.Errorf("retention: listing holds: %w", err)
	}
	p := &Plan{At: at}
	for _, ru := range e.rules {
		rp := RulePlan{Dataset: ru.ds.ID, Rule: ru.id, Action: ru.action, Event: ru.on}
		for _, h := range holds {
			if h.Dataset == ru.ds.ID || h.Dataset == "" && ru.ds.Subject != "" {
				rp.Holds = append(rp.Holds, h)
			}
		}
		if ru.on == "" {
			if err := e.planRule(ctx, ru, &rp, at); err != nil {
				return nil, err
			}
		}
		p.Rules = append(p.Rules, rp)
	}
	return p, nil
}

// planRule fills in the counts and the next deadline of a time rule.
func (e *Engine) planRule(ctx context.Context, ru *rule, rp *RulePlan, at time.Time) error {
	bounds := ru.timing.bounds(at, true)
	free, held, err := storecheck.Count(ctx, e.st, ru.ds, ru.selection(at, bounds))
	if err != nil {
		return &RuleError{Dataset: ru.ds.ID, Rule: ru.id, Reason: "counting due records", Err: err, processing: true}
	}
	rp.Due, rp.Held = free, held
	if rp.Unreadable, err = e.unreadable(ctx, ru.ds, ru.selection(at, bounds)); err != nil {
		return &RuleError{Dataset: ru.ds.ID, Rule: ru.id, Reason: "counting records whose time cannot be read", Err: err, processing: true}
	}
	if ic, ok := e.st.(store.IndexChecker); ok {
		for _, b := range bounds {
			un, err := ic.Unindexed(ctx, ru.ds.ID, b.Column)
			if err != nil {
				return &RuleError{Dataset: ru.ds.ID, Rule: ru.id, Reason: "checking the index of time column " + b.Column, Err: err, processing: true}
			}
			if un {
				rp.Unindexed = append(rp.Unindexed, b.Column)
			}
		}
	}
	t, ok, err := storecheck.Earliest(ctx, e.st, ru.ds, ru.selection(at, nil), ru.timing.from, bounds[0].Cutoff)
	if err != nil {
		return &RuleError{Dataset: ru.ds.ID, Rule: ru.id, Reason: "finding the next deadline", Err: err, processing: true}
	}
	if ok {
		rp.NextDeadline = ru.timing.latest(t)
		rp.Next, _ = ru.timing.earliest(map[string]time.Time{ru.timing.from: t}, time.Time{})
		if ru.timing.keepFrom != ru.timing.from {
			rp.Next = ru.timing.due(t).Add(-ru.timing.lead)
		}
	}
	return nil
}
