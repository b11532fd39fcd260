package multistore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/frist-go/frist/store"
)

var (
	_ store.Consents       = (*Store)(nil)
	_ store.ConsentScanner = (*Store)(nil)
	_ store.Requests       = (*Store)(nil)
	_ store.Objections     = (*Store)(nil)
)

// homeAs returns the home backend as T, or an error wrapping
// errors.ErrUnsupported naming what it lacks. The caller calls
// s.mu.RUnlock when the error is nil.
func homeAs[T any](ctx context.Context, s *Store, what string) (T, error) {
	var zero T
	if err := s.open(ctx); err != nil {
		return zero, err
	}
	t, ok := s.home.(T)
	if !ok {
		s.mu.RUnlock()
		return zero, fmt.Errorf("multistore: the home backend does not implement %s: %w", what, errors.ErrUnsupported)
	}
	return t, nil
}

// AppendConsent implements store.Consents in the home backend.
func (s *Store) AppendConsent(ctx context.Context, ev store.ConsentEvent) error {
	h, err := homeAs[store.Consents](ctx, s, "store.Consents")
	if err != nil {
		return err
	}
	defer s.mu.RUnlock()
	return h.AppendConsent(ctx, ev)
}

// ConsentEvents implements store.Consents in the home backend.
func (s *Store) ConsentEvents(ctx context.Context, subject, purpose string) ([]store.ConsentEvent, error) {
	h, err := homeAs[store.Consents](ctx, s, "store.Consents")
	if err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	return h.ConsentEvents(ctx, subject, purpose)
}

// EraseConsentSubject implements store.Consents in the home backend.
func (s *Store) EraseConsentSubject(ctx context.Context, subject, pseudonym string) (int, error) {
	h, err := homeAs[store.Consents](ctx, s, "store.Consents")
	if err != nil {
		return 0, err
	}
	defer s.mu.RUnlock()
	return h.EraseConsentSubject(ctx, subject, pseudonym)
}

// ScanConsents implements store.ConsentScanner in the home backend; when
// the home backend has Consents but not the fast path, it reads
// ConsentEvents and walks them backwards, which gives the same answer.
func (s *Store) ScanConsents(ctx context.Context, subject, purpose string, until time.Time, fn func(store.ConsentEvent) bool) error {
	h, err := homeAs[store.Consents](ctx, s, "store.Consents")
	if err != nil {
		return err
	}
	defer s.mu.RUnlock()
	if sc, ok := h.(store.ConsentScanner); ok {
		return sc.ScanConsents(ctx, subject, purpose, until, fn)
	}
	evs, err := h.ConsentEvents(ctx, subject, purpose)
	if err != nil {
		return err
	}
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].At.After(until) {
			continue
		}
		if !fn(evs[i]) {
			return nil
		}
	}
	return nil
}

// CreateRequest implements store.Requests in the home backend.
func (s *Store) CreateRequest(ctx context.Context, r store.Request) error {
	h, err := homeAs[store.Requests](ctx, s, "store.Requests")
	if err != nil {
		return err
	}
	defer s.mu.RUnlock()
	return h.CreateRequest(ctx, r)
}

// UpdateRequest implements store.Requests in the home backend.
func (s *Store) UpdateRequest(ctx context.Context, r store.Request) (int, error) {
	h, err := homeAs[store.Requests](ctx, s, "store.Requests")
	if err != nil {
		return 0, err
	}
	defer s.mu.RUnlock()
	return h.UpdateRequest(ctx, r)
}

// Request implements store.Requests in the home backend.
func (s *Store) Request(ctx context.Context, id string) (store.Request, error) {
	h, err := homeAs[store.Requests](ctx, s, "store.Requests")
	if err != nil {
		return store.Request{}, err
	}
	defer s.mu.RUnlock()
	return h.Request(ctx, id)
}

// ListRequests implements store.Requests in the home backend.
func (s *Store) ListRequests(ctx context.Context, f store.RequestFilter) ([]store.Request, error) {
	h, err := homeAs[store.Requests](ctx, s, "store.Requests")
	if err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	return h.ListRequests(ctx, f)
}

// AddObjection implements store.Objections in the home backend.
func (s *Store) AddObjection(ctx context.Context, o store.Objection) error {
	h, err := homeAs[store.Objections](ctx, s, "store.Objections")
	if err != nil {
		return err
	}
	defer s.mu.RUnlock()
	return h.AddObjection(ctx, o)
}

// LiftObjection implements store.Objections in the home backend.
func (s *Store) LiftObjection(ctx context.Context, id string, at time.Time, reason string) error {
	h, err := homeAs[store.Objections](ctx, s, "store.Objections")
	if err != nil {
		return err
	}
	defer s.mu.RUnlock()
	return h.LiftObjection(ctx, id, at, reason)
}

// ListObjections implements store.Objections in the home backend.
func (s *Store) ListObjections(ctx context.Context, subject string) ([]store.Objection, error) {
	h, err := homeAs[store.Objections](ctx, s, "store.Objections")
	if err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	return h.ListObjections(ctx, subject)
}
