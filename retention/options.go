package retention

import (
	"log/slog"
	"time"

	"github.com/frist-go/frist/anonymize"
)

// Defaults used when an Options field is zero.
const (
	// DefaultBatchSize bounds the records one batch processes, so that a
	// transaction stays short however much work a sweep finds.
	DefaultBatchSize = 1000
	// DefaultInterval is the assumed time between two sweeps.
	DefaultInterval = time.Minute
)

// Options configure an Engine and Deadlines. New needs Options with an
// AuditKey and refuses nil (ErrNoAuditKey); Deadlines, which writes no
// audit entries, takes nil for the defaults. Every field but AuditKey may
// be left zero for its default.
type Options struct {
	// Now returns the current time. The engine never reads the clock any
	// other way. Default: time.Now.
	Now func() time.Time
	// Keys are the key rings that keyed operators of the declaration name
	// ("pseudonym(key=bookings)").
	Keys map[string]*anonymize.KeyRing
	// AuditKey computes the keyed pseudonyms by which audit entries name
	// the subjects they touch (Art. 5(1)(c), Art. 32(1)(a)), and its
	// current key signs them (AuditSigner). Required: it has no default,
	// and New returns an error wrapping ErrNoAuditKey without it.
	AuditKey *anonymize.KeyRing
	// BatchSize is the number of records the first batch of a rule
	// processes, and the smallest batch adaptive sizing shrinks to.
	// Default DefaultBatchSize. When it is set and MaxBatchSize is not,
	// it is also the largest batch, so every batch has this size.
	BatchSize int
	// MaxBatchSize is the largest batch that adaptive sizing may grow to.
	// Default: BatchSize when that is set, else DefaultMaxBatchSize.
	MaxBatchSize int
	// BatchBudget is how long one batch, and so one write transaction,
	// should take at most. While one takes at most half of it, the next
	// grows to the size that would take half of it at the rate measured
	// (at least twice, at most eight times as large); batches shrink in
	// proportion, never below BatchSize, when one takes longer. So a sweep
	// of many records approaches the speed of a single statement while
	// no batch holds the store's write lock for much longer than one
	// budget (or one batch of BatchSize, if that takes longer); on SQLite
	// frist's own writes (holds, consent) wait at most for the batch in
	// progress (see package sqlitestore). Default
	// DefaultBatchBudget; a negative budget keeps every batch at
	// BatchSize.
	BatchBudget time.Duration
	// Interval is the longest time between two sweeps of the scheduler. A
	// rule without its own Lead may process a record two intervals before
	// its deadline, but never more than its early window allows
	// (policy.Period.MaxLead), so that a running sweeper is never late
	// and never early beyond that bound. New refuses an interval longer
	// than a rule's early window (ErrIntervalTooLong). Default
	// DefaultInterval.
	Interval time.Duration
	// Logger receives the engine's log records: rule IDs, counts and
	// durations, never keys, subjects or field values. Default: discard.
	Logger *slog.Logger
	// Observer receives metrics. Default: none.
	Observer Observer
	// Owner names this replica when it takes the sweep lease. Default: a
	// random UUID.
	Owner string
	// Ledger, when set, records every event-driven erasure (Trigger,
	// EraseSubject) before any record is touched, outside the database, so
	// that Replay can erase again what a restored backup brings back. See
	// Ledger and package ledger. Default: none.
	Ledger Ledger
}

// interval returns the sweep interval, defaulted.
func (o *Options) interval() time.Duration {
	if o == nil || o.Interval <= 0 {
		return DefaultInterval
	}
	return o.Interval
}

// defaultLead is how long before its deadline a rule without its own Lead
// may process a record, before the cap of its early window: two sweep
// intervals, so that the first sweep inside the window is at least one
// interval before the deadline.
func (o *Options) defaultLead() time.Duration { return 2 * o.interval() }

// keys returns the operator key rings, nil when there are none.
func (o *Options) keys() map[string]*anonymize.KeyRing {
	if o == nil {
		return nil
	}
	return o.Keys
}
