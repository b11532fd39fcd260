package multistore

import (
	"context"
	"time"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
)

// Home is what the home backend must be: the required core, where the
// holds, the audit log, the leases and the datasets without a route live,
// and the two features a Store offers by delegating to it, the consent
// ledger and data-subject requests. Its type, not a check at run time,
// says so: store/memstore, store/sqlitestore and store/pgstore are homes.
type Home interface {
	store.Driver
	store.ConsentStore
	store.RequestStore
}

var (
	_ Home               = (*Store)(nil)
	_ store.IndexChecker = (*Store)(nil)
)

// homeOpen returns the home backend, or the error that ctx has ended or the
// Store is closed. The caller calls s.mu.RUnlock when the error is nil.
func (s *Store) homeOpen(ctx context.Context) (Home, error) {
	if err := s.open(ctx); err != nil {
		return nil, err
	}
	return s.home, nil
}

// AppendConsent implements store.ConsentStore in the home backend, which
// also keeps the audit log, so the event and its entry are stored
// atomically there.
func (s *Store) AppendConsent(ctx context.Context, ev store.ConsentEvent, entry audit.Entry) (audit.Entry, error) {
	h, err := s.homeOpen(ctx)
	if err != nil {
		return audit.Entry{}, err
	}
	defer s.mu.RUnlock()
	return h.AppendConsent(ctx, ev, entry)
}

// ConsentEvents implements store.ConsentStore in the home backend.
func (s *Store) ConsentEvents(ctx context.Context, subject, purpose string) ([]store.ConsentEvent, error) {
	h, err := s.homeOpen(ctx)
	if err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	return h.ConsentEvents(ctx, subject, purpose)
}

// EraseConsentSubject implements store.ConsentStore in the home backend.
func (s *Store) EraseConsentSubject(ctx context.Context, subject, pseudonym string) (int, error) {
	h, err := s.homeOpen(ctx)
	if err != nil {
		return 0, err
	}
	defer s.mu.RUnlock()
	return h.EraseConsentSubject(ctx, subject, pseudonym)
}

// ScanConsents implements store.ConsentStore in the home backend.
func (s *Store) ScanConsents(ctx context.Context, subject, purpose string, until time.Time, fn func(store.ConsentEvent) bool) error {
	h, err := s.homeOpen(ctx)
	if err != nil {
		return err
	}
	defer s.mu.RUnlock()
	return h.ScanConsents(ctx, subject, purpose, until, fn)
}

// CreateRequest implements store.RequestStore in the home backend.
func (s *Store) CreateRequest(ctx context.Context, r store.Request) error {
	h, err := s.homeOpen(ctx)
	if err != nil {
		return err
	}
	defer s.mu.RUnlock()
	return h.CreateRequest(ctx, r)
}

// UpdateRequest implements store.RequestStore in the home backend.
func (s *Store) UpdateRequest(ctx context.Context, r store.Request) (int, error) {
	h, err := s.homeOpen(ctx)
	if err != nil {
		return 0, err
	}
	defer s.mu.RUnlock()
	return h.UpdateRequest(ctx, r)
}

// Request implements store.RequestStore in the home backend.
func (s *Store) Request(ctx context.Context, id string) (store.Request, error) {
	h, err := s.homeOpen(ctx)
	if err != nil {
		return store.Request{}, err
	}
	defer s.mu.RUnlock()
	return h.Request(ctx, id)
}

// ListRequests implements store.RequestStore in the home backend.
func (s *Store) ListRequests(ctx context.Context, f store.RequestFilter) ([]store.Request, error) {
	h, err := s.homeOpen(ctx)
	if err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	return h.ListRequests(ctx, f)
}

// AddObjection implements store.RequestStore in the home backend.
func (s *Store) AddObjection(ctx context.Context, o store.Objection) error {
	h, err := s.homeOpen(ctx)
	if err != nil {
		return err
	}
	defer s.mu.RUnlock()
	return h.AddObjection(ctx, o)
}

// LiftObjection implements store.RequestStore in the home backend.
func (s *Store) LiftObjection(ctx context.Context, id string, at time.Time, reason string) error {
	h, err := s.homeOpen(ctx)
	if err != nil {
		return err
	}
	defer s.mu.RUnlock()
	return h.LiftObjection(ctx, id, at, reason)
}

// ListObjections implements store.RequestStore in the home backend.
func (s *Store) ListObjections(ctx context.Context, subject string) ([]store.Objection, error) {
	h, err := s.homeOpen(ctx)
	if err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	return h.ListObjections(ctx, subject)
}

// ExpireConsents implements store.ConsentStore in the home backend.
func (s *Store) ExpireConsents(ctx context.Context, endedBefore time.Time) (int, error) {
	h, err := s.homeOpen(ctx)
	if err != nil {
		return 0, err
	}
	defer s.mu.RUnlock()
	return h.ExpireConsents(ctx, endedBefore)
}

// PseudonymizeRequests implements store.RequestStore in the home backend.
func (s *Store) PseudonymizeRequests(ctx context.Context, closedBefore time.Time, pseudonym func(subject string) string) (int, error) {
	h, err := s.homeOpen(ctx)
	if err != nil {
		return 0, err
	}
	defer s.mu.RUnlock()
	return h.PseudonymizeRequests(ctx, closedBefore, pseudonym)
}

// ExpireRequests implements store.RequestStore in the home backend.
func (s *Store) ExpireRequests(ctx context.Context, closedBefore time.Time) (int, error) {
	h, err := s.homeOpen(ctx)
	if err != nil {
		return 0, err
	}
	defer s.mu.RUnlock()
	return h.ExpireRequests(ctx, closedBefore)
}
