package retention

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// DefaultSweepTimeout bounds one sweep when SchedulerOptions.Timeout is
// zero. A sweep that runs longer is cancelled; the records it did not reach
// stay due and the next sweep takes them.
const DefaultSweepTimeout = 10 * time.Minute

// Scheduler errors, for errors.Is.
var (
	// ErrInvalidSchedule is wrapped by the error New and Deadlines return
	// for an Options.Schedule that does not parse or never fires, or that
	// is set together with Options.Interval, and by ScheduleGap's.
	ErrInvalidSchedule = errors.New("retention: invalid schedule")
	// ErrSchedulerRunning is returned by Start when the scheduler is
	// already started, or when sweeps of an earlier run are still
	// finishing after a Stop that gave up waiting.
	ErrSchedulerRunning = errors.New("retention: scheduler already running")
	// ErrSweepPanicked is passed to SchedulerOptions.OnSweep when a sweep
	// panicked. The panic itself is recovered and logged with its stack.
	ErrSweepPanicked = errors.New("retention: sweep panicked")
)

// SchedulerOptions configure a Scheduler. A nil *SchedulerOptions and zero
// fields mean the defaults. When to sweep is not among them: the engine's
// Options.Interval or Options.Schedule sets it, in one place, so that the
// sweeps and the early window of every rule cannot disagree.
type SchedulerOptions struct {
	// Timeout bounds each sweep. Default DefaultSweepTimeout; it must not
	// be negative.
	Timeout time.Duration
	// Logger receives the scheduler's log: failed and skipped sweeps and
	// recovered panics with their stacks. Default slog.Default().
	Logger *slog.Logger
	// OnSweep, when set, is called after every sweep the scheduler starts
	// with the sweep's report and error (ErrSweepPanicked for a panic).
	// It runs on the sweep's goroutine; sweeps never overlap, so OnSweep
	// is never called concurrently with itself by one Scheduler.
	OnSweep func(*Report, error)
}

// A Scheduler runs Engine.Sweep on the engine's schedule with
// github.com/robfig/cron/v3: every Options.Interval, or at the activations
// of Options.Schedule, whose longest gap is the engine's interval. So every
// record is processed within its window, as Art. 5(1)(e) (storage
// limitation) and the declared periods demand.
//
// A Scheduler is configured defensively against cron's known pitfalls:
//
//   - Panics. cron runs jobs without recovering panics unless asked, and
//     cron.SkipIfStillRunning loses its token when a job panics through it,
//     which would silently skip every later run. The Scheduler always
//     installs cron.SkipIfStillRunning outside cron.Recover, so a panicking
//     sweep is recovered (and logged with its stack through Logger), and
//     the next tick sweeps again.
//   - Overlap. cron starts a job on every tick even if the previous run has
//     not finished. The Scheduler skips a tick while a sweep is running
//     (cron.SkipIfStillRunning), and logs the skip; no two sweeps of one
//     Scheduler ever run at once.
//   - Missed runs. cron does not catch up activations missed while the
//     process was down, or skipped because a sweep was still running. This
//     is harmless for frist: a sweep is cutoff-based and processes every
//     record whose window has opened, however long ago, so the first sweep
//     after Start (which runs immediately, not at the first tick) catches up
//     all downtime.
//   - Daylight saving. For a spec such as "30 2 * * *" interpreted in a zone
//     with daylight saving, cron skips the activation on the day the clock
//     jumps from 02:00 to 03:00 and runs it twice on the day the clock goes
//     back. The default spec runs every minute and is unaffected (a minute
//     of the skipped hour does not exist, and the repeated hour is swept
//     twice, harmlessly). For a sparser spec New measures the gaps as
//     cron will leave them, in elapsed time, the skipped activation and
//     the 23- and 25-hour days included (ScheduleGap), and takes the
//     longest as the engine's interval; a skipped sweep is caught up by
//     the next one and a repeated sweep finds nothing left to do. The
//     zone is the declaration's unless the spec names one.
//   - Time. cron reads time.Now and its own timers and offers no clock to
//     inject. The Scheduler therefore only decides when to sweep; what is
//     due is decided by the engine's injected clock. Tests drive both with
//     testing/synctest, whose fake clock cron's timers follow.
//   - Context. cron's Job.Run takes no context and returns no error. The
//     Scheduler derives each sweep's context from the context given to
//     Start, bounded by Timeout and cancelled by Stop, and hands the
//     sweep's report and error to OnSweep.
//
// A Scheduler is safe for concurrent use. Several replicas of an
// application may each run one; the engine's store lease makes sure that
// only one of them sweeps at a time.
type Scheduler struct {
	sweep    func(context.Context) (*Report, error)
	schedule cron.Schedule
	spec     string
	loc      *time.Location
	timeout  time.Duration
	log      *slog.Logger
	onSweep  func(*Report, error)

	mu  sync.Mutex
	cur *schedulerRun // the running run, nil when stopped
	// last is the most recent run, kept until its sweeps have finished.
	last *schedulerRun
}

