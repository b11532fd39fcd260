package retention

import (
	"errors"
	"time"

	"github.com/frist-go/frist/policy"
)

// Report says what a Sweep or Trigger did, rule by rule. It holds IDs and
// counts, never keys, subjects or values, so it may be logged as it is.
type Report struct {
	// Start is the engine time at which the work began; cutoffs and holds
	// were evaluated at Start.
	Start time.Time
	// Duration is how long the work took on the engine's clock.
	Duration time.Duration
	// Skipped is true when another replica held the sweep lease and this
	// sweep did nothing.
	Skipped bool
	// Rules has one entry per rule that was considered.
	Rules []RuleReport
}

// RuleReport is what happened for one rule.
type RuleReport struct {
	Dataset string
	Rule    string
	Action  Action
	// Event is the triggering event, "" for time rules.
	Event policy.Event
	// Processed counts the records deleted or anonymized, each exactly
	// once and each with an audit entry.
	Processed int
	// Held counts the records that were due but are under a legal hold or
	// restriction (Art. 17(3), Art. 18) and were left alone.
	Held int
	// Kept counts the records an event named whose statutory minimum
	// (keep_at_least) has not ended; they were left alone.
	Kept int
	// Failed counts the due records left unprocessed because a batch
	// failed; Err says why. They are retried by the next sweep.
	Failed int
	Err    error
	// Lateness is how long past its deadline the oldest due record was
	// when the sweep began (zero when none was late). Backends count held
	// records here too, so a long hold can show as lateness.
	Lateness time.Duration
	// Overdue counts the records, not held, whose deadline had passed when
	// the rule was done: nonzero only after a failure.
	Overdue int
}

// Processed returns the number of records processed by all rules.
func (r *Report) Processed() int {
	n := 0
	for _, rr := range r.Rules {
		n += rr.Processed
	}
	return n
}

// Held returns the number of due records left alone because of holds.
func (r *Report) Held() int {
	n := 0
	for _, rr := range r.Rules {
		n += rr.Held
	}
	return n
}

// Overdue returns the number of records past their deadline after the
// work, over all rules.
func (r *Report) Overdue() int {
	n := 0
	for _, rr := range r.Rules {
		n += rr.Overdue
	}
	return n
}

// Err joins the errors of the rules that failed, nil when none did.
func (r *Report) Err() error {
	var errs []error
	for _, rr := range r.Rules {
		if rr.Err != nil {
			errs = append(errs, rr.Err)
		}
	}
	return errors.Join(errs...)
}

// Rule returns the report of the rule with the given dataset and rule ID,
// or nil.
func (r *Report) Rule(dataset, rule string) *RuleReport {
	for i := range r.Rules {
		if r.Rules[i].Dataset == dataset && r.Rules[i].Rule == rule {
			return &r.Rules[i]
		}
	}
	return nil
}
