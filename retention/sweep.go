package retention

import (
	"context"
	"fmt"
	"time"

	"github.com/frist-go/frist/store"
)

// Sweep processes every record that is due under a time rule: each record
// whose earliest allowed time (deadline minus lead, never before
// keep_at_least ends) has come and that is not under a hold. Records are
// deleted or anonymized in batches, each atomic with its audit entry, until
// a batch comes back short (Art. 5(1)(e)). Batches start at
// Options.BatchSize and grow or shrink so that each holds the store's write
// lock for about Options.BatchBudget at most.
//
// Before the time rules, Sweep acts on the events Trigger remembered whose
// records have become free since (see Trigger), and reports them under
// their event rules with RuleReport.Remembered.
//
// Sweeps are cutoff-based and idempotent: a record processed once is never
// selected again, and a sweep after downtime catches up on everything that
// fell due meanwhile. Only one replica sweeps at a time; when another holds
// the store lease, the report says Skipped and nothing is done.
//
// A failing batch is reported on its rule (RuleReport.Err, Failed) and the
// sweep goes on with the other rules; the next sweep retries it. Sweep then
// returns the report together with Report.Err(). It returns an error
// without going on when the lease cannot be taken or kept or ctx ends; the
// report then holds the rules done so far.
func (e *Engine) Sweep(ctx context.Context) (*Report, error) {
	start := e.now()
	rep := &Report{Start: start}
	stats := func() SweepStats {
		rep.Duration = e.now().Sub(start)
		s := SweepStats{Start: start, Duration: rep.Duration, Skipped: rep.Skipped, Processed: rep.Processed(), Overdue: rep.Overdue()}
		for _, rr := range rep.Rules {
			if rr.Err != nil {
				s.Failed++
			}
		}
		if rep.PendingErr != nil {
			s.Failed++
		}
		return s
	}
	ok, err := e.st.AcquireLease(ctx, leaseName, e.owner, start, e.leaseTTL())
	if err != nil {
		e.obs.SweepDone(stats())
		return rep, fmt.Errorf("retention: taking the sweep lease: %w", err)
	}
	if !ok {
		rep.Skipped = true
		e.log.InfoContext(ctx, "retention: sweep skipped, another replica holds the lease")
		e.obs.SweepDone(stats())
		return rep, nil
	}
	defer func() {
		// Release even when ctx has ended, so another replica need not
		// wait for the lease to expire.
		if err := e.st.ReleaseLease(context.WithoutCancel(ctx), leaseName, e.owner); err != nil {
			e.log.WarnContext(ctx, "retention: releasing the sweep lease failed", "error", err)
		}
	}()
	// Remembered events first (pending.go): their records were due the
	// moment they became free.
	rep.Rules, rep.PendingErr, err = e.retryPending(ctx, start, true)
	if err != nil {
		s := stats()
		e.obs.SweepDone(s)
		e.log.ErrorContext(ctx, "retention: sweep stopped", "error", err, "processed", s.Processed)
		return rep, err
	}
	for _, ru := range e.rules {
		if ru.on != "" {
			continue
		}
		rr, err := e.sweepRule(ctx, ru, start)
		rep.Rules = append(rep.Rules, rr)
		if err != nil {
			s := stats()
			e.obs.SweepDone(s)
			e.log.ErrorContext(ctx, "retention: sweep stopped", "error", err, "processed", s.Processed)
			return rep, err
		}
	}
	s := stats()
	s.OK = s.Failed == 0
	e.obs.SweepDone(s)
	e.log.InfoContext(ctx, "retention: sweep done",
		"processed", s.Processed, "held", rep.Held(), "overdue", s.Overdue, "failed_rules", s.Failed, "duration", s.Duration)
	return rep, rep.Err()
}

