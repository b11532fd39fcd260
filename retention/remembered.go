package retention

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/frist-go/frist/internal/storecheck"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
)

// Remembered events.
//
// "Bei einer Terminstornierung oder einem Widerruf werden die verarbeiteten
// personenbezogenen Daten sofort gelöscht." (examples/policies/jobcenter.yaml). When an event
// finds records that may not be touched yet, because a legal hold or
// restriction covers them (Art. 17(3), Art. 18) or their statutory minimum
// (keep_at_least) has not ended, Trigger stores a store.RememberedEvent for
// each rule that left records alone. Every Sweep, and ReleaseHold at once,
// retries the remembered events: the records that have become free are
// processed by the event's rule, in audited batches like any event
// processing, and an entry is removed when nothing of it is left. So the
// event acts the moment its records are free, not when some time rule
// happens to cover them.
//
// The invariants are those of every processing: never while held, never
// before keep_at_least ends, each record once per rule (a processed record
// no longer matches the rule's selection), and a record that another rule
// deleted meanwhile simply no longer matches. A subject's event remembers
// the keys of the subject's records at the time of the event, so records
// the subject creates afterwards (a booking made with new consent) are not
// touched by an old withdrawal.

// InFlightGrace is how long after an event with recipients to tell was
// remembered (store.RememberedEvent.RememberedAt) a sweep leaves its entry
// alone when nothing of its records is left. Trigger remembers such an
// event before it acts and removes the entry once the recipients are told
// (notify.go); a sweep of another replica that met the entry in between
// and found the records gone could not tell whether that Trigger is still
// telling or died in a crash, and telling at once would tell the
// recipients twice in the first case. After InFlightGrace it takes the
// second: the recipients of an erasure a crash interrupted are told that
// much later. Clocks of replicas that differ by more than InFlightGrace
// can still make a sweep tell a second time.
const InFlightGrace = 10 * time.Minute

// rememberedPage is how many remembered events a retry reads at a time.
const rememberedPage = 100

// ErrRememberedFailed is returned by ReleaseHold when the hold was released
// but acting on remembered events failed; the next sweep retries them.
var ErrRememberedFailed = errors.New("retention: acting on remembered events failed")

// triggerEvent runs one target of an event, as Trigger does (act), and
// remembers the event for the records it leaves alone: those held or kept,
// before anything is processed, or else those of a batch that failed, so
// that the next sweep retries them. It remembers at most once.
//
// When the dataset has recipients to tell (notify.go), it remembers the
// event before it processes anything and forgets it only once the
// recipients were told: a crash in between leaves the entry, and the next
// sweep's retry (retryOne) processes what is left and tells them. So a
// crash can repeat a notification but never lose one.
func (e *Engine) triggerEvent(ctx context.Context, ev Event, tg target, now time.Time) (RuleReport, error) {
	tells := ev.replayOf == "" && e.hasRecipients(tg.ru.ds) // a replayed erasure was told when it first happened
	var early store.RememberedEvent
	if tells {
		id, err := uuid.NewV7()
		if err == nil {
			// A sweep of this engine leaves the entry to this call while
			// it runs, from before it is stored, so that the event's
			// records are processed, and reported, here (retryRemembered).
			e.acting.add(id.String())
			defer e.acting.remove(id.String())
			early, err = e.rememberEntry(ctx, ev, tg, now, id.String())
		}
		if err != nil {
			// The erasure matters more than the durability of its
			// notification: it goes on, and is told below as usual.
			e.log.WarnContext(ctx, "retention: event not remembered before acting: a crash before its recipients are told would lose the notification",
				"event", string(ev.Kind), "dataset", tg.ru.ds.ID, "rule", tg.ru.id, "error", err)
			early = store.RememberedEvent{}
		}
	}
	var rememberErr error
	remember := func(rr RuleReport, left int) RuleReport {
		switch {
		case rr.Remembered != "" || rememberErr != nil:
		case early.ID != "":
			rr.Remembered = early.ID
		default:
			rr, rememberErr = e.remember(ctx, ev, tg, rr, now, left)
		}
		return rr
	}
	var seen erased
	rr, err := e.act(ctx, ev, tg, tg.ru.timing.bounds(now, true), remember, &seen) // only keep_at_least: an event rule has no period
	rr.Err = joinErr(rr.Err, rememberErr)
	if !tells {
		return rr, err
	}
	c := cause{event: ev.Kind, purpose: ev.Purpose, subject: ev.Subject, keys: tg.sel.Keys}
	terr := e.tell(ctx, tg.ru, &rr, c, &seen, rr.Processed, now)
	rr.Err = joinErr(rr.Err, terr)
	if early.ID != "" && rr.Remembered == "" && err == nil && terr == nil {
		// Nothing was left alone and the recipients were told: the entry
		// is done. A failure to forget it leaves it to the next retry,
		// which finds nothing left and tells the recipients once more.
		if ferr := e.st.Forget(ctx, early.ID); ferr != nil && !errors.Is(ferr, store.ErrNotFound) {
			e.log.WarnContext(ctx, "retention: removing a remembered event failed; the next sweep removes it", "remembered", early.ID, "error", ferr)
		}
		e.purges.touchedOwn(store.RememberedRecords)
	}
	return rr, err
}

