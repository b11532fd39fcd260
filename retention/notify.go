package retention

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/internal/storecheck"
	"github.com/frist-go/frist/notify"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
)

// Telling recipients (Art. 19 GDPR).
//
// "The controller shall communicate any rectification or erasure of
// personal data … carried out in accordance with … Article 17(1) … to each
// recipient to whom the personal data have been disclosed, unless this
// proves impossible or involves disproportionate effort." The engine's
// rules erase under Art. 17(1) without any request: an event's rule when
// consent is withdrawn (Art. 17(1)(b)) or an appointment is cancelled, a
// time rule when the records' period has ended (Art. 17(1)(a), Art.
// 5(1)(e)). Anonymizing a record erases the personal data its rule
// transforms, so it is told like a deletion (Notification.Action says
// which).
//
// After the batches of a rule that processed records of a dataset with
// recipients (notify.Recipients), the engine tells each recipient:
//
//   - for an event, once per data subject whose records were erased
//     (Notification.Subject, the value of the subject column, as the
//     recipient received it), with the keys of the erased records when the
//     event named records (a cancelled appointment, not all of the
//     person's), or, in a dataset without a subject column, once with the
//     keys the event named;
//   - for a time rule, at most once every TimeRuleTellEvery, by the first
//     sweep after it that erased records or has erasures not yet told,
//     with the rule, its cutoff (Notification.Through) and the count, and
//     without any identifier: the rule is published in the declaration and
//     says which records its period ended for, and naming every subject of
//     a routine erasure would send identifiers to recipients only to tell
//     them what the published rule already does. Where the law leaves the
//     choice (whether Art. 19 covers erasure at the end of a retention
//     period at all), this is the reading that protects the data subject:
//     every recipient learns that it must erase its copies too. Telling
//     once a day, not at every sweep, is what keeps that proportionate (Art.
//     19: "unless this ... involves disproportionate effort"): a rule swept
//     every minute would otherwise send a recipient, and write to the audit
//     log, 1,440 notifications a day, each a subset of the next. A store
//     lease (named "frist.retention.tell/<dataset>/<rule>", held for the
//     period) keeps other replicas and later processes (frist run --once
//     from cron) from telling again within it; the count is that of the
//     records this engine erased since it last told, the cutoff covers
//     every engine's.
//
// Each notification is recorded in the audit log (action "retention.notify")
// with its outcome, the subject only as a keyed pseudonym, and counted on
// the rule's report (RuleReport.Told, NotTold, LeftToController). Without an
// Options.Notifier the entry records that the controller must tell the
// recipient by other means. A recipient that cannot be told does not undo
// or fail the erasure: the entry, the report, the log and
// Observer.RecipientTold say so.
//
// A crash does not lose a notification of an event's erasure: the event is
// remembered (store.RememberedEvents) before anything is touched and
// forgotten only after its recipients were told, so the next sweep after a
// crash finishes the erasure and tells them, possibly a second time. When
// the erasure itself was done before the crash, a sweep tells them only
// once InFlightGrace has passed since the event was remembered: until
// then, the Trigger that remembered it may still be telling them in
// another replica, and a sweep that told too would tell them twice. A
// time rule's notification lost in a crash is made good by the rule's next
// one, which names the cutoff (Notification.Through) up to which every
// record is erased. A notification with the outcome NotTold is kept and
// tried again by later sweeps (outbox.go), until it is told or, after
// RetryTellingFor, left to the controller.
//
// Not told by the engine: EraseSubject's erasures, which its caller tells
// with the request that caused them (package dsar does); and erasures
// Replay makes again after a restore, of which the recipients were told
// when they first happened.

// notifyAction is the audit action of a notification of a rule's erasure.
const notifyAction = "retention.notify"

// erased collects, as an event's batches run, the subjects of the records
// they processed and their keys, so that their recipients can be told. It
// holds raw subject values and keys in memory only for the time of one
// rule's run.
type erased struct {
	order []string
	keys  map[string][]string
}

// add collects the processed records of a batch by subject.
func (x *erased) add(res store.BatchResult) {
	if x == nil {
		return
	}
	for _, r := range res.Processed {
		if r.Subject == "" {
			continue
		}
		if x.keys == nil {
			x.keys = map[string][]string{}
		}
		if _, ok := x.keys[r.Subject]; !ok {
			x.order = append(x.order, r.Subject)
		}
		x.keys[r.Subject] = append(x.keys[r.Subject], r.Key)
	}
}

// cause is what made a rule erase: an event (with the subject or the keys
// it named) or, when event is "", the end of a time rule's period.
type cause struct {
	event   policy.Event
	purpose string
	subject string
	keys    []string
	// through is a time rule's cutoff on its time column.
	through time.Time
}

