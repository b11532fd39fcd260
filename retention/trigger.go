package retention

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/frist-go/frist/internal/storecheck"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
)

// Event is something that happened to a record or a subject and that rules
// with on: react to immediately (docs/DESIGN.md, "Events act at once").
//
// An event names either one record, by Dataset and Key (an appointment was
// cancelled), or a subject's records, by Subject and optionally Dataset and
// Purpose (consent for a purpose was withdrawn: every dataset serving the
// purpose that has a subject column is affected).
type Event struct {
	// Kind is the event, e.g. policy.EventCancelled.
	Kind policy.Event
	// Dataset restricts the event to one dataset; required with Key.
	Dataset string
	// Key names one record of Dataset.
	Key string
	// Subject names the data subject whose records are affected.
	Subject string
	// Purpose restricts a subject's event to the datasets serving this
	// purpose; required for policy.EventConsentWithdrawn, since consent is
	// withdrawn for a purpose (Art. 7(3)).
	Purpose string
	// At is when the event happened, the deadline of the rules it
	// triggers; zero means now. It may not lie in the future.
	At time.Time

	// replayOf is the ID of the erasure ledger entry Replay runs the
	// event for; "" for an event as it happens.
	replayOf string
}

// note is the note of the audit entries of the event's batches.
func (ev Event) note() string {
	n := "on " + string(ev.Kind)
	if ev.replayOf != "" {
		n += ", replayed from erasure ledger entry " + ev.replayOf
	}
	return n
}

// target is a rule an event triggers and the records it restricts to.
type target struct {
	ru  *rule
	sel store.Selection
}

// Trigger runs the rules of the declaration that react to ev, now and
// synchronously: "Bei einer Terminstornierung oder einem Widerruf werden die
// verarbeiteten personenbezogenen Daten sofort gelöscht." A consent
// withdrawal affects every record of the subject in every dataset serving
// the purpose (Art. 7(3), Art. 17(1)(b)).
//
// Holds and keep_at_least are honoured: records under a hold are counted in
// RuleReport.Held, records whose statutory minimum has not ended in
// RuleReport.Kept, and neither is touched. When the event names one record
// by key and that record was left alone because of a hold, Trigger returns
// the report and an error wrapping ErrHeld. Triggering again is harmless:
// processed records are not processed twice.
//
// The event is not forgotten (remembered.go): when a rule leaves records alone
// (held, kept, or in a failed batch), Trigger remembers the event in the
// store (store.RememberedEvents) for exactly those records before it
// processes the others (RuleReport.Remembered), and every
// Sweep, and ReleaseHold at once, processes them as soon as they are free,
// so the deletion is "sofort" from the moment the hold or the minimum
// ends. A subject's event covers the subject's records at the time of the
// event, not records created later. When remembering fails, the report
// counts the records in
// RuleReport.Forgotten (and the log warns): they are then processed only
// if the event is triggered again or a time rule covers them.
//
// The recipients to whom the erased records were disclosed are told of the
// erasure before Trigger returns (Options.Notifier, Art. 19); a recipient
// that cannot be told is reported on the rule (RuleReport.NotTold) and in
// the audit log, and does not fail the event.
//
// Trigger returns ErrInvalidEvent for an event that names no record or
// subject (or a key without its dataset, or a withdrawal without its
// purpose), ErrUnknownDataset for an undeclared dataset, and ErrNoRule when
// no rule reacts to the event where it happened. A failing batch is reported
// on its rule and returned as Report.Err().
func (e *Engine) Trigger(ctx context.Context, ev Event) (*Report, error) {
	now := e.now()
	if ev.At.IsZero() {
		ev.At = now
	}
	targets, err := e.targets(ev, now)
	if err != nil {
		return nil, err
	}
	if err := e.recordErasure(ctx, ev, now); err != nil {
		return nil, err
	}
	rep := &Report{Start: now}
	for _, tg := range targets {
		rr, err := e.triggerEvent(ctx, ev, tg, now) // remembered.go: act, remembering what it leaves alone
		rep.Rules = append(rep.Rules, rr)
		if err != nil {
			rep.Duration = e.now().Sub(now)
			return rep, err
		}
	}
	rep.Duration = e.now().Sub(now)
	e.log.InfoContext(ctx, "retention: event triggered", "event", string(ev.Kind),
		"rules", len(rep.Rules), "processed", rep.Processed(), "held", rep.Held(), "forgotten", rep.Forgotten())
	if err := rep.Err(); err != nil {
		return rep, err
	}
	if ev.Key != "" && rep.Processed() == 0 && rep.Held() > 0 {
		later := "; the event is remembered and acts when the hold ends"
		if rep.Forgotten() > 0 {
			later = "; the store cannot remember the event"
		}
		return rep, fmt.Errorf("%w: event %s on dataset %s%s", ErrHeld, ev.Kind, ev.Dataset, later)
	}
	return rep, nil
}