// hasRecipients reports whether ds has recipients to tell of its erasures
// (Engine.recipients).
func (e *Engine) hasRecipients(ds *policy.Dataset) bool { return len(e.recipients[ds.ID]) > 0 }

// remember stores the event of tg for the left records it did not
// process, or counts them as Forgotten when storing fails. It returns the
// error of storing, which is also recorded on rr.
func (e *Engine) remember(ctx context.Context, ev Event, tg target, rr RuleReport, now time.Time, left int) (RuleReport, error) {
	fail := func(what string, err error) (RuleReport, error) {
		rr.Forgotten = left
		rerr := &RuleError{Dataset: rr.Dataset, Rule: rr.Rule, Reason: what, Err: err, processing: true}
		e.obs.BatchFailed(rr.Dataset, rr.Rule)
		e.log.ErrorContext(ctx, "retention: event not remembered", "event", string(ev.Kind), "dataset", rr.Dataset, "rule", rr.Rule, "left", left, "error", rerr)
		return rr, rerr
	}
	id, err := uuid.NewV7()
	if err != nil {
		return fail("remembering the event: ID", err)
	}
	p, err := e.rememberEntry(ctx, ev, tg, now, id.String())
	if err != nil {
		return fail("remembering the event", err)
	}
	if p.ID == "" {
		return rr, nil // nothing is left after all
	}
	rr.Remembered = p.ID
	e.log.InfoContext(ctx, "retention: event remembered until its records are free",
		"event", string(ev.Kind), "dataset", rr.Dataset, "rule", rr.Rule, "remembered", p.ID, "left", left)
	return rr, nil
}

// acting is the set of remembered events whose Trigger is still acting on
// them in this process. A sweep or a release that met such an entry would
// process the event's records in its place, and Trigger would report none
// processed (a cancellation that looks like one of nothing). Another
// replica's sweep can still meet it: then the records it finds are
// processed there, once as always, Trigger's report counts fewer, and the
// recipients are told of each part by whoever processed it; a sweep that
// finds nothing left leaves the entry to the Trigger for InFlightGrace.
type acting struct {
	mu  sync.Mutex
	ids map[string]struct{}
}

func (a *acting) add(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.ids == nil {
		a.ids = map[string]struct{}{}
	}
	a.ids[id] = struct{}{}
}

func (a *acting) remove(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.ids, id)
}

func (a *acting) has(id string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, ok := a.ids[id]
	return ok
}

