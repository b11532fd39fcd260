package dsar

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/frist-go/frist/policy"
)

// Notifier tells the recipients of personal data that the controller
// erased, rectified or restricted a data subject's records (Art. 19 GDPR:
// "The controller shall communicate any rectification or erasure of
// personal data or restriction of processing … to each recipient to whom
// the personal data have been disclosed"). The application supplies it in
// ServiceOptions.Notifier; Webhooks is one implementation.
type Notifier interface {
	// Notify delivers n to its recipient, or returns why it could not.
	// It is called again, with the same n.ID, only when the application
	// retries, so a recipient can ignore a notification it has seen.
	Notify(ctx context.Context, n Notification) error
}

// Notification is what one recipient is told.
type Notification struct {
	// ID is a UUIDv7 of the notification.
	ID string `json:"id"`
	// Recipient is the recipient's ID in the declaration.
	Recipient string `json:"recipient"`
	// Kind is Erasure, Rectification or Restriction.
	Kind Kind `json:"kind"`
	// Request is the ID of the data subject's request.
	Request uuid.UUID `json:"request"`
	// Subject names the data subject as the controller's records do (the
	// value of the datasets' subject column): the recipient received the
	// data under it. It leaves the controller only to the recipient, never
	// into a log.
	Subject string `json:"subject"`
	// Datasets are the affected datasets the recipient receives.
	Datasets []string `json:"datasets"`
	// Changes are the rectified fields with their new values, for a
	// rectification.
	Changes []Change `json:"changes,omitempty"`
	// At is when the erasure, rectification or restriction was made.
	At time.Time `json:"at"`
}

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
// notices say which, and the audit log records it.
var ErrNotNotified = errors.New("dsar: a recipient could not be told of the change (Art. 19)")

// recipientsOf returns, by recipient ID in declaration order, the datasets
// among affected that the recipient receives: those naming it, or serving
// a purpose that names it.
func (s *Service) recipientsOf(affected []string) ([]string, map[string][]string) {
	by := map[string][]string{}
	for _, id := range affected {
		ds := s.decl.Dataset(id)
		if ds == nil {
			continue
		}
		rs := slices.Clone(ds.Recipients)
		for _, p := range ds.Purposes {
			if pu := s.decl.Purpose(p); pu != nil {
				rs = append(rs, pu.Recipients...)
			}
		}
		for _, r := range rs {
			if !slices.Contains(by[r], id) {
				by[r] = append(by[r], id)
			}
		}
	}
	var order []string
	for _, r := range s.decl.Recipients {
		if by[r.ID] != nil {
			order = append(order, r.ID)
		}
	}
	return order, by
}

// notify tells every recipient of the affected datasets of r's change and
// audits each notice under the subject's pseudonym. Without a Notifier it
// records, for every such recipient, that the controller must tell it,
// and fails nothing; a Notifier that fails makes the error wrap
// ErrNotNotified.
func (s *Service) notify(ctx context.Context, r *Request, affected []string, changes []Change, at time.Time) ([]RecipientNotice, error) {
	order, by := s.recipientsOf(affected)
	var notices []RecipientNotice
	var failed []string
	for _, rid := range order {
		rn := RecipientNotice{Recipient: rid, Datasets: by[rid]}
		if rec := s.decl.Recipient(rid); rec != nil {
			rn.Name = rec.Name
		}
		err := errors.New("no notifier is configured (ServiceOptions.Notifier)")
		if s.notifier != nil {
			id, idErr := uuid.NewV7()
			if idErr != nil {
				return notices, fmt.Errorf("dsar: %w", idErr)
			}
			n := Notification{ID: id.String(), Recipient: rid, Kind: r.kind, Request: r.id, Subject: r.subject, Datasets: by[rid], At: at}
			for _, c := range changes {
				if slices.Contains(by[rid], c.Dataset) {
					n.Changes = append(n.Changes, c)
				}
			}
			err = s.notifier.Notify(ctx, n)
		}
		var note string
		switch {
		case err == nil:
			rn.Notified = true
			note = notifyNote(rid, Told, nil)
		case s.notifier == nil:
			rn.Error = "frist has no notifier for it: tell the recipient yourself (Art. 19)"
			note = notifyNote(rid, ByController, nil)
		default:
			rn.Error = err.Error()
			note = notifyNote(rid, NotTold, err)
			failed = append(failed, rid)
		}
		if aerr := s.audit(ctx, at, "dsar.notify", r, "", len(by[rid]), note); aerr != nil {
			return notices, aerr
		}
		notices = append(notices, rn)
	}
	if len(failed) > 0 {
		return notices, fmt.Errorf("%w: %v", ErrNotNotified, failed)
	}
	return notices, nil
}