// targets resolves an event to the rules it triggers and their selections.
func (e *Engine) targets(ev Event, now time.Time) ([]target, error) {
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidEvent, fmt.Sprintf(format, args...))
	}
	switch {
	case ev.Kind == "":
		return nil, invalid("the event has no kind")
	case ev.At.After(now):
		return nil, invalid("event %s lies in the future (at %s, now %s)", ev.Kind, ev.At.Format(time.RFC3339), now.Format(time.RFC3339))
	case ev.Key != "" && ev.Dataset == "":
		return nil, invalid("event %s names a key but no dataset", ev.Kind)
	case ev.Key == "" && ev.Subject == "":
		return nil, invalid("event %s names neither a record (dataset and key) nor a subject", ev.Kind)
	case ev.Key == "" && ev.Kind == policy.EventConsentWithdrawn && ev.Purpose == "":
		return nil, invalid("a consent withdrawal names the purpose it withdraws consent for (Art. 7(3))")
	case ev.Purpose != "" && e.decl.Purpose(ev.Purpose) == nil:
		return nil, invalid("event %s names purpose %q, which the declaration does not declare", ev.Kind, ev.Purpose)
	}
	var datasets []*policy.Dataset
	if ev.Dataset != "" {
		ds := e.decl.Dataset(ev.Dataset)
		if ds == nil {
			return nil, fmt.Errorf("%w: %q", ErrUnknownDataset, ev.Dataset)
		}
		if ev.Subject != "" && ds.Subject == "" {
			return nil, invalid("event %s names a subject, but dataset %s has no subject column", ev.Kind, ds.ID)
		}
		datasets = append(datasets, ds)
	} else {
		for i := range e.decl.Datasets {
			if ds := &e.decl.Datasets[i]; ds.Subject != "" {
				datasets = append(datasets, ds)
			}
		}
	}
	var out []target
	for _, ds := range datasets {
		if ev.Purpose != "" && !slices.Contains(ds.Purposes, ev.Purpose) {
			continue
		}
		for _, ru := range e.rulesOf(ds.ID) {
			if ru.on != ev.Kind {
				continue
			}
			sel := ru.selection(now, nil)
			sel.Subject = ev.Subject
			if ev.Key != "" {
				sel.Keys = []string{ev.Key}
			}
			out = append(out, target{ru: ru, sel: sel})
		}
	}
	if len(out) == 0 {
		where := "any dataset with a subject column"
		if ev.Dataset != "" {
			where = "dataset " + ev.Dataset
		}
		if ev.Purpose != "" {
			where += " serving purpose " + ev.Purpose
		}
		return nil, fmt.Errorf("%w: no rule with on: %s in %s", ErrNoRule, ev.Kind, where)
	}
	return out, nil
}

// act runs the rule of tg on the records tg selects, at once, as every
// event does (Trigger, EraseSubject; docs/DESIGN.md, "Events act at
// once"): it counts the records tg selects and those among them that
// bounds let it process now, reports the records a hold covers in
// RuleReport.Held and those a statutory minimum keeps (bounds excludes
// them) in RuleReport.Kept, leaves both alone, and processes the rest in
// audited batches.
//
// leftAlone, when not nil, learns of the records act does not process, so
// that the event can be remembered for them (remembered.go): first, before any
// batch, of the held and kept ones, so that a crash in between loses
// nothing; then, after a batch failed, of the records it left (Failed).
func (e *Engine) act(ctx context.Context, ev Event, tg target, bounds []store.Bound, leftAlone func(rr RuleReport, left int) RuleReport, seen *erased) (RuleReport, error) {
	ru := tg.ru
	rr := RuleReport{Dataset: ru.ds.ID, Rule: ru.id, Action: ru.action, Event: ev.Kind}
	allFree, allHeld, err := storecheck.Count(ctx, e.st, ru.ds, tg.sel)
	if err != nil {
		return e.failed(ctx, rr, 0, "counting the event's records", err)
	}
	sel := tg.sel
	sel.Bounds = bounds
	free, held, err := storecheck.Count(ctx, e.st, ru.ds, sel)
	if err != nil {
		return e.failed(ctx, rr, 0, "counting the event's records", err)
	}
	rr.Held = held
	rr.Kept = max(allFree-free, 0)
	if left := allFree + allHeld - free; left > 0 && leftAlone != nil {
		rr = leftAlone(rr, left)
	}
	if free == 0 {
		return rr, ctx.Err()
	}
	rr, err = e.process(ctx, ru, rr, sel, free, ev.note(), nil, seen)
	if err != nil {
		return rr, err
	}
	if rr.Err != nil && leftAlone != nil {
		rr = leftAlone(rr, rr.Failed)
	}
	return rr, ctx.Err()
}
