package memstore

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
)

// requestBook holds data-subject requests and objections; the zero value
// is empty and ready. It is guarded by Store.mu.
type requestBook struct {
	requests   map[string]*store.Request
	objections map[string]*store.Objection
}

// micro truncates t to the microsecond and converts it to UTC, as the
// contract of store.RequestStore says.
func micro(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.Truncate(time.Microsecond).UTC()
}

func cloneRequest(r store.Request) store.Request {
	r.Body = bytes.Clone(r.Body)
	return r
}

// CreateRequest implements store.RequestStore.
func (s *Store) CreateRequest(ctx context.Context, r store.Request) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if s.requests.requests == nil {
		s.requests.requests = make(map[string]*store.Request)
	}
	if _, dup := s.requests.requests[r.ID]; dup {
		return fmt.Errorf("%w: request %s exists", store.ErrConflict, r.ID)
	}
	r = cloneRequest(r)
	r.ReceivedAt, r.Due, r.ClosedAt, r.Version = micro(r.ReceivedAt), micro(r.Due), micro(r.ClosedAt), 1
	r.Pseudonymized = false
	s.requests.requests[r.ID] = &r
	return nil
}

// UpdateRequest implements store.RequestStore.
func (s *Store) UpdateRequest(ctx context.Context, r store.Request) (int, error) {
	if err := s.begin(ctx); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	old, ok := s.requests.requests[r.ID]
	if !ok {
		return 0, fmt.Errorf("%w: request %s", store.ErrNotFound, r.ID)
	}
	if old.Version != r.Version {
		return 0, fmt.Errorf("%w: request %s is at version %d, the update is based on version %d", store.ErrConflict, r.ID, old.Version, r.Version)
	}
	if old.Subject != r.Subject || old.Kind != r.Kind || !old.ReceivedAt.Equal(micro(r.ReceivedAt)) {
		return 0, fmt.Errorf("memstore: request %s: subject, kind and time of receipt cannot change", r.ID)
	}
	r = cloneRequest(r)
	r.ReceivedAt, r.Due, r.ClosedAt, r.Version = old.ReceivedAt, micro(r.Due), micro(r.ClosedAt), old.Version+1
	r.Pseudonymized = old.Pseudonymized
	s.requests.requests[r.ID] = &r
	return r.Version, nil
}

// Request implements store.RequestStore.
func (s *Store) Request(ctx context.Context, id string) (store.Request, error) {
	if err := s.begin(ctx); err != nil {
		return store.Request{}, err
	}
	defer s.mu.Unlock()
	r, ok := s.requests.requests[id]
	if !ok {
		return store.Request{}, fmt.Errorf("%w: request %s", store.ErrNotFound, id)
	}
	return cloneRequest(*r), nil
}

// ListRequests implements store.RequestStore: O(n log n) for n requests.
func (s *Store) ListRequests(ctx context.Context, f store.RequestFilter) ([]store.Request, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var out []store.Request
	for _, r := range s.requests.requests {
		switch {
		case f.Subject != "" && r.Subject != f.Subject,
			len(f.States) > 0 && !slices.Contains(f.States, r.State),
			f.OpenOnly && r.Final,
			!f.DueBefore.IsZero() && r.Due.After(f.DueBefore):
			continue
		}
		out = append(out, cloneRequest(*r))
	}
	slices.SortFunc(out, func(a, b store.Request) int {
		if c := a.Due.Compare(b.Due); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

// AddObjection implements store.RequestStore.
func (s *Store) AddObjection(ctx context.Context, o store.Objection) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if s.requests.objections == nil {
		s.requests.objections = make(map[string]*store.Objection)
	}
	if _, dup := s.requests.objections[o.ID]; dup {
		return fmt.Errorf("%w: objection %s exists", store.ErrConflict, o.ID)
	}
	o.At = micro(o.At)
	s.requests.objections[o.ID] = &o
	return nil
}

// LiftObjection implements store.RequestStore.
func (s *Store) LiftObjection(ctx context.Context, id string, at time.Time, reason string) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	o, ok := s.requests.objections[id]
	if !ok {
		return fmt.Errorf("%w: objection %s", store.ErrNotFound, id)
	}
	if o.LiftedAt.IsZero() {
		o.LiftedAt, o.LiftReason = micro(at), reason
	}
	return nil
}

// ListObjections implements store.RequestStore.
func (s *Store) ListObjections(ctx context.Context, subject string) ([]store.Objection, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var out []store.Objection
	for _, o := range s.requests.objections {
		if o.Subject == subject {
			out = append(out, *o)
		}
	}
	slices.SortFunc(out, func(a, b store.Objection) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out, nil
}

// PseudonymizeRequests implements store.RequestStore.
func (s *Store) PseudonymizeRequests(ctx context.Context, closedBefore time.Time, pseudonym func(subject string) string) (int, error) {
	if err := s.begin(ctx); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests.requests {
		if r.Final && !r.Pseudonymized && !r.ClosedAt.IsZero() && r.ClosedAt.Before(closedBefore) {
			r.Subject, r.Pseudonymized = pseudonym(r.Subject), true
			n++
		}
	}
	return n, nil
}

// ExpireRequests implements store.RequestStore.
func (s *Store) ExpireRequests(ctx context.Context, closedBefore time.Time) (int, error) {
	if err := s.begin(ctx); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	n := 0
	for id, r := range s.requests.requests {
		if r.Final && !r.ClosedAt.IsZero() && r.ClosedAt.Before(closedBefore) {
			delete(s.requests.requests, id)
			n++
		}
	}
	for id, o := range s.requests.objections {
		if !o.LiftedAt.IsZero() && o.LiftedAt.Before(closedBefore) {
			delete(s.requests.objections, id)
			n++
		}
	}
	return n, nil
}

// UpdateFields implements store.Driver: the values are converted before
// anything changes, so a refusal changes nothing.
func (s *Store) UpdateFields(ctx context.Context, dataset, key, subject string, values map[string]any, entry audit.Entry) (audit.Entry, error) {
	if err := s.begin(ctx); err != nil {
		return audit.Entry{}, err
	}
	defer s.mu.Unlock()
	ds, err := s.dataset(dataset)
	if err != nil {
		return audit.Entry{}, err
	}
	upd := make(map[string]any, len(values))
	for _, name := range slices.Sorted(maps.Keys(values)) {
		col := ds.fieldCol[name]
		v, err := ds.checkWrite(col, values[name])
		if err != nil {
			return audit.Entry{}, fmt.Errorf("memstore: update of %s: field %s: %w", dataset, name, err)
		}
		upd[col] = v
	}
	r, ok := ds.rows[key]
	if !ok || subject == "" || r.subject != subject {
		return audit.Entry{}, fmt.Errorf("%w: dataset %s has no record with that key of that subject", store.ErrNotFound, dataset)
	}
	ds.write(r, upd)
	sealed := audit.Seal(s.head(), entry)
	s.log = append(s.log, sealed)
	return cloneEntry(sealed), nil
}