// tell tells every recipient of ru's dataset of the erasure of n records
// (by subject as seen, when given), as the doc above says, and records the
// outcome on rr. It returns an error only when an audit entry cannot be
// written.
func (e *Engine) tell(ctx context.Context, ru *rule, rr *RuleReport, c cause, seen *erased, n int, now time.Time) error {
	if n == 0 {
		return nil
	}
	order := e.recipients[ru.ds.ID]
	if len(order) == 0 {
		return nil
	}
	datasets := []string{ru.ds.ID}
	// one is one notification to each recipient: the subject it names
	// (none for a time rule or a dataset without a subject column), the
	// keys of the records an event named, and the count.
	type one struct {
		subject string
		keys    []string
		count   int
	}
	var who []one
	switch {
	case c.event == "":
		who = []one{{count: n}}
	case c.subject != "":
		who = []one{{subject: c.subject, count: n}}
	case seen != nil && len(seen.order) > 0:
		// An event on records: each subject is told of its own records.
		for _, s := range seen.order {
			who = append(who, one{subject: s, keys: seen.keys[s], count: len(seen.keys[s])})
		}
	default:
		who = []one{{keys: c.keys, count: n}}
	}
	prefix := "period ended: "
	if c.event != "" {
		prefix = "on " + string(c.event) + ": "
	}
	for _, w := range who {
		for _, rid := range order {
			id, err := uuid.NewV7()
			if err != nil {
				return fmt.Errorf("retention: notification ID: %w", err)
			}
			n := notify.Notification{
				ID: id.String(), Recipient: rid, Kind: notify.Erasure,
				Event: c.event, Purpose: c.purpose, Rule: ru.id, Action: string(ru.action),
				Subject: w.subject, Keys: w.keys, Datasets: datasets, Count: w.count, Through: c.through, At: now,
			}
			entry := audit.Entry{
				Time: now, Action: notifyAction, Dataset: ru.ds.ID, Rule: ru.id, Count: w.count,
				Policy: e.policyHash, Note: prefix,
			}
			if w.subject != "" {
				entry.Subjects = []string{e.auditKey.Pseudonym(w.subject)}
			}
			outcome, nerr := notify.Deliver(ctx, e.notifier, n)
			e.obs.RecipientTold(ru.ds.ID, ru.id, rid, outcome)
			switch outcome {
			case notify.Told:
				rr.Told++
			case notify.NotTold:
				rr.NotTold++
				nerr = e.TellLater(ctx, n, entry, now, nerr)
				e.log.WarnContext(ctx, "retention: a recipient could not be told of an erasure (Art. 19)",
					"dataset", ru.ds.ID, "rule", ru.id, "recipient", rid, "error", nerr)
			default:
				rr.LeftToController++
			}
			entry.Note += notify.AuditNote(rid, outcome, nerr)
			if _, err := storecheck.AppendAudit(ctx, e.st, entry.SignedBy(e.signer)); err != nil {
				return fmt.Errorf("retention: audit entry for telling recipient %s of dataset %s: %w", rid, ru.ds.ID, err)
			}
		}
	}
	return nil
}

// cutoffOf returns the cutoff sel's bounds set on column, zero if none.
func cutoffOf(sel store.Selection, column string) time.Time {
	for _, b := range sel.Bounds {
		if b.Column == column {
			return b.Cutoff
		}
	}
	return time.Time{}
}

// TimeRuleTellEvery is the shortest time between two notifications of a
// time rule's erasures to its recipients (Art. 19, Options.Notifier): the
// first sweep after it that erased records, or has erasures not yet told,
// tells them, with the rule's cutoff, which covers every erasure before
// it.
const TimeRuleTellEvery = 24 * time.Hour

// tellLeasePrefix names the store lease that keeps the replicas and later
// processes from telling a time rule's recipients again within
// TimeRuleTellEvery.
const tellLeasePrefix = "frist.retention.tell/"

// timeTold is, per time rule, when this engine last told the rule's
// recipients (or found that another had) and how many records its sweeps
// erased since it last told them.
type timeTold struct {
	mu      sync.Mutex
	last    map[*rule]time.Time
	pending map[*rule]int
}

// tellTimeRule adds the records rr processed to those of ru not yet told
// and tells ru's recipients of them, with the cutoff through, unless they
// were told less than TimeRuleTellEvery ago by this engine or, as the
// store's lease says, by another.
func (e *Engine) tellTimeRule(ctx context.Context, ru *rule, rr *RuleReport, through, now time.Time) error {
	if !e.hasRecipients(ru.ds) {
		return nil
	}
	t := &e.timeTold
	t.mu.Lock()
	if t.pending == nil {
		t.last, t.pending = map[*rule]time.Time{}, map[*rule]int{}
	}
	t.pending[ru] += rr.Processed
	n, last := t.pending[ru], t.last[ru]
	t.mu.Unlock()
	if n == 0 || (!last.IsZero() && now.Sub(last) < TimeRuleTellEvery) {
		return nil
	}
	ok, err := e.st.AcquireLease(ctx, tellLeasePrefix+ru.ds.ID+"/"+ru.id, e.owner, now, TimeRuleTellEvery)
	if err != nil {
		// Telling twice is harmless; not telling is not.
		e.log.WarnContext(ctx, "retention: the lease of telling a time rule's recipients cannot be taken; telling anyway",
			"dataset", ru.ds.ID, "rule", ru.id, "error", err)
		ok = true
	}
	t.mu.Lock()
	t.last[ru] = now
	t.mu.Unlock()
	if !ok {
		return nil // another replica or process told them within the period; the next telling covers these
	}
	if err := e.tell(ctx, ru, rr, cause{through: through}, nil, n, now); err != nil {
		return err
	}
	t.mu.Lock()
	t.pending[ru] -= n
	t.mu.Unlock()
	return nil
}
