package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
)

// PlaceHold implements store.Holds. A hold with a Key holds that record of
// Dataset; a hold with a Subject holds that subject's records (in Dataset,
// or everywhere when Dataset is empty); a hold with both holds both. The
// hold and its audit entry are stored under the one lock, after every
// check that can refuse them and after the entry is built, so both are
// stored or neither is.
func (s *Store) PlaceHold(ctx context.Context, h store.Hold, entry store.HoldAudit) (audit.Entry, error) {
	if err := s.begin(ctx); err != nil {
		return audit.Entry{}, err
	}
	defer s.mu.Unlock()
	if h.Dataset != "" {
		if _, err := s.dataset(h.Dataset); err != nil {
			return audit.Entry{}, err
		}
	}
	if _, dup := s.holds[h.ID]; dup {
		return audit.Entry{}, fmt.Errorf("%w: hold %s exists", store.ErrConflict, h.ID)
	}
	e, err := entry(h)
	if err != nil {
		return audit.Entry{}, fmt.Errorf("memstore: hold %s not placed: %w", h.ID, err)
	}
	p := &h
	s.holds[h.ID] = p
	if h.Key != "" {
		ref := recordRef{h.Dataset, h.Key}
		s.recHolds[ref] = append(s.recHolds[ref], p)
	}
	if h.Subject != "" {
		s.subjHolds[h.Subject] = append(s.subjHolds[h.Subject], p)
	}
	sealed := audit.Seal(s.head(), e)
	s.log = append(s.log, sealed)
	return cloneEntry(sealed), nil
}

// ReleaseHold implements store.Holds: the release and its audit entry are
// stored under the one lock, after the entry is built.
func (s *Store) ReleaseHold(ctx context.Context, id string, at time.Time, entry store.HoldAudit) (audit.Entry, error) {
	if err := s.begin(ctx); err != nil {
		return audit.Entry{}, err
	}
	defer s.mu.Unlock()
	h, ok := s.holds[id]
	if !ok {
		return audit.Entry{}, fmt.Errorf("%w: hold %s", store.ErrNotFound, id)
	}
	if !h.ReleasedAt.IsZero() || !h.Until.IsZero() && !at.Before(h.Until) {
		return audit.Entry{}, nil // ended: nothing to release
	}
	released := *h
	released.ReleasedAt = at
	e, err := entry(released)
	if err != nil {
		return audit.Entry{}, fmt.Errorf("memstore: hold %s not released: %w", id, err)
	}
	h.ReleasedAt = at
	sealed := audit.Seal(s.head(), e)
	s.log = append(s.log, sealed)
	return cloneEntry(sealed), nil
}

// ListHolds implements store.Holds: O(h log h) for h holds ever placed.
func (s *Store) ListHolds(ctx context.Context, at time.Time) ([]store.Hold, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var out []store.Hold
	for _, h := range s.holds {
		if h.Active(at) {
			out = append(out, *h)
		}
	}
	slices.SortFunc(out, func(a, b store.Hold) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// ExpireHolds implements store.Holds in O(h) for h holds stored: it
// deletes the holds that ended before endedBefore (store.Hold.Ended) and
// drops them from the indexes Process consults.
func (s *Store) ExpireHolds(ctx context.Context, endedBefore time.Time) (int, error) {
	if err := s.begin(ctx); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	n := 0
	for id, h := range s.holds {
		end := h.Ended()
		if end.IsZero() || !end.Before(endedBefore) {
			continue
		}
		delete(s.holds, id)
		if h.Key != "" {
			ref := recordRef{h.Dataset, h.Key}
			if rest := slices.DeleteFunc(s.recHolds[ref], func(x *store.Hold) bool { return x == h }); len(rest) > 0 {
				s.recHolds[ref] = rest
			} else {
				delete(s.recHolds, ref)
			}
		}
		if h.Subject != "" {
			if rest := slices.DeleteFunc(s.subjHolds[h.Subject], func(x *store.Hold) bool { return x == h }); len(rest) > 0 {
				s.subjHolds[h.Subject] = rest
			} else {
				delete(s.subjHolds, h.Subject)
			}
		}
		n++
	}
	return n, nil
}
