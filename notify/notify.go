// Package notify tells the recipients of personal data that the controller
// erased, rectified or restricted it (Art. 19 GDPR): "The controller shall
// communicate any rectification or erasure of personal data or restriction
// of processing carried out in accordance with Article 16, Article 17(1)
// and Article 18 to each recipient to whom the personal data have been
// disclosed, unless this proves impossible or involves disproportionate
// effort."
//
// The application supplies one Notifier; Webhooks is one implementation,
// posting signed JSON, which LoadWebhooks reads from a small YAML file
// mapping recipient IDs to their endpoints and secrets (the file of
// "frist run --notify"). Two parts of frist call it:
//
//   - package dsar, for the erasures, rectifications and restrictions a
//     data subject's request makes (Notification.Request is set);
//   - package retention, for every erasure its rules make without a
//     request: the erasure an event triggers (a cancellation, a withdrawal
//     of consent, Art. 17(1)(b), any rule with on:) and the erasure of
//     records whose period ended (Art. 17(1)(a), Art. 5(1)(e)).
//
// Who is told comes from the declaration: a dataset's recipients and the
// recipients of the purposes it serves, to whom every record is disclosed
// (policy.Recipient.Routine; see Recipients). A recipient that receives
// records only case by case is never told by frist, since telling it of
// every erasure would disclose people whose data it never received: the
// controller, who made each disclosure, tells it.
//
// A notification the Notifier could not deliver is not given up: the
// retention engine keeps it in the store's outbox and tries it again at
// later sweeps, for a week, before it leaves it to the controller
// (retention.RetryTellingFor).
package notify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/frist-go/frist/policy"
)

// Notifier delivers notifications to recipients.
type Notifier interface {
	// Notify delivers n to its recipient, or returns why it could not.
	// The error may reach logs and the audit log: it must not carry the
	// notification's content. A notification that failed is given to
	// Notify again, with the same n.ID, by the retention engine's later
	// sweeps (retention.RetryTellingFor), so a recipient can ignore a
	// notification it has seen.
	Notify(ctx context.Context, n Notification) error
}

// ErrNoChannel is wrapped by the error of a Notifier that has no way to
// tell this recipient (Webhooks without the recipient's webhook): the
// controller must tell it by other means, and the outcome is
// ByController, not NotTold.
var ErrNoChannel = errors.New("notify: no way to tell this recipient is configured")

// Deliver gives n to nf and says what became of it: Told; ByController
// when nf is nil or has no channel to the recipient (ErrNoChannel); or
// NotTold with the error. A panic of nf is returned as an error that names
// only the panic value's type, which might otherwise carry n's content,
// so that a change already made is reported, not lost with the process.
func Deliver(ctx context.Context, nf Notifier, n Notification) (o Outcome, err error) {
	if nf == nil {
		return ByController, nil
	}
	defer func() {
		if r := recover(); r != nil {
			o, err = NotTold, fmt.Errorf("the notifier panicked: %T", r)
		}
	}()
	switch err := nf.Notify(ctx, n); {
	case err == nil:
		return Told, nil
	case errors.Is(err, ErrNoChannel):
		return ByController, err
	default:
		return NotTold, err
	}
}

// Kind is the change a recipient is told of.
type Kind string

// The changes of Art. 19.
const (
	Erasure       Kind = "erasure"       // Art. 17
	Rectification Kind = "rectification" // Art. 16
	Restriction   Kind = "restriction"   // Art. 18
)

// FieldChange is one rectified field of one record and its corrected
// value.
type FieldChange struct {
	Dataset string `json:"dataset"`
	Key     string `json:"key"`
	Field   string `json:"field"`
	// Value is the corrected value: nil, string, int64, float64, bool,
	// []byte or time.Time. It never appears in errors or the audit log;
	// a recipient is told it (Art. 19).
	Value any `json:"value"`
}

