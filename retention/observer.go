package retention

import (
	"time"

	"github.com/frist-go/frist/notify"
)

// Observer receives the engine's metrics, e.g. to export them to
// Prometheus. Its methods are called synchronously from the goroutine that
// sweeps or triggers and must return quickly. They receive dataset and rule
// IDs and counts, never keys, subjects or field values.
//
// Implementations should embed NopObserver, so that methods added to
// Observer later have a default.
type Observer interface {
	// Processed reports n records processed by one batch of a rule.
	Processed(dataset, rule string, action Action, n int)
	// BatchFailed reports that a batch of a rule failed; it is retried at
	// the next sweep.
	BatchFailed(dataset, rule string)
	// SweepDone reports a finished sweep.
	SweepDone(s SweepStats)
	// Unreadable reports, at each sweep that finds them, n records that
	// the rule can never process because their value in the time column
	// cannot be read (see Unreadable).
	Unreadable(dataset, rule, column string, n int)
	// RecipientTold reports one notification of a rule's erasure to a
	// recipient of the dataset (Art. 19) and its outcome, at the first
	// attempt and at every later one (outbox.go); notify.NotTold is the
	// one to alert on, and notify.ByController after many is frist giving
	// up (RetryTellingFor).
	RecipientTold(dataset, rule, recipient string, outcome notify.Outcome)
}

// SweepStats summarises one sweep for an Observer.
type SweepStats struct {
	// Start is the engine time at which the sweep began.
	Start time.Time
	// Duration is how long the sweep took on the engine's clock.
	Duration time.Duration
	// Skipped is true when another replica held the sweep lease.
	Skipped bool
	// Processed is the number of records processed.
	Processed int
	// Failed is the number of rules whose processing failed, and of
	// keepers of frist's own records that failed (Engine.Keep).
	Failed int
	// Overdue is the number of records, not under a hold, whose deadline
	// had passed when the sweep ended: zero in a healthy system.
	Overdue int
	// Unreadable is the number of records whose time value cannot be
	// read, over all rules (Report.Unreadable): zero in a healthy system.
	Unreadable int
	// Records says what each keeper of frist's own records did
	// (Report.Records).
	Records []RecordsReport
	// OK is true when the sweep ran (not skipped) and no rule failed;
	// a metric "last successful sweep" is set from Start when OK.
	OK bool
}

// NopObserver is an Observer that does nothing. Embed it in an Observer to
// implement only the methods of interest.
type NopObserver struct{}

// Processed does nothing.
func (NopObserver) Processed(string, string, Action, int) {}

// BatchFailed does nothing.
func (NopObserver) BatchFailed(string, string) {}

// SweepDone does nothing.
func (NopObserver) SweepDone(SweepStats) {}

// Unreadable does nothing.
func (NopObserver) Unreadable(string, string, string, int) {}

// RecipientTold does nothing.
func (NopObserver) RecipientTold(string, string, string, notify.Outcome) {}