// rememberEntry stores the event of tg as a store.RememberedEvent with id
// for the records it selects: the event's keys, or, for a subject's event,
// the keys of the subject's records now, so that records created later are
// not covered. It returns the zero entry, and stores nothing, when the subject
// has no records.
func (e *Engine) rememberEntry(ctx context.Context, ev Event, tg target, now time.Time, id string) (store.RememberedEvent, error) {
	keys := tg.sel.Keys
	if keys == nil {
		err := storecheck.Records(tg.ru.ds, []string{})
		var recs []store.Record
		if err == nil {
			recs, err = e.st.Records(ctx, tg.ru.ds.ID, tg.sel.Subject, []string{})
		}
		if err != nil {
			return store.RememberedEvent{}, fmt.Errorf("reading the subject's records: %w", err)
		}
		if len(recs) == 0 {
			return store.RememberedEvent{}, nil
		}
		for _, r := range recs {
			keys = append(keys, r.Key)
		}
	}
	p := store.RememberedEvent{
		ID: id, Dataset: tg.ru.ds.ID, Rule: tg.ru.id, Event: string(ev.Kind),
		Keys: keys, Subject: tg.sel.Subject, Purpose: ev.Purpose, At: ev.At, RememberedAt: now,
	}
	// The store is promised a complete entry (store.RememberedEvents).
	if err := storecheck.Remembered(tg.ru.ds, p); err != nil {
		return store.RememberedEvent{}, err
	}
	if err := e.st.Remember(ctx, p); err != nil {
		return store.RememberedEvent{}, err
	}
	return p, nil
}

// retryRemembered acts on every remembered event at now: it processes the
// records that have become free and removes an entry when nothing of it is
// left. It returns one report per event rule, in the order the rules were
// first met, and the error that reading the entries gave (the next sweep
// retries); it returns a non-nil last error only when the caller must stop
// (ctx ended, sweep lease lost). With lease set it renews the sweep lease
// before every batch.
func (e *Engine) retryRemembered(ctx context.Context, now time.Time, lease *sweepLease) (rules []RuleReport, listErr, stop error) {
	byRule := map[[2]string]int{}
	for after := ""; ; {
		page, err := e.st.ListRemembered(ctx, after, rememberedPage)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return rules, nil, ctxErr
			}
			e.log.ErrorContext(ctx, "retention: reading remembered events failed, retried at the next sweep", "error", err)
			return rules, fmt.Errorf("retention: reading remembered events: %w", err), nil
		}
		for _, p := range page {
			if e.acting.has(p.ID) {
				continue // its Trigger is still acting on it
			}
			rr, err := e.retryOne(ctx, p, now, lease)
			k := [2]string{rr.Dataset, rr.Rule}
			if i, ok := byRule[k]; ok {
				rules[i] = mergeRule(rules[i], rr)
			} else {
				byRule[k] = len(rules)
				rules = append(rules, rr)
			}
			if err != nil {
				return rules, nil, err
			}
		}
		if len(page) < rememberedPage {
			return rules, nil, nil
		}
		after = page[len(page)-1].ID
	}
}