// schedulerRun is the state of one Start–Stop cycle.
type schedulerRun struct {
	cron   *cron.Cron
	cancel context.CancelFunc
	// unwatch stops the watcher that stops cron when Start's context ends.
	unwatch func() bool
	// first tracks the first sweep, which runs outside cron.
	first sync.WaitGroup
	// finished is closed when cron has stopped and every sweep of the run
	// has returned.
	finished chan struct{}
	stopOnce sync.Once
}

// NewScheduler returns a Scheduler that sweeps eng on the engine's
// schedule (Options.Interval or Options.Schedule). The scheduler does
// nothing until Start.
func NewScheduler(eng *Engine, opts *SchedulerOptions) (*Scheduler, error) {
	if eng == nil {
		return nil, errors.New("retention: NewScheduler: engine is nil")
	}
	return newScheduler(eng.Sweep, eng.sweeps, opts)
}

// Interval returns the longest time between two sweeps, which every
// deadline is computed with: Options.Interval, or the longest gap of
// Options.Schedule. A rule without its own lead may process a record two
// intervals before its deadline, within its early window (Lead).
func (e *Engine) Interval() time.Duration { return e.sweeps.interval }

// Lead returns how long before a deadline the time rule of dataset with
// the given ID may act: its declared lead, or two intervals but never more
// than its bound (policy.Period.MaxLead; docs/DESIGN.md, "Never early").
// It returns false for an event rule or a rule the engine does not run.
func (e *Engine) Lead(dataset, rule string) (time.Duration, bool) {
	for _, ru := range e.rules {
		if ru.ds.ID == dataset && ru.id == rule && ru.on == "" {
			return ru.timing.lead, true
		}
	}
	return 0, false
}

// newScheduler builds a Scheduler around a sweep function that runs on
// sw.
func newScheduler(sweep func(context.Context) (*Report, error), sw sweeps, opts *SchedulerOptions) (*Scheduler, error) {
	var o SchedulerOptions
	if opts != nil {
		o = *opts
	}
	loc := sw.loc
	if loc == nil {
		loc = time.UTC
	}
	switch {
	case o.Timeout < 0:
		return nil, fmt.Errorf("retention: scheduler timeout %v is negative", o.Timeout)
	case o.Timeout == 0:
		o.Timeout = DefaultSweepTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Scheduler{
		sweep:    sweep,
		schedule: sw.schedule,
		spec:     sw.spec,
		loc:      loc,
		timeout:  o.Timeout,
		log:      o.Logger,
		onSweep:  o.OnSweep,
	}, nil
}

// errNeverFires is the error for a spec without activations.
func errNeverFires(spec string) error {
	return fmt.Errorf("%w %q: it never fires", ErrInvalidSchedule, spec)
}

// parseSchedule parses a standard cron spec or descriptor. robfig/cron
// panics on some malformed specs ("CRON_TZ=Europe/Berlin" without a
// schedule); parseSchedule turns that into an error too.
func parseSchedule(spec string) (s cron.Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("%w %q: malformed", ErrInvalidSchedule, spec)
		}
	}()
	s, err = cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %v", ErrInvalidSchedule, spec, err)
	}
	return s, nil
}

// Spec returns the cron spec the scheduler runs on: Options.Schedule, or
// "@every" the engine's interval.
func (s *Scheduler) Spec() string { return s.spec }

// Location returns the time zone the spec is interpreted in.
func (s *Scheduler) Location() *time.Location { return s.loc }