// sweepRule processes the due records of one time rule. It returns an error
// only when the whole sweep must stop (lease lost, ctx ended); a failing
// batch is recorded in the rule's report.
func (e *Engine) sweepRule(ctx context.Context, ru *rule, now time.Time) (RuleReport, error) {
	rr := RuleReport{Dataset: ru.ds.ID, Rule: ru.id, Action: ru.action}
	sel := ru.selection(now, ru.timing.bounds(now, true))
	free, held, err := e.st.Count(ctx, sel)
	if err != nil {
		return e.failed(ctx, rr, 0, "counting due records", err)
	}
	rr.Held = held
	if free == 0 {
		return rr, ctx.Err()
	}
	if t, ok, err := e.st.Earliest(ctx, sel, ru.timing.from, time.Time{}); err != nil {
		return e.failed(ctx, rr, free, "finding the oldest due record", err)
	} else if ok {
		if late := now.Sub(ru.timing.latest(t)); late > 0 {
			rr.Lateness = late
		}
	}
	rr, err = e.process(ctx, ru, rr, sel, free, "", true)
	if err != nil {
		return rr, err
	}
	// What is still past its deadline now, not held, is overdue.
	over, _, err := e.st.Count(ctx, ru.selection(now, ru.timing.bounds(now, false)))
	if err != nil {
		e.log.WarnContext(ctx, "retention: counting overdue records failed", "dataset", ru.ds.ID, "rule", ru.id, "error", err)
	}
	rr.Overdue = over
	return rr, nil
}

// process runs batches of ru over sel until one comes back short, and
// stops once the batches have processed more than the free records counted
// beforehand, so a misbehaving backend cannot loop forever. Batches start
// at Options.BatchSize and adapt to Options.BatchBudget (batchsize.go).
// With lease set it renews the sweep lease before the first batch and then
// whenever a third of the lease's TTL has passed on the engine's clock:
// the lease cannot expire in between, and a renewal is a write of its own
// (on SQLite and PostgreSQL a commit with its fsync), which before every
// batch doubled the commits of a sweep.
func (e *Engine) process(ctx context.Context, ru *rule, rr RuleReport, sel store.Selection, free int, note string, lease bool) (RuleReport, error) {
	size := e.sizing.start
	var renewed time.Time // zero until the first renewal
	batch := store.Batch{Selection: sel, Action: ru.storeAction(), Audit: e.auditor(ru, sel.Now, note)}
	for done := 0; done <= free; {
		if err := ctx.Err(); err != nil {
			return rr, err
		}
		if now := e.now(); lease && (renewed.IsZero() || now.Sub(renewed) >= e.leaseTTL()/3) {
			ok, err := e.st.AcquireLease(ctx, leaseName, e.owner, now, e.leaseTTL())
			if err != nil {
				return rr, fmt.Errorf("retention: renewing the sweep lease: %w", err)
			}
			if !ok {
				return rr, ErrLeaseLost
			}
			renewed = now
		}
		batch.Limit = size
		took := e.sizing.stopwatch()
		res, err := e.st.Process(ctx, batch)
		if err != nil {
			return e.failed(ctx, rr, free-done, "batch failed", err)
		}
		n := res.Count
		done += n
		rr.Processed += n
		if n > 0 {
			e.obs.Processed(ru.ds.ID, ru.id, ru.action, n)
			e.log.InfoContext(ctx, "retention: batch processed", "dataset", ru.ds.ID, "rule", ru.id, "action", string(ru.action), "count", n)
		}
		if n < size {
			break
		}
		size = e.sizing.next(size, took())
	}
	return rr, nil
}

// failed records a failure of rule processing on rr: the rule is reported
// and retried at the next sweep; the sweep goes on unless ctx has ended.
func (e *Engine) failed(ctx context.Context, rr RuleReport, left int, what string, err error) (RuleReport, error) {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return rr, ctxErr
	}
	rr.Failed = max(left, 0)
	rr.Err = &RuleError{Dataset: rr.Dataset, Rule: rr.Rule, Reason: what, Err: err, processing: true}
	e.obs.BatchFailed(rr.Dataset, rr.Rule)
	e.log.ErrorContext(ctx, "retention: rule failed, retried at the next sweep", "dataset", rr.Dataset, "rule", rr.Rule, "left", rr.Failed, "error", rr.Err)
	return rr, nil
}
