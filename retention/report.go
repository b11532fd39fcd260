package retention

import (
	"errors"
	"time"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
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
	// Rules has one entry per rule that was considered. A sweep lists the
	// event rules of remembered events (see Engine.Trigger) first, then
	// the time rules.
	Rules []RuleReport
	// RememberedErr says why the remembered events could not be read; they
	// are retried by the next sweep. Err includes it.
	RememberedErr error
	// PurgeErr says why the store could not remove from its files what
	// this or an earlier batch deleted or overwrote, or what frist's own
	// records deleted or overwritten since the last purge left
	// (store.Driver.Purge): the
	// bytes may still be on disk, and the next sweep tries again. Err
	// includes it, unless it wraps store.ErrPurgeDeferred: the storage was
	// only busy, which a busy application makes common.
	PurgeErr error
	// Records has one entry per keeper of frist's own records registered
	// with Engine.Keep, in the order they were registered. Err includes
	// their errors.
	Records []RecordsReport
	// Outbox is what the sweep did with the notifications to recipients
	// that could not be delivered before (outbox.go). Err includes its
	// error.
	Outbox OutboxReport
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
	// restriction (Art. 17(3), Art. 18) and were left alone, and those a
	// backend cannot process yet for a reason of its own (store/logstore:
	// the lines of the file the server is still writing), which its Count
	// reports as held. A sweep counts them when a hold it lists may cover
	// the dataset, or when the rule's batches processed nothing although a
	// due record was found; see Engine.Sweep.
	Held int
	// Kept counts the records an event named whose statutory minimum
	// (keep_at_least) has not ended; they were left alone.
	Kept int
	// Failed counts the due records left unprocessed because a batch
	// failed; Err says why. They are retried by the next sweep.
	Failed int
	Err    error
	// Retried counts, of Processed, the records processed for an event
	// remembered earlier: one that Trigger could not act on in full,
	// because records were held or inside their statutory minimum, and
	// that Sweep or ReleaseHold acted on once they were free.
	Retried int
	// Remembered is, in a report of Trigger, the ID of the remembered event
	// (store.RememberedEvent) that will act on the records this rule left
	// alone (Held, Kept, Failed) as soon as they are free; "" when nothing
	// was left alone or the event could not be remembered.
	Remembered string
	// Forgotten counts, in a report of Trigger, the records left alone
	// whose event could not be remembered: storing the event failed (Err
	// says why).
	// Such a record is processed only if the event is triggered again or
	// a time rule covers it.
	Forgotten int
	// Lateness is how long past its deadline the oldest due record was
	// when the sweep began (zero when none was late). Backends count held
	// records here too, so a long hold can show as lateness.
	Lateness time.Duration
	// Overdue counts the records, not held, whose deadline had passed when
	// the rule was done: nonzero only after a failure.
	Overdue int
	// Unreadable counts, per time column, the records the rule can never
	// process because their time value is not a valid time in the
	// column's representation (see Unreadable). They are counted at every
	// sweep until corrected; the rule's other records are processed.
	Unreadable []Unreadable
	// Told counts the notifications of the rule's erasure that the
	// Notifier delivered to recipients of the dataset (Art. 19; see
	// Options.Notifier), NotTold those it could not deliver (the audit
	// log and the log say to whom and why), and LeftToController those
	// the controller must make by other means because no Notifier is
	// configured. One notification goes to each recipient per data
	// subject an event's erasure concerned, or, for a time rule, by the
	// first sweep a day (TimeRuleTellEvery) that has erasures to tell.
	Told, NotTold, LeftToController int
}

// Processed returns the number of records processed by all rules.
func (r *Report) Processed() int { return r.sum(func(rr *RuleReport) int { return rr.Processed }) }

// Held returns the number of due records left alone because of holds.
func (r *Report) Held() int { return r.sum(func(rr *RuleReport) int { return rr.Held }) }

// Overdue returns the number of records past their deadline after the
// work, over all rules.
func (r *Report) Overdue() int { return r.sum(func(rr *RuleReport) int { return rr.Overdue }) }

// Unreadable returns the number of records, over all rules and their time
// columns, that a time rule cannot process because their time value cannot
// be read (RuleReport.Unreadable). A record counts once per rule that
// selects by the column.
func (r *Report) Unreadable() int {
	return r.sum(func(rr *RuleReport) int {
		n := 0
		for _, u := range rr.Unreadable {
			n += u.Count
		}
		return n
	})
}

// Retried returns the number of records processed, over all rules, for
// events remembered earlier (RuleReport.Retried).
func (r *Report) Retried() int { return r.sum(func(rr *RuleReport) int { return rr.Retried }) }

// Forgotten returns the number of records left alone, over all rules,
// whose event could not be remembered (RuleReport.Forgotten).
func (r *Report) Forgotten() int { return r.sum(func(rr *RuleReport) int { return rr.Forgotten }) }

// sum adds up one count over all rules.
func (r *Report) sum(count func(*RuleReport) int) int {
	n := 0
	for i := range r.Rules {
		n += count(&r.Rules[i])
	}
	return n
}

// Err joins the errors of the rules that failed and RememberedErr, nil when
// there are none.
func (r *Report) Err() error {
	var errs []error
	if r.RememberedErr != nil {
		errs = append(errs, r.RememberedErr)
	}
	if r.Outbox.Err != nil {
		errs = append(errs, r.Outbox.Err)
	}
	if r.PurgeErr != nil && !errors.Is(r.PurgeErr, store.ErrPurgeDeferred) {
		errs = append(errs, r.PurgeErr)
	}
	for _, rr := range r.Rules {
		if rr.Err != nil {
			errs = append(errs, rr.Err)
		}
	}
	for _, kr := range r.Records {
		if kr.Err != nil {
			errs = append(errs, kr.Err)
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
