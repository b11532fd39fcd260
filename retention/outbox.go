package retention

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/internal/storecheck"
	"github.com/frist-go/frist/notify"
	"github.com/frist-go/frist/store"
)

// Notifications tried again.
//
// A recipient that could not be told of an erasure, rectification or
// restriction (Art. 19 GDPR: outcome notify.NotTold) is not left at that:
// the notification is kept in the store's outbox (store.Outbox), with the
// audit entry that records each attempt, and every sweep tries the
// notifications whose time has come again, with the same ID, so that a
// recipient can ignore one it has seen. The waits between attempts grow
// from RetryTellingFirst, doubling, to at most RetryTellingEvery. A
// notification told, or whose recipient has no channel any more
// (notify.ErrNoChannel), is removed from the outbox; one still not told
// RetryTellingFor after its first attempt is given up and left to the
// controller, who must tell the recipient by other means. Every attempt
// is recorded in the audit log like the first, the outcome saying when
// frist tries again or that it gave up, and counted by
// Observer.RecipientTold and the sweep's report (Report.Outbox).
//
// The outbox holds what the recipient is told, the subject's identifier
// among it, for as long as frist tries; a removed entry is purged from
// the store's files like a remembered event (store.RememberedRecords).
// Telling again is the reading of Art. 19 that protects the data subject:
// the obligation to communicate is not met by one failed attempt, and
// trying for a week, then handing it to the controller, keeps the
// identifier no longer than that takes (Art. 5(1)(e)).

const (
	// RetryTellingFirst is how long after a failed attempt to tell a
	// recipient the first retry is made.
	RetryTellingFirst = 5 * time.Minute
	// RetryTellingEvery is the longest wait between two attempts; the
	// waits double from RetryTellingFirst up to it.
	RetryTellingEvery = 6 * time.Hour
	// RetryTellingFor is how long after the first attempt frist keeps
	// trying; then the notification is left to the controller.
	RetryTellingFor = 7 * 24 * time.Hour
)

// outboxPage is how many waiting notifications a sweep reads at a time.
const outboxPage = 100

// OutboxReport is what a sweep did with the notifications waiting to be
// told again (store.Outbox).
type OutboxReport struct {
	// Tried counts the attempts made; Told, NotTold and LeftToController
	// their outcomes. A notification given up after RetryTellingFor counts
	// as left to the controller, without an attempt.
	Tried, Told, NotTold, LeftToController int
	// Err says why the outbox could not be read or changed; the next sweep
	// tries again. Report.Err includes it.
	Err error
}

// outgoingBody is what Outgoing.Body holds: the notification and the
// audit entry that records each attempt, whose note is Note followed by
// the outcome (notify.AuditNote).
type outgoingBody struct {
	Notification notify.Notification `json:"notification"`
	Entry        audit.Entry         `json:"entry"`
}

// retryWait returns how long to wait after the attempts-th failed attempt.
func retryWait(attempts int) time.Duration {
	d := RetryTellingFirst
	for i := 1; i < attempts && d < RetryTellingEvery; i++ {
		d *= 2
	}
	return min(d, RetryTellingEvery)
}

// errTriesAgain wraps the error of a failed attempt with when frist tries
// again, for the audit note.
func errTriesAgain(err error, next time.Time) error {
	return fmt.Errorf("%w; frist tries again at %s", err, next.UTC().Format(time.RFC3339))
}

// TellLater keeps n, which its recipient could not be told of (err, the
// reason notify.Deliver gave, without personal data), in the store's
// outbox, so that the engine's sweeps try it again (see the notes on
// notifications tried again at RetryTellingFirst, RetryTellingEvery and
// RetryTellingFor). entry is the audit entry
// that records the failed attempt, as the caller appends it, with Note
// the part before notify.AuditNote's; every later attempt is recorded by
// an entry like it. TellLater returns err extended by what became of n,
// for that entry's note: when frist tries again, or, when the outbox
// could not keep n, that the controller must tell the recipient.
func (e *Engine) TellLater(ctx context.Context, n notify.Notification, entry audit.Entry, now time.Time, err error) error {
	next := now.Add(retryWait(1))
	body, merr := json.Marshal(outgoingBody{Notification: n, Entry: entry})
	if merr == nil {
		merr = e.st.Enqueue(ctx, store.Outgoing{ID: n.ID, Recipient: n.Recipient, Body: body, Attempts: 1, Since: now, Next: next})
	}
	if merr != nil {
		e.log.ErrorContext(ctx, "retention: a notification that could not be delivered cannot be kept to try again (Art. 19)",
			"recipient", n.Recipient, "notification", n.ID, "error", merr)
		return fmt.Errorf("%w; it could not be kept to try again: the controller must tell the recipient", err)
	}
	return errTriesAgain(err, next)
}

