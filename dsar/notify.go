package dsar

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/frist-go/frist/notify"
	"github.com/frist-go/frist/policy"
)

// RecipientNotice says whether one recipient was told (Art. 19); the
// data subject may ask whom (Art. 19, second sentence).
type RecipientNotice struct {
	Recipient string      `json:"recipient"`
	Name      policy.Text `json:"name"`
	Datasets  []string    `json:"datasets"`
	// Notified is false when the notifier failed; Error says why, without
	// personal data.
	Notified bool   `json:"notified"`
	Error    string `json:"error,omitempty"`
}

// ErrNotNotified is wrapped by the error of Erase, Rectify and Restrict
// when the records were erased, rectified or restricted and the request
// completed, but a recipient could not be told (Art. 19): the returned
// notices say which, and the audit log records it. The notification is
// kept and tried again by the retention engine's sweeps (see
// retention.RetryTellingFor), each attempt recorded in the audit log.
var ErrNotNotified = errors.New("dsar: a recipient could not be told of the change (Art. 19)")

// notify tells every recipient of the affected datasets of r's change and
// audits each notice under the subject's pseudonym. Without a Notifier it
// records, for every such recipient, that the controller must tell it,
// and fails nothing; a Notifier that fails makes the error wrap
// ErrNotNotified.
func (s *Service) notify(ctx context.Context, r *Request, affected []string, changes []Change, at time.Time) ([]RecipientNotice, error) {
	order, by := notify.Recipients(s.decl, affected)
	var notices []RecipientNotice
	var failed []string
	for _, rid := range order {
		rn := RecipientNotice{Recipient: rid, Datasets: by[rid]}
		if rec := s.decl.Recipient(rid); rec != nil {
			rn.Name = rec.Name
		}
		id, err := uuid.NewV7()
		if err != nil {
			return notices, fmt.Errorf("dsar: %w", err)
		}
		n := notify.Notification{ID: id.String(), Recipient: rid, Kind: notify.Kind(r.kind.String()), Request: r.id, Subject: r.subject, Datasets: by[rid], At: at}
		for _, c := range changes {
			if slices.Contains(by[rid], c.Dataset) {
				n.Changes = append(n.Changes, c)
			}
		}
		outcome, err := notify.Deliver(ctx, s.notifier, n)
		switch outcome {
		case notify.Told:
			rn.Notified = true
		case notify.ByController:
			rn.Error = "frist has no notifier for it: tell the recipient yourself (Art. 19)"
		default:
			if s.retries {
				// Kept for the engine's sweeps to try again, each
				// attempt recorded like this one.
				entry := s.auditEntry(at, "dsar.notify", r, "", len(by[rid]), "")
				entry.Note += ": " // the attempt's outcome follows
				err = s.eng.TellLater(ctx, n, entry, at, err)
			}
			rn.Error = err.Error()
			failed = append(failed, rid)
		}
		if aerr := s.audit(ctx, at, "dsar.notify", r, "", len(by[rid]), notify.AuditNote(rid, outcome, err)); aerr != nil {
			return notices, aerr
		}
		notices = append(notices, rn)
	}
	if len(failed) > 0 {
		return notices, fmt.Errorf("%w: %v", ErrNotNotified, failed)
	}
	return notices, nil
}