// retryOne acts on one remembered event. It returns an error only when the
// caller must stop; a failure is recorded on the report and the entry is
// kept for the next sweep.
func (e *Engine) retryOne(ctx context.Context, p store.RememberedEvent, now time.Time, lease *sweepLease) (RuleReport, error) {
	rr := RuleReport{Dataset: p.Dataset, Rule: p.Rule, Event: policy.Event(p.Event)}
	ru := e.eventRule(p.Dataset, p.Rule, policy.Event(p.Event))
	if ru == nil {
		return e.failed(ctx, rr, len(p.Keys), fmt.Sprintf(
			"remembered event %s: the declaration in force has no rule %s reacting to %s in dataset %s; the event stays remembered",
			p.ID, p.Rule, p.Event, p.Dataset), ErrNoRule)
	}
	rr.Action = ru.action
	sel := ru.selection(now, ru.timing.bounds(now, true))
	sel.Keys = p.Keys
	sel.Subject = p.Subject
	free, _, err := storecheck.Count(ctx, e.st, ru.ds, sel)
	if err != nil {
		return e.failed(ctx, rr, 0, "counting the records of a remembered event", err)
	}
	if free > 0 {
		note := fmt.Sprintf("on %s, remembered since %s", p.Event, p.At.UTC().Format(time.RFC3339))
		var seen erased
		rr, err = e.process(ctx, ru, rr, sel, free, note, lease, &seen)
		rr.Retried = rr.Processed
		c := cause{event: policy.Event(p.Event), purpose: p.Purpose, subject: p.Subject}
		if p.Subject == "" {
			c.keys = p.Keys
		}
		if terr := e.tell(ctx, ru, &rr, c, &seen, rr.Processed, now); terr != nil {
			rr.Err = joinErr(rr.Err, terr)
			return rr, nil // the entry stays: the next retry tells them
		}
		if err != nil || rr.Err != nil {
			return rr, err
		}
	}
	rest := sel
	rest.Bounds = nil
	leftFree, leftHeld, err := storecheck.Count(ctx, e.st, ru.ds, rest)
	if err != nil {
		return e.failed(ctx, rr, 0, "counting what is left of a remembered event", err)
	}
	rr.Held, rr.Kept = leftHeld, leftFree
	if leftFree+leftHeld > 0 {
		return rr, nil
	}
	if rr.Processed == 0 {
		if e.hasRecipients(ru.ds) && !p.RememberedAt.IsZero() && now.Sub(p.RememberedAt) < InFlightGrace {
			// The records may have gone by the Trigger that remembered
			// the entry and may still be telling the recipients, in
			// another replica: it removes the entry itself once they are
			// told, and telling here too would tell them twice. Should
			// that Trigger have died, a sweep after InFlightGrace tells
			// them.
			return rr, nil
		}
		// Nothing of the event is left, and this retry processed none of
		// it: its records went before, by this event before a crash that
		// kept its recipients from being told (triggerEvent), or by
		// another rule. Tell them now, before the entry goes: telling
		// twice is harmless, never telling is not. The count is the
		// records the event named.
		c := cause{event: policy.Event(p.Event), purpose: p.Purpose, subject: p.Subject}
		if p.Subject == "" {
			c.keys = p.Keys
		}
		if terr := e.tell(ctx, ru, &rr, c, nil, len(p.Keys), now); terr != nil {
			rr.Err = joinErr(rr.Err, terr)
			return rr, nil
		}
	}
	if err := e.st.Forget(ctx, p.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		// Another replica may have removed it first (ErrNotFound); any
		// other failure leaves an entry with nothing left, which the next
		// retry removes.
		return e.failed(ctx, rr, 0, "removing a remembered event", err)
	}
	// The deleted entry named the subject or the records' keys: the next
	// purge removes it from the store's files too.
	e.purges.touchedOwn(store.RememberedRecords)
	e.log.InfoContext(ctx, "retention: remembered event done", "remembered", p.ID, "event", p.Event, "dataset", p.Dataset, "rule", p.Rule)
	return rr, nil
}

// eventRule returns the compiled rule with id of dataset that reacts to ev,
// or nil when the declaration in force has none.
func (e *Engine) eventRule(dataset, id string, ev policy.Event) *rule {
	for _, ru := range e.rulesOf(dataset) {
		if ru.id == id && ru.on == ev && ev != "" {
			return ru
		}
	}
	return nil
}

// mergeRule adds the counts of b, a report of the same rule, to a.
func mergeRule(a, b RuleReport) RuleReport {
	a.Processed += b.Processed
	a.Retried += b.Retried
	a.Held += b.Held
	a.Kept += b.Kept
	a.Failed += b.Failed
	a.Err = joinErr(a.Err, b.Err)
	if a.Action == "" {
		a.Action = b.Action
	}
	return a
}

// joinErr joins two errors, returning either unchanged when the other is
// nil, so that a single *RuleError stays one.
func joinErr(a, b error) error {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return errors.Join(a, b)
}

// retryAfterRelease acts on the remembered events at once after a hold was
// released at now, and says what it did in the log. It returns an error
// wrapping ErrRememberedFailed when something failed; the next sweep retries.
func (e *Engine) retryAfterRelease(ctx context.Context, now time.Time) error {
	rep := &Report{Start: now}
	var stop error
	rep.Rules, rep.RememberedErr, stop = e.retryRemembered(ctx, now, nil)
	rep.Duration = e.now().Sub(now)
	if n := rep.Processed(); n > 0 {
		e.log.InfoContext(ctx, "retention: remembered events acted on after a release", "processed", n, "held", rep.Held())
	}
	if err := errors.Join(stop, rep.Err()); err != nil {
		return fmt.Errorf("%w: %w", ErrRememberedFailed, err)
	}
	return nil
}