// retryTelling tries the waiting notifications whose time has come, as
// the notes above say. A recipient that could not be told in this sweep is
// not tried again in it: its other notifications wait for the next sweep,
// so that an unreachable recipient costs a sweep one failed delivery (up
// to notify.Webhook's retries), not one per notification waiting for it.
// It returns an error only when the caller must stop (ctx ended); a
// failure to read or change the outbox is on the report.
func (e *Engine) retryTelling(ctx context.Context, now time.Time) (OutboxReport, error) {
	var rep OutboxReport
	down := map[string]bool{}
	for after := ""; ; {
		page, err := e.st.ListOutgoing(ctx, after, outboxPage)
		if err != nil {
			if cerr := ctx.Err(); cerr != nil {
				return rep, cerr
			}
			rep.Err = fmt.Errorf("retention: reading the notifications waiting to be told again: %w", err)
			return rep, nil
		}
		for _, o := range page {
			if now.Before(o.Next) || down[o.Recipient] {
				continue
			}
			notTold := rep.NotTold
			err := e.retryOutgoing(ctx, &rep, o, now)
			if rep.NotTold > notTold {
				down[o.Recipient] = true
			}
			if err != nil {
				if cerr := ctx.Err(); cerr != nil {
					return rep, cerr
				}
				rep.Err = errors.Join(rep.Err, err)
			}
		}
		if len(page) < outboxPage {
			return rep, nil
		}
		after = page[len(page)-1].ID
	}
}

// retryOutgoing makes one more attempt to deliver o, or gives it up.
func (e *Engine) retryOutgoing(ctx context.Context, rep *OutboxReport, o store.Outgoing, now time.Time) error {
	var b outgoingBody
	dec := json.NewDecoder(bytes.NewReader(o.Body))
	dec.UseNumber() // a corrected value that is a large integer stays exact
	giveUp := now.Sub(o.Since) >= RetryTellingFor
	if err := dec.Decode(&b); err != nil {
		// Nothing of the body may reach the error: it is personal data.
		if !giveUp {
			return fmt.Errorf("retention: waiting notification %s for recipient %s does not decode; it stays in the outbox until %s, then it is left to the controller",
				o.ID, o.Recipient, o.Since.Add(RetryTellingFor).UTC().Format(time.RFC3339))
		}
		return e.dropUndecodable(ctx, rep, o, now)
	}
	next := now.Add(retryWait(o.Attempts + 1))
	// Claim the attempt: of replicas that read the entry, one makes it.
	claimed, err := e.st.Reschedule(ctx, o.ID, o.Attempts, next)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil // another replica finished it
	case err != nil:
		return fmt.Errorf("retention: claiming waiting notification %s: %w", o.ID, err)
	case !claimed:
		return nil
	}
	n, ds := b.Notification, b.Entry.Dataset
	var outcome notify.Outcome
	var derr error
	if giveUp {
		outcome = notify.ByController
		derr = fmt.Errorf("not delivered in %d attempts since %s; frist gave up and the controller must tell the recipient", o.Attempts, o.Since.UTC().Format(time.RFC3339))
		rep.LeftToController++
	} else {
		rep.Tried++
		outcome, derr = notify.Deliver(ctx, e.notifier, n)
		switch outcome {
		case notify.Told:
			rep.Told++
		case notify.NotTold:
			rep.NotTold++
			derr = errTriesAgain(derr, next)
			e.log.WarnContext(ctx, "retention: a recipient could still not be told (Art. 19)",
				"recipient", o.Recipient, "notification", o.ID, "attempts", o.Attempts+1, "error", derr)
		default:
			rep.LeftToController++
		}
	}
	if b.Entry.Rule != "" { // a rule's erasure, as Observer.RecipientTold counts
		e.obs.RecipientTold(ds, b.Entry.Rule, o.Recipient, outcome)
	}
	entry := b.Entry
	entry.Time, entry.Policy = now, e.policyHash
	entry.Seq, entry.ID, entry.Prev, entry.Hash, entry.Sig = 0, "", "", "", ""
	entry.Note += notify.AuditNote(o.Recipient, outcome, derr)
	if _, err := storecheck.AppendAudit(ctx, e.st, entry.SignedBy(e.signer)); err != nil {
		return fmt.Errorf("retention: audit entry for telling recipient %s again: %w", o.Recipient, err)
	}
	if outcome == notify.NotTold {
		return nil
	}
	if err := e.st.Dequeue(ctx, o.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("retention: removing told notification %s from the outbox: %w", o.ID, err)
	}
	e.purges.touchedOwn(store.RememberedRecords)
	return nil
}

// dropUndecodable gives up a waiting notification whose body does not
// decode, once RetryTellingFor has passed since its first attempt, as any
// other: the audit log says that the controller must tell the recipient,
// and the entry, which may still hold personal data, leaves the outbox.
// Until then, every sweep reports it.
func (e *Engine) dropUndecodable(ctx context.Context, rep *OutboxReport, o store.Outgoing, now time.Time) error {
	entry := audit.Entry{Time: now, Action: notifyAction, Policy: e.policyHash,
		Note: notify.AuditNote(o.Recipient, notify.ByController, fmt.Errorf("the waiting notification %s does not decode; frist gave up and the controller must tell the recipient", o.ID))}
	if _, err := storecheck.AppendAudit(ctx, e.st, entry.SignedBy(e.signer)); err != nil {
		return fmt.Errorf("retention: audit entry for giving up notification %s: %w", o.ID, err)
	}
	rep.LeftToController++
	if err := e.st.Dequeue(ctx, o.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("retention: removing notification %s from the outbox: %w", o.ID, err)
	}
	e.purges.touchedOwn(store.RememberedRecords)
	return nil
}