// Notification is what one recipient is told of one change.
//
// What caused the change is named by exactly one of Request (a data
// subject's request), Event (an event a rule reacted to) or, when both
// are empty, Rule alone (a time rule: the records' period ended).
type Notification struct {
	// ID is a UUIDv7 of the notification.
	ID string `json:"id"`
	// Recipient is the recipient's ID in the declaration.
	Recipient string `json:"recipient"`
	// Kind is Erasure, Rectification or Restriction.
	Kind Kind `json:"kind"`
	// Request is the ID of the data subject's request that made the
	// change; zero (and left out of the JSON) when no request did.
	Request uuid.UUID `json:"request,omitzero"`
	// Event is the event whose rule erased the records, e.g.
	// policy.EventCancelled or policy.EventConsentWithdrawn; "" for a
	// change a request or a time rule made.
	Event policy.Event `json:"event,omitempty"`
	// Purpose is the purpose consent was withdrawn for, with
	// policy.EventConsentWithdrawn.
	Purpose string `json:"purpose,omitempty"`
	// Rule is the declaration's rule that erased the records; "" for a
	// change a request made.
	Rule string `json:"rule,omitempty"`
	// Action is what the rule did, for a change a rule made: "delete" or
	// "anonymize" (the rule's declared fields were anonymized, so the
	// personal data in them are erased).
	Action string `json:"action,omitempty"`
	// Subject names the data subject as the controller's records do (the
	// value of the datasets' subject column): the recipient received the
	// data under it. It leaves the controller only to the recipient, never
	// into a log. It is empty when the change is not one subject's: a
	// time rule's erasure, or an event on a record of a dataset without a
	// subject column.
	Subject string `json:"subject,omitempty"`
	// Keys are the keys of the records an event named, when the event
	// named records rather than a subject (a cancelled appointment).
	Keys []string `json:"keys,omitempty"`
	// Datasets are the affected datasets the recipient receives.
	Datasets []string `json:"datasets"`
	// Count is how many records were erased, for a change a rule made.
	// After a crash, an event's notification is repeated with the count
	// of the records the event named.
	Count int `json:"count,omitempty"`
	// Through is, for a time rule, the rule's cutoff at the sweep: every
	// record whose value in the rule's time column (policy.Rule.From) is
	// at or before it has been erased, but those under a hold or inside a
	// statutory minimum. It covers every earlier notification of the
	// rule, so that one lost in a crash is made good by the next.
	Through time.Time `json:"through,omitzero"`
	// Changes are the rectified fields with their new values, for a
	// rectification.
	Changes []FieldChange `json:"changes,omitempty"`
	// At is when the change was made.
	At time.Time `json:"at"`
}

// Outcome says what became of telling one recipient of one change, as the
// audit log records it.
type Outcome string

const (
	// Told: the Notifier delivered the notification.
	Told Outcome = "told"
	// NotTold: the Notifier could not deliver it. Whether the controller
	// told the recipient by other means afterwards is not recorded.
	NotTold Outcome = "not_told"
	// ByController: no Notifier was configured, so the controller has to
	// tell the recipient by other means; whether and when it did is not
	// recorded.
	ByController Outcome = "by_controller"
)

// The parts of an audit note that AuditNote writes and ParseAuditNote
// reads back.
const (
	toldSuffix        = " told (Art. 19)"
	byControllerInfix = " to be told by the controller (Art. 19): "
	notToldInfix      = " NOT told (Art. 19): "
)

// AuditNote is the part of an audit entry's note that records telling
// recipient rid: "recipient <rid> told (Art. 19)", "... to be told by the
// controller (Art. 19): " and why (err, or "no notifier is configured"
// when err is nil), or "... NOT told (Art. 19): " and err. err therefore
// must not carry personal data (see Notifier).
func AuditNote(rid string, o Outcome, err error) string {
	switch o {
	case Told:
		return "recipient " + rid + toldSuffix
	case ByController:
		why := "no notifier is configured"
		if err != nil {
			why = err.Error()
		}
		return "recipient " + rid + byControllerInfix + why
	}
	msg := "no reason given"
	if err != nil {
		msg = err.Error()
	}
	return "recipient " + rid + notToldInfix + msg
}

// ParseAuditNote reads back a note that AuditNote wrote; ok is false for
// any other text.
func ParseAuditNote(note string) (rid string, o Outcome, ok bool) {
	rest, ok := strings.CutPrefix(note, "recipient ")
	if !ok {
		return "", "", false
	}
	rid, rest, ok = strings.Cut(rest, " ")
	if !ok || rid == "" {
		return "", "", false
	}
	rest = " " + rest
	switch {
	case rest == toldSuffix:
		return rid, Told, true
	case strings.HasPrefix(rest, byControllerInfix):
		return rid, ByController, true
	case strings.HasPrefix(rest, notToldInfix):
		return rid, NotTold, true
	}
	return "", "", false
}

// Recipients returns the recipients to tell of a change to records of the
// datasets among affected: in the declaration's order of recipients, each
// recipient's ID, and by ID the datasets among affected that it receives
// (those naming it, or serving a purpose that names it). Only recipients
// to whom every such record is disclosed count (policy.Recipient.Routine):
// one that receives records case by case is the controller's to tell of
// the records it disclosed, since telling it of others' would disclose
// them. Datasets the declaration does not declare are ignored.
func Recipients(decl *policy.Declaration, affected []string) (order []string, by map[string][]string) {
	by = map[string][]string{}
	for _, id := range affected {
		ds := decl.Dataset(id)
		if ds == nil {
			continue
		}
		rs := slices.Clone(ds.Recipients)
		for _, p := range ds.Purposes {
			if pu := decl.Purpose(p); pu != nil {
				rs = append(rs, pu.Recipients...)
			}
		}
		for _, r := range rs {
			if !slices.Contains(by[r], id) {
				by[r] = append(by[r], id)
			}
		}
	}
	for i := range decl.Recipients {
		r := &decl.Recipients[i]
		switch {
		case by[r.ID] == nil:
		case r.Routine():
			order = append(order, r.ID)
		default:
			delete(by, r.ID)
		}
	}
	return order, by
}
