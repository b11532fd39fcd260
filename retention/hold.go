package retention

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/internal/storecheck"
	"github.com/frist-go/frist/store"
)

// HoldRequest asks to exclude records from every rule: one record (Dataset
// and Key) or every record of a subject (Subject, in Dataset or in every
// dataset when Dataset is empty).
type HoldRequest struct {
	Dataset string
	Key     string
	Subject string
	// Reason cites why the records must be kept: store.HoldLegalObligation
	// (Art. 17(3)(b)), store.HoldLegalClaims (Art. 17(3)(e)) or
	// store.HoldRestriction (Art. 18).
	Reason store.HoldReason
	// Note explains the hold in words for auditors. It must not contain
	// personal data; it is stored with the hold but not copied to the audit
	// log.
	Note string
	// Until, when non-zero, ends the hold automatically; it must lie in
	// the future.
	Until time.Time
}

// PlaceHold places a legal hold or restriction and records it in the audit
// log as "hold.place", naming the subject only by its keyed pseudonym. From
// the moment PlaceHold returns, no rule on any replica touches the records
// it covers until it is released or ends (Art. 17(3)(b) and (e),
// Art. 18(1)), also in a sweep already running and whatever the replicas'
// clocks say (see Holds in the package documentation). Invalid requests
// are refused with an error wrapping ErrInvalidHold that says what is
// wrong. It returns the stored hold with its UUIDv7 ID.
//
// The hold and its audit entry are stored in one atomic step
// (store.Holds; docs/DESIGN.md, "Atomic batches"): a hold is in force
// only with the entry that records it, and when the entry cannot be
// stored, no hold is placed and the error is returned. Behind a
// multistore the backends are reached one after another (see package
// store/multistore for what a failure between them leaves).
//
// PlaceHold tells no recipient of a restriction (Art. 19): dsar.Service.
// Restrict, which places the Art. 18 holds of data subjects' requests,
// does, with the request.
func (e *Engine) PlaceHold(ctx context.Context, req HoldRequest) (store.Hold, error) {
	now := e.now()
	if err := e.checkHold(req, now); err != nil {
		return store.Hold{}, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return store.Hold{}, fmt.Errorf("retention: hold ID: %w", err)
	}
	h := store.Hold{
		ID: id.String(), Dataset: req.Dataset, Key: req.Key, Subject: req.Subject,
		Reason: req.Reason, Note: req.Note, PlacedAt: now, Until: req.Until,
	}
	if _, err := storecheck.PlaceHold(ctx, e.st, h, e.holdEntry("hold.place", now)); err != nil {
		return store.Hold{}, fmt.Errorf("retention: placing hold: %w", err)
	}
	e.log.InfoContext(ctx, "retention: hold placed", "hold", h.ID, "dataset", h.Dataset, "reason", string(h.Reason))
	return h, nil
}

// checkHold explains what is wrong with req.
func (e *Engine) checkHold(req HoldRequest, now time.Time) error {
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidHold, fmt.Sprintf(format, args...))
	}
	switch req.Reason {
	case store.HoldLegalObligation, store.HoldLegalClaims, store.HoldRestriction:
	case "":
		return invalid("reason is missing: cite 17.3.b (legal obligation), 17.3.e (legal claims) or 18 (restriction)")
	default:
		return invalid("reason %q is not one of 17.3.b (legal obligation), 17.3.e (legal claims) or 18 (restriction)", req.Reason)
	}
	switch {
	case req.Key == "" && req.Subject == "":
		return invalid("a hold names a record (dataset and key) or a subject")
	case req.Key != "" && req.Subject != "":
		return invalid("a hold names a record or a subject, not both")
	case req.Key != "" && req.Dataset == "":
		return invalid("a hold on a key names the key's dataset")
	case !req.Until.IsZero() && !req.Until.After(now):
		return invalid("until %s is not in the future", req.Until.Format(time.RFC3339))
	}
	if req.Dataset != "" {
		ds := e.decl.Dataset(req.Dataset)
		if ds == nil {
			return fmt.Errorf("%w: %w: %q", ErrInvalidHold, ErrUnknownDataset, req.Dataset)
		}
		if req.Subject != "" && ds.Subject == "" {
			return invalid("dataset %s has no subject column, so a hold cannot name a subject in it", ds.ID)
		}
	}
	return nil
}

// ReleaseHold releases the hold with id and records "hold.release" in the
// audit log, in one atomic step (store.Holds); records it covered fall due
// again at the next sweep (and at once if their deadline has passed).
// Events remembered for records that are now free (see Trigger) act at
// once, before ReleaseHold returns: "Bei einer Terminstornierung oder
// einem Widerruf werden die verarbeiteten personenbezogenen Daten sofort
// gelöscht." Releasing a hold that has already ended or been released
// changes nothing and writes no entry. It returns an error wrapping
// ErrHoldNotFound for an unknown id, and an error wrapping
// ErrRememberedFailed when the hold was released but acting on remembered
// events failed (the next sweep retries them). When the release or its
// entry cannot be stored, the hold stays in force and the error is
// returned.
func (e *Engine) ReleaseHold(ctx context.Context, id string) error {
	now := e.now()
	var released store.Hold
	entry := e.holdEntry("hold.release", now)
	sealed, err := storecheck.ReleaseHold(ctx, e.st, id, now, func(h store.Hold) (audit.Entry, error) {
		released = h
		return entry(h)
	})
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%w: %q", ErrHoldNotFound, id)
		}
		return fmt.Errorf("retention: releasing hold: %w", err)
	}
	if sealed.Hash == "" {
		return nil // the hold had ended: nothing was released
	}
	e.log.InfoContext(ctx, "retention: hold released", "hold", id, "dataset", released.Dataset, "reason", string(released.Reason))
	return e.retryAfterRelease(ctx, now) // remembered.go
}

// holdEntry builds the audit entry of a hold change (store.HoldAudit),
// signed by the engine's signer. The entry names the hold by its ID and
// reason and the subject by its keyed pseudonym; the key and the note are
// not copied into the log.
func (e *Engine) holdEntry(action string, now time.Time) store.HoldAudit {
	return func(h store.Hold) (audit.Entry, error) {
		entry := audit.Entry{
			Time:    now,
			Action:  action,
			Dataset: h.Dataset,
			Policy:  e.policyHash,
			Note:    fmt.Sprintf("hold %s reason %s", h.ID, reasonText(h.Reason)),
		}
		if h.Key != "" {
			entry.Count = 1
		}
		if h.Subject != "" {
			entry.Subjects = []string{e.auditKey.Pseudonym(h.Subject)}
		}
		if !h.Until.IsZero() {
			entry.Note += " until " + h.Until.UTC().Format(time.RFC3339)
		}
		return entry.SignedBy(e.signer), nil
	}
}

// reasonText cites the article behind a hold reason.
func reasonText(r store.HoldReason) string {
	switch r {
	case store.HoldLegalObligation:
		return "Art. 17(3)(b) GDPR"
	case store.HoldLegalClaims:
		return "Art. 17(3)(e) GDPR"
	case store.HoldRestriction:
		return "Art. 18 GDPR"
	}
	return string(r)
}
