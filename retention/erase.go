package retention

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
)

// ErasureRule is the rule ID under which EraseSubject reports and audits
// the deletions it makes in datasets that declare no rule of their own for
// policy.EventErasureRequested.
const ErasureRule = "erasure_requested"

// EraseSubject erases the records of subject in every dataset with a
// subject column, at once, because the data subject's request for erasure
// was granted (Art. 17(1) GDPR). at is when it was granted (zero means
// now; it may not lie in the future).
//
// A dataset that declares rules on policy.EventErasureRequested gets
// exactly those rules, as Trigger runs them (they may anonymize instead of
// delete). Every other dataset with a subject column has the subject's
// records deleted, audited under the rule ID ErasureRule.
//
// Nothing under a hold is touched (Art. 17(3)(b) and (e), Art. 18): such
// records are counted in RuleReport.Held. Nothing is touched before the
// statutory minimum of any keep_at_least of its dataset has ended
// (Art. 17(3)(b)): such records, and records whose minimum cannot be told
// because its time column is NULL, are counted in RuleReport.Kept. Every
// batch is audited with the subject named only by its keyed pseudonym.
// Erasing a subject without records changes nothing and is no error.
//
// It returns ErrInvalidEvent for an empty subject or a time in the future;
// a failing batch is reported on its rule and returned as Report.Err().
func (e *Engine) EraseSubject(ctx context.Context, subject string, at time.Time) (*Report, error) {
	return e.eraseSubject(ctx, Event{Kind: policy.EventErasureRequested, Subject: subject, At: at})
}

// eraseSubject is EraseSubject for an erasure event, as it happens or as
// Replay runs it again.
func (e *Engine) eraseSubject(ctx context.Context, ev Event) (*Report, error) {
	now := e.now()
	if ev.At.IsZero() {
		ev.At = now
	}
	subject := ev.Subject
	switch {
	case strings.TrimSpace(subject) == "":
		return nil, fmt.Errorf("%w: an erasure names the subject whose records are erased", ErrInvalidEvent)
	case ev.At.After(now):
		return nil, fmt.Errorf("%w: erasure granted at %s lies in the future (now %s)", ErrInvalidEvent, ev.At.Format(time.RFC3339), now.Format(time.RFC3339))
	}
	if err := e.recordErasure(ctx, ev, now); err != nil {
		return nil, err
	}
	rep := &Report{Start: now}
	for i := range e.decl.Datasets {
		ds := &e.decl.Datasets[i]
		if ds.Subject == "" {
			continue
		}
		var targets []target
		for _, ru := range e.rulesOf(ds.ID) {
			if ru.on == policy.EventErasureRequested {
				sel := ru.selection(now, nil)
				sel.Subject = subject
				targets = append(targets, target{ru: ru, sel: sel})
			}
		}
		for _, tg := range targets {
			rr, err := e.act(ctx, ev, tg, tg.ru.timing.bounds(now, true), nil, nil)
			rep.Rules = append(rep.Rules, rr)
			if err != nil {
				rep.Duration = e.now().Sub(now)
				return rep, err
			}
		}
		if len(targets) > 0 {
			continue
		}
		rr, err := e.eraseDataset(ctx, ds, ev, now)
		rep.Rules = append(rep.Rules, rr)
		if err != nil {
			rep.Duration = e.now().Sub(now)
			return rep, err
		}
	}
	rep.Duration = e.now().Sub(now)
	e.log.InfoContext(ctx, "retention: subject erased", "rules", len(rep.Rules), "processed", rep.Processed(), "held", rep.Held())
	return rep, rep.Err()
}

// eraseDataset deletes the subject's records of a dataset without an
// erasure rule, sparing held records and those under a statutory minimum
// of any of the dataset's rules.
func (e *Engine) eraseDataset(ctx context.Context, ds *policy.Dataset, ev Event, now time.Time) (RuleReport, error) {
	tg := target{
		ru:  &rule{ds: ds, id: ErasureRule, on: policy.EventErasureRequested, action: ActionDelete},
		sel: store.Selection{Dataset: ds.ID, Subject: ev.Subject, Now: now},
	}
	return e.act(ctx, ev, tg, keepBounds(e.rulesOf(ds.ID), now), nil, nil)
}

// keepBounds returns the bounds that select only records whose statutory
// minimum under every keep_at_least of rules has ended at now: one bound
// per time column, with the earliest cutoff of the minimums counted from it.
func keepBounds(rules []*rule, now time.Time) []store.Bound {
	var out []store.Bound
	for _, ru := range rules {
		tm := ru.timing
		if tm.keepFrom == "" {
			continue
		}
		c := periodCutoff(tm.keep, now, tm.loc)
		merged := false
		for i := range out {
			if out[i].Column == tm.keepFrom {
				if c.Before(out[i].Cutoff) {
					out[i].Cutoff = c
				}
				merged = true
			}
		}
		if !merged {
			out = append(out, store.Bound{Column: tm.keepFrom, Cutoff: c})
		}
	}
	return out
}
