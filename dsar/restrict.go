package dsar

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/frist-go/frist/internal/storecheck"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
)

// Restrict carries out the restriction request with id (Art. 18): it places
// an Art. 18 hold (store.HoldRestriction) on every record of the subject
// through the retention engine, which from then on neither deletes nor
// anonymizes them, and Allowed answers false for every purpose. note says
// in words, without personal data, which case of Art. 18(1) applies. The
// request must be a restriction request whose requester is verified; on
// success it is completed, and every recipient of a dataset holding the
// subject's records is told (Art. 19, see Notifier; when one cannot be,
// the error wraps ErrNotNotified). It returns the hold; LiftRestriction
// releases it.
func (s *Service) Restrict(ctx context.Context, id uuid.UUID, note string) (store.Hold, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.begin(ctx, id, Restriction)
	if err != nil {
		return store.Hold{}, err
	}
	h, err := s.eng.PlaceHold(ctx, retention.HoldRequest{Subject: r.subject, Reason: store.HoldRestriction,
		Note: strings.TrimSpace("request " + r.id.String() + " " + note)})
	if err != nil {
		return store.Hold{}, fmt.Errorf("dsar: restricting for %s: %w", r, err)
	}
	if err := s.finish(ctx, r, "hold "+h.ID); err != nil {
		return h, err
	}
	var affected []string
	for i := range s.decl.Datasets {
		ds := &s.decl.Datasets[i]
		if ds.Subject == "" {
			continue
		}
		recs, err := s.records(ctx, ds, r.subject, []string{})
		if err != nil {
			return h, fmt.Errorf("dsar: reading dataset %s: %w", ds.ID, err)
		}
		if len(recs) > 0 {
			affected = append(affected, ds.ID)
		}
	}
	if _, err := s.notify(ctx, r, affected, nil, h.PlacedAt); err != nil {
		return h, err
	}
	return h, nil
}

// LiftRestriction releases the Art. 18 holds on subject, after the
// controller has informed the subject as Art. 18(3) requires; the records
// fall due again under their rules. It returns how many holds it released.
func (s *Service) LiftRestriction(ctx context.Context, subject string) (int, error) {
	holds, err := s.st.ListHolds(ctx, s.clock())
	if err != nil {
		return 0, fmt.Errorf("dsar: listing holds: %w", err)
	}
	n := 0
	for _, h := range holds {
		if h.Subject == subject && h.Reason == store.HoldRestriction {
			if err := s.eng.ReleaseHold(ctx, h.ID); err != nil {
				return n, fmt.Errorf("dsar: lifting restriction hold %s: %w", h.ID, err)
			}
			n++
		}
	}
	return n, nil
}

// Object carries out the objection request with id (Art. 21(1)) to
// processing for purpose: a purpose that rests on Art. 6(1)(e) or (f) is
// marked as objected for the subject (store.RequestStore), and Allowed
// answers false for it from then on. An objection to a purpose on any other
// basis is refused: the request moves to Refused with the reason, and the
// error wraps ErrNotObjectable. The request must be an objection request
// whose requester is verified; on success it is completed.
func (s *Service) Object(ctx context.Context, id uuid.UUID, purpose string) (store.Objection, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.begin(ctx, id, Objection)
	if err != nil {
		return store.Objection{}, err
	}
	p := s.decl.Purpose(purpose)
	if p == nil {
		return store.Objection{}, fmt.Errorf("%w: purpose %q is not declared", ErrInvalid, purpose)
	}
	if !p.HasBasis(policy.PublicTask) && !p.HasBasis(policy.LegitimateInterests) {
		reason := "Art. 21(1) GDPR: purpose " + p.ID + " rests neither on Art. 6(1)(e) nor on Art. 6(1)(f); where it rests on consent, withdraw it (Art. 7(3))"
		now := s.clock()
		if err := s.move(ctx, r, now, func() error { return r.Transition(Refused, now, reason) }); err != nil {
			return store.Objection{}, err
		}
		return store.Objection{}, fmt.Errorf("%w: %s", ErrNotObjectable, reason)
	}
	oid, err := uuid.NewV7()
	if err != nil {
		return store.Objection{}, fmt.Errorf("dsar: objection ID: %w", err)
	}
	o := store.Objection{ID: oid.String(), Subject: r.subject, Purpose: p.ID, At: s.clock(), Request: r.id.String()}
	if err := storecheck.Objection(o); err != nil {
		return store.Objection{}, fmt.Errorf("dsar: the objection of %s cannot be stored: %w", r, err)
	}
	if err := s.rs.AddObjection(ctx, o); err != nil {
		return store.Objection{}, fmt.Errorf("dsar: storing the objection of %s: %w", r, err)
	}
	if err := s.audit(ctx, o.At, "dsar.object", r, "", 0, "purpose "+p.ID); err != nil {
		return o, err
	}
	if err := s.finish(ctx, r, "objection "+o.ID); err != nil {
		return o, err
	}
	return o, nil
}

// Allowed tells the application whether it may still process the data of
// subject for purpose now: false while an objection to the purpose is in
// force (Art. 21(1)) and while processing of the subject's data is
// restricted (Art. 18(2): only storage remains allowed). It returns an
// error for an undeclared purpose.
func (s *Service) Allowed(ctx context.Context, subject, purpose string) (bool, error) {
	if s.decl.Purpose(purpose) == nil {
		return false, fmt.Errorf("%w: purpose %q is not declared", ErrInvalid, purpose)
	}
	now := s.clock()
	obs, err := s.rs.ListObjections(ctx, subject)
	if err != nil {
		return false, fmt.Errorf("dsar: reading objections: %w", err)
	}
	for _, o := range obs {
		if o.Purpose == purpose && o.Active(now) {
			return false, nil
		}
	}
	holds, err := s.st.ListHolds(ctx, now)
	if err != nil {
		return false, fmt.Errorf("dsar: listing holds: %w", err)
	}
	for _, h := range holds {
		if h.Subject == subject && h.Reason == store.HoldRestriction {
			return false, nil
		}
	}
	return true, nil
}