// Start starts the scheduler: it runs a first sweep at once (in the
// background), which catches up everything that became due while the
// application was down, and then one sweep at every activation of the
// spec. Each sweep's context derives from ctx; when ctx ends, running
// sweeps are cancelled and no further sweep starts. Start returns
// ErrSchedulerRunning when the scheduler is already started. Call Stop to
// release it; a stopped Scheduler may be started again.
func (s *Scheduler) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur != nil {
		return ErrSchedulerRunning
	}
	if s.last != nil {
		select {
		case <-s.last.finished:
		default:
			return fmt.Errorf("%w: sweeps of the previous run have not finished", ErrSchedulerRunning)
		}
	}
	runCtx, cancel := context.WithCancel(ctx)
	cl := cronLogger{s.log}
	r := &schedulerRun{
		cron: cron.New(
			cron.WithLocation(s.loc),
			cron.WithLogger(cl),
		),
		cancel:   cancel,
		finished: make(chan struct{}),
	}
	// SkipIfStillRunning must be the outer wrapper: a panic passing through
	// it would keep its token and skip every later run.
	job := cron.NewChain(cron.SkipIfStillRunning(cl), cron.Recover(cl)).
		Then(cron.FuncJob(func() { s.runSweep(runCtx) }))
	r.cron.Schedule(s.schedule, job)
	r.first.Add(1)
	go func() {
		defer r.first.Done()
		job.Run()
	}()
	r.cron.Start()
	r.unwatch = context.AfterFunc(runCtx, func() { r.cron.Stop() })
	s.cur, s.last = r, r
	s.log.Info("retention: scheduler started", "spec", s.spec, "location", s.loc.String())
	return nil
}

// Stop stops the scheduler: no further sweep starts, the running sweep's
// context is cancelled, and Stop waits until it has returned or ctx ends,
// whichever comes first; in the latter case it returns ctx's error (the
// sweep still finishes in the background, and Start refuses to run again
// until it has). Stopping a scheduler that is not running does nothing.
func (s *Scheduler) Stop(ctx context.Context) error {
	s.mu.Lock()
	r := s.cur
	s.cur = nil
	s.mu.Unlock()
	if r == nil {
		return nil
	}
	r.stopOnce.Do(func() {
		r.unwatch()
		cronDone := r.cron.Stop()
		r.cancel()
		go func() {
			<-cronDone.Done()
			r.first.Wait()
			close(r.finished)
		}()
	})
	select {
	case <-r.finished:
		s.log.Info("retention: scheduler stopped")
		return nil
	case <-ctx.Done():
		return fmt.Errorf("retention: stopping scheduler: %w", ctx.Err())
	}
}

// runSweep runs one sweep with a context derived from ctx and reports it.
// A panic is reported to OnSweep as ErrSweepPanicked and re-raised for
// cron.Recover to log with its stack.
func (s *Scheduler) runSweep(ctx context.Context) {
	if ctx.Err() != nil {
		return // stopped between the tick and now
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	done := false
	defer func() {
		if done {
			return
		}
		r := recover()
		s.report(nil, fmt.Errorf("%w: %v", ErrSweepPanicked, r))
		panic(r)
	}()
	rep, err := s.sweep(ctx)
	done = true
	s.report(rep, err)
}

// report logs a sweep's outcome and passes it to OnSweep.
func (s *Scheduler) report(rep *Report, err error) {
	if err != nil && !errors.Is(err, ErrSweepPanicked) {
		s.log.Error("retention: sweep failed", "error", err)
	}
	if s.onSweep != nil {
		s.onSweep(rep, err)
	}
}

// cronLogger adapts robfig/cron's logger interface to log/slog. cron's
// routine messages (wake, run, schedule) go to Debug; a skipped run, which
// means a sweep took longer than the interval, to Warn; errors (recovered
// panics with their stacks) to Error.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, keysAndValues ...any) {
	if msg == "skip" {
		c.l.Warn("retention: sweep skipped, the previous sweep is still running")
		return
	}
	c.l.Debug("cron: "+msg, keysAndValues...)
}

func (c cronLogger) Error(err error, msg string, keysAndValues ...any) {
	if msg == "panic" {
		msg = "retention: sweep panicked"
	} else {
		msg = "cron: " + msg
	}
	c.l.Error(msg, append([]any{"error", err}, keysAndValues...)...)
}
