package retention

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/frist-go/frist/internal/storecheck"
	"github.com/frist-go/frist/policy"
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
// their event rules with RuleReport.Retried.
//
// Sweeps are cutoff-based and idempotent: a record processed once is never
// selected again, and a sweep after downtime catches up on everything that
// fell due meanwhile. Only one replica sweeps at a time; when another holds
// the store lease, the report says Skipped and nothing is done.
//
// A due record under a hold is reported in its rule's RuleReport.Held. So
// is one the store leaves alone for a reason of its own, as
// store/logstore leaves the lines of the file the server is still writing
// until it is rotated: it is counted by the first sweep whose batches for
// the rule process nothing although a record is due, at the latest the
// sweep after the one that processed every record due before it, and from
// then on at every sweep, with RuleReport.Lateness telling how long the
// oldest of them is overdue. Counting it in the sweep that processed
// records too would walk what that sweep's deletes left in the indexes.
//
// After the time rules, Sweep calls the keepers of frist's own records
// registered with Keep, with its start time, deletes the holds and drops
// the audit entries whose period ended, and reports them in
// Report.Records. Last, it tries again the notifications to recipients that
// could not be delivered before and whose time has come (Report.Outbox),
// so that a recipient that cannot be reached never delays an erasure.
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
		s := SweepStats{Start: start, Duration: rep.Duration, Skipped: rep.Skipped, Processed: rep.Processed(), Overdue: rep.Overdue(), Unreadable: rep.Unreadable(), Records: rep.Records}
		for _, rr := range rep.Rules {
			if rr.Err != nil {
				s.Failed++
			}
		}
		if rep.RememberedErr != nil {
			s.Failed++
		}
		if rep.Outbox.Err != nil {
			s.Failed++
		}
		for _, kr := range rep.Records {
			if kr.Err != nil {
				s.Failed++
			}
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
		// What this replica's triggers left behind is purged all the same.
		rep.PurgeErr = e.purge(ctx)
		e.obs.SweepDone(stats())
		return rep, rep.Err()
	}
	lease := &sweepLease{renewed: start}
	defer func() {
		// Release even when ctx has ended, so another replica need not
		// wait for the lease to expire.
		if err := e.st.ReleaseLease(context.WithoutCancel(ctx), leaseName, e.owner); err != nil {
			e.log.WarnContext(ctx, "retention: releasing the sweep lease failed", "error", err)
		}
	}()
	// Remembered events first (remembered.go): their records were due the
	// moment they became free.
	rep.Rules, rep.RememberedErr, err = e.retryRemembered(ctx, start, lease)
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
		rr, err := e.sweepRule(ctx, ru, start, lease)
		rep.Rules = append(rep.Rules, rr)
		if err != nil {
			s := stats()
			e.obs.SweepDone(s)
			e.log.ErrorContext(ctx, "retention: sweep stopped", "error", err, "processed", s.Processed)
			return rep, err
		}
	}
	// frist's own records, after the rules and under the same lease
	// (records.go).
	rep.Records, err = e.keepRecords(ctx, start, lease)
	if err != nil {
		s := stats()
		e.obs.SweepDone(s)
		e.log.ErrorContext(ctx, "retention: sweep stopped", "error", err, "processed", s.Processed)
		return rep, err
	}
	// Notifications that could not be delivered before, under the same
	// lease and after the rules and records, so that a recipient that
	// cannot be reached never delays an erasure (outbox.go).
	rep.Outbox, err = e.retryTelling(ctx, start)
	if err != nil {
		s := stats()
		e.obs.SweepDone(s)
		e.log.ErrorContext(ctx, "retention: sweep stopped", "error", err, "processed", s.Processed)
		return rep, err
	}
	rep.PurgeErr = e.purge(ctx)
	s := stats()
	s.OK = s.Failed == 0 && (rep.PurgeErr == nil || errors.Is(rep.PurgeErr, store.ErrPurgeDeferred))
	e.obs.SweepDone(s)
	e.log.InfoContext(ctx, "retention: sweep done",
		"processed", s.Processed, "held", rep.Held(), "overdue", s.Overdue, "failed_rules", s.Failed, "duration", s.Duration)
	return rep, rep.Err()
}

