package retention

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/notify"
)

// Defaults used when an Options field is zero.
const (
	// DefaultBatchSize bounds the records one batch processes, so that a
	// transaction stays short however much work a sweep finds.
	DefaultBatchSize = 1000
	// DefaultInterval is the time between two sweeps when neither
	// Options.Interval nor Options.Schedule is set: the Scheduler sweeps
	// every minute.
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
	// Interval is the longest time between two sweeps, and the Scheduler
	// sweeps at it ("@every Interval"). A rule without its own Lead may
	// process a record two intervals before its deadline, but never more
	// than its early window allows (policy.Period.MaxLead), so that a
	// running sweeper is never late and never early beyond that bound. New
	// refuses an interval longer than a rule's early window
	// (ErrIntervalTooLong), and one that is negative or shorter than a
	// second (cron sweeps at most once a second); it rounds an interval
	// down to a whole second. Leave it zero when Schedule is set. Default
	// DefaultInterval.
	Interval time.Duration
	// Schedule, when set, is a cron spec on which the Scheduler sweeps
	// instead: the standard five fields ("30 2 * * *") or a descriptor
	// ("@hourly", "@every 5m"), read in the declaration's zone
	// (policy.Declaration.Location) unless it begins with "CRON_TZ=Zone".
	// The interval is then the longest gap the spec leaves between two
	// sweeps in the coming year, in elapsed time, daylight-saving changes
	// included (ScheduleGap; "@daily" in Europe/Berlin: 25 hours), so the
	// engine's early window and the sweeps cannot disagree. New returns an
	// error wrapping ErrInvalidSchedule for a spec that does not parse or
	// never fires, or that is set together with Interval.
	Schedule string
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
	// Notifier tells the recipients of a dataset when a rule erases or
	// anonymizes its records (Art. 19; see notify.go for what is told to
	// whom). Nil: each such recipient is recorded in the audit log and the
	// report as one the controller must tell by other means. Give package
	// dsar's service the same Notifier (it uses the engine's when its own
	// is nil). Default: none.
	Notifier notify.Notifier
}

// interval returns the sweep interval, defaulted. In options New or
// Deadlines has resolved (withSweeps) it is the sweeps' interval.
func (o *Options) interval() time.Duration {
	if o == nil || o.Interval <= 0 {
		return DefaultInterval
	}
	return o.Interval
}

// sweeps is when an engine sweeps: the cron schedule its Scheduler runs,
// and the longest time between two of its activations, which is the
// interval every deadline is computed with.
type sweeps struct {
	spec     string
	schedule cron.Schedule
	loc      *time.Location // the zone the schedule is read in
	interval time.Duration
}

// withSweeps resolves Interval and Schedule, the one place the sweeps are
// set, into the sweeps in loc, and returns a copy of o whose Interval is
// theirs (and whose Schedule says where it came from). It reads now only
// to measure a Schedule's gaps from then on.
func (o *Options) withSweeps(loc *time.Location, now func() time.Time) (*Options, sweeps, error) {
	var r Options
	if o != nil {
		r = *o
	}
	sw := sweeps{spec: r.Schedule, loc: loc}
	switch {
	case r.Schedule != "" && r.Interval != 0:
		return nil, sweeps{}, fmt.Errorf("%w: Options.Interval %v and Options.Schedule %q are both set; the interval of a schedule is its longest gap, so set one of them",
			ErrInvalidSchedule, r.Interval, r.Schedule)
	case r.Schedule != "":
		s, err := parseSchedule(r.Schedule)
		if err != nil {
			return nil, sweeps{}, fmt.Errorf("%w (Options.Schedule)", err)
		}
		from := now()
		if s.Next(from.In(loc)).IsZero() {
			return nil, sweeps{}, fmt.Errorf("%w (Options.Schedule)", errNeverFires(r.Schedule))
		}
		sw.schedule, sw.interval = s, scheduleGap(s, loc, from)
	case r.Interval < 0:
		return nil, sweeps{}, fmt.Errorf("retention: Options.Interval %v is negative", r.Interval)
	case r.Interval > 0 && r.Interval < time.Second:
		return nil, sweeps{}, fmt.Errorf("retention: Options.Interval %v is shorter than a second, the shortest time a cron schedule keeps between two sweeps", r.Interval)
	default:
		// cron.Every rounds down to a whole second: the interval is what
		// the Scheduler keeps.
		every := cron.Every(r.interval())
		sw.spec, sw.schedule, sw.interval = "@every "+every.Delay.String(), every, every.Delay
	}
	r.Interval = sw.interval
	return &r, sw, nil
}

// intervalSource names where the interval of resolved options comes from,
// for errors.
func (o *Options) intervalSource() string {
	if o != nil && o.Schedule != "" {
		return fmt.Sprintf("the longest gap of Options.Schedule %q", o.Schedule)
	}
	return "Options.Interval"
}

// intervalSetting says what the interval of resolved options is and where
// it comes from, for errors.
func (o *Options) intervalSetting() string {
	if o != nil && o.Schedule != "" {
		return fmt.Sprintf("Options.Schedule %q, up to %v apart", o.Schedule, o.interval())
	}
	return fmt.Sprintf("Options.Interval %v", o.interval())
}

// defaultLead is how long before its deadline a rule without its own Lead
// may process a record, before the cap of its early window: two sweep
// intervals, so that the first sweep inside the window is at least one
// interval before the deadline.
func (o *Options) defaultLead() time.Duration { return 2 * o.interval() }

// clock returns Now, defaulted to time.Now.
func (o *Options) clock() func() time.Time {
	if o == nil || o.Now == nil {
		return time.Now
	}
	return o.Now
}

// keys returns the operator key rings, nil when there are none.
func (o *Options) keys() map[string]*anonymize.KeyRing {
	if o == nil {
		return nil
	}
	return o.Keys
}