// sweepRule processes the due records of one time rule. It returns an error
// only when the whole sweep must stop (lease lost, ctx ended); a failing
// batch is recorded in the rule's report.
//
// It counts nothing it need not: counting the due records beforehand reads
// each of them once more, as much as a set-based delete costs, and
// counting afterwards walks the index entries the delete left behind,
// which on PostgreSQL costs more than the delete until VACUUM has run. The
// oldest due record (one index probe) tells whether there is anything to
// do and how late the rule is. Held records are counted only when a hold
// the store lists applies to the dataset, read after the rule's batches so
// that a hold placed while they ran is counted too, or when the batches
// processed nothing although the probe found a due record: then no delete
// left index entries behind, and the count says why the record stayed,
// also when the backend left it alone for a reason of its own (logstore's
// live file, which Count reports as held). Overdue ones are counted only
// after a failure or when records are held: a rule
// whose batches ran until one came back short has no free record left past
// its deadline, but for one that arrived or was locked by the application
// meanwhile, which the next sweep takes.
func (e *Engine) sweepRule(ctx context.Context, ru *rule, now time.Time, lease *sweepLease) (RuleReport, error) {
	rr := RuleReport{Dataset: ru.ds.ID, Rule: ru.id, Action: ru.action}
	sel := ru.selection(now, ru.timing.bounds(now, true))
	e.reportUnreadable(ctx, ru, &rr, sel)
	t, ok, err := storecheck.Earliest(ctx, e.st, ru.ds, sel, ru.timing.from, time.Time{})
	if err != nil {
		return e.failed(ctx, rr, 0, "finding the oldest due record", err)
	}
	if !ok {
		// Nothing is due, but earlier sweeps' erasures may still wait to
		// be told.
		if err := e.tellTimeRule(ctx, ru, &rr, cutoffOf(sel, ru.timing.from), now); err != nil {
			rr.Err = joinErr(rr.Err, err)
		}
		return rr, ctx.Err()
	}
	if late := now.Sub(ru.timing.latest(t)); late > 0 {
		rr.Lateness = late
	}
	rr, err = e.process(ctx, ru, rr, sel, unknownLeft, "", lease, nil)
	if err != nil {
		return rr, err
	}
	if err := e.tellTimeRule(ctx, ru, &rr, cutoffOf(sel, ru.timing.from), now); err != nil {
		rr.Err = joinErr(rr.Err, err)
	}
	if rr.Processed == 0 || e.mayBeHeld(ctx, ru.ds, now) {
		if _, rr.Held, err = storecheck.Count(ctx, e.st, ru.ds, sel); err != nil {
			e.log.WarnContext(ctx, "retention: counting held records failed", "dataset", ru.ds.ID, "rule", ru.id, "error", err)
		}
	}
	if rr.Err != nil || rr.Held > 0 {
		// What is still past its deadline now, not held, is overdue.
		over, _, err := storecheck.Count(ctx, e.st, ru.ds, ru.selection(now, ru.timing.bounds(now, false)))
		if err != nil {
			e.log.WarnContext(ctx, "retention: counting overdue records failed", "dataset", ru.ds.ID, "rule", ru.id, "error", err)
		}
		rr.Overdue = over
	}
	return rr, nil
}

// mayBeHeld reports whether records of ds may be held at now: a hold
// active at now names ds, or names a subject in every dataset and ds has
// a subject column, or the holds cannot be read. Holds are read when
// asked, after the rule's batches, not once per sweep: a hold placed
// while a sweep runs excludes its records at once (store.Holds), and the
// report counts them.
func (e *Engine) mayBeHeld(ctx context.Context, ds *policy.Dataset, now time.Time) bool {
	hs, err := e.st.ListHolds(ctx, now)
	if err != nil {
		e.log.WarnContext(ctx, "retention: reading holds failed; held records are counted", "dataset", ds.ID, "error", err)
		return true
	}
	for _, h := range hs {
		if h.Dataset == ds.ID || (h.Dataset == "" && ds.Subject != "") {
			return true
		}
	}
	return false
}

// unknownLeft tells process and failed that the number of records left
// to process was not counted.
const unknownLeft = -1

// sweepLease is the lease a sweep holds: when it was taken or last
// renewed on the engine's clock. A nil *sweepLease means the caller holds
// no lease (Trigger, EraseSubject) and none is renewed.
type sweepLease struct{ renewed time.Time }

// renewLease renews the sweep lease when a third of its TTL has passed on
// the engine's clock since it was taken or last renewed (see process). A
// nil lease is not renewed.
func (e *Engine) renewLease(ctx context.Context, lease *sweepLease) error {
	now := e.now()
	if lease == nil || now.Sub(lease.renewed) < e.leaseTTL()/3 {
		return nil
	}
	ok, err := e.st.AcquireLease(ctx, leaseName, e.owner, now, e.leaseTTL())
	if err != nil {
		return fmt.Errorf("retention: renewing the sweep lease: %w", err)
	}
	if !ok {
		return ErrLeaseLost
	}
	lease.renewed = now
	return nil
}

// process runs batches of ru over sel until one comes back short. When
// free, the number of free records counted beforehand, is known (not
// unknownLeft), it also stops once the batches have processed more than
// that, so a misbehaving backend cannot loop forever. Batches start at
// Options.BatchSize and adapt to Options.BatchBudget (batchsize.go).
//
// With a lease it renews the lease whenever a third of its TTL has passed
// on the engine's clock since it was taken or last renewed: the lease
// cannot expire in between, and a renewal is a write of its own (on SQLite
// and PostgreSQL a commit with its fsync), which before every batch
// doubled the commits of a sweep.
func (e *Engine) process(ctx context.Context, ru *rule, rr RuleReport, sel store.Selection, free int, note string, lease *sweepLease, seen *erased) (RuleReport, error) {
	size := e.sizing.start
	// The backend is promised a well-formed batch whose callbacks neither
	// panic nor return what was not asked (store.Batch). Only Limit and
	// After change from batch to batch, so it is checked once.
	first := sel
	first.Limit = size
	batch, err := storecheck.Batch(ru.ds, store.Batch{Selection: first, Action: ru.storeAction(), Audit: e.auditor(ru, sel.Now, note)})
	if err != nil {
		left := free
		if free == unknownLeft {
			left, _, _ = storecheck.Count(ctx, e.st, ru.ds, sel)
		}
		return e.failed(ctx, rr, left, "batch failed", err)
	}
	for done := 0; free == unknownLeft || done <= free; {
		if err := ctx.Err(); err != nil {
			return rr, err
		}
		if err := e.renewLease(ctx, lease); err != nil {
			return rr, err
		}
		batch.Limit = size
		took := e.sizing.stopwatch()
		res, err := e.st.Process(ctx, batch)
		if err != nil {
			left := free - done
			if free == unknownLeft {
				// Counted now, as well as a failing store allows.
				left, _, _ = storecheck.Count(ctx, e.st, ru.ds, sel)
			}
			return e.failed(ctx, rr, left, "batch failed", err)
		}
		n := res.Count
		if n > 0 {
			e.purges.touched(sel.Dataset)
			seen.add(res)
		}
		// The next batch starts behind this one (store.Selection.After):
		// records that stay in place are not read again.
		batch.After = res.Next
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
// left is how many records were left unprocessed.
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
