package multistore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/frist-go/frist/store"
)

// targets returns the backends a hold goes to: the backend of its
// dataset, or every backend for a hold on a subject in every dataset, so
// that each backend's Process excludes the records the hold covers.
func (s *Store) targets(h store.Hold) []store.Driver {
	if h.Dataset == "" {
		return s.all()
	}
	drv, _ := s.backend(h.Dataset)
	return []store.Driver{drv}
}

// PlaceHold implements store.Holds. The hold is placed in the backend of
// its dataset, or, when it names no dataset, in every backend (Art. 18(1):
// a restricted subject's records are excluded wherever they are). It
// returns store.ErrConflict when a hold with h.ID exists in those
// backends; a hold left placed in only some of them by a failure is
// finished by placing it again, which then succeeds.
func (s *Store) PlaceHold(ctx context.Context, h store.Hold) error {
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.mu.RUnlock()
	placed := false
	for _, drv := range s.targets(h) {
		err := drv.PlaceHold(ctx, h)
		if errors.Is(err, store.ErrConflict) {
			same, lerr := holds(ctx, drv, h)
			if lerr != nil {
				return lerr
			}
			if same {
				continue // placed there by an earlier, interrupted call
			}
			if placed {
				return fmt.Errorf("multistore: hold %s: another hold with this ID exists in one of its backends, and the hold is now placed in others: %w", h.ID, err)
			}
			return err
		}
		if err != nil {
			return err
		}
		placed = true
	}
	if !placed {
		return fmt.Errorf("%w: hold %s exists", store.ErrConflict, h.ID)
	}
	return nil
}

// holds reports whether drv holds a hold equal to h (as placed, not
// released).
func holds(ctx context.Context, drv store.Driver, h store.Hold) (bool, error) {
	active, err := drv.ListHolds(ctx, h.PlacedAt)
	if err != nil {
		return false, err
	}
	for _, x := range active {
		if x.ID == h.ID {
			return x.Dataset == h.Dataset && x.Key == h.Key && x.Subject == h.Subject && x.Reason == h.Reason &&
				x.Note == h.Note && x.PlacedAt.Equal(h.PlacedAt) && x.Until.Equal(h.Until) && x.ReleasedAt.IsZero(), nil
		}
	}
	return false, nil
}

// ReleaseHold implements store.Holds in every backend that has the hold,
// home last. It returns store.ErrNotFound when none has it.
func (s *Store) ReleaseHold(ctx context.Context, id string, at time.Time) error {
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.mu.RUnlock()
	found := false
	for _, drv := range s.all() {
		err := drv.ReleaseHold(ctx, id, at)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		found = true
	}
	if !found {
		return fmt.Errorf("%w: hold %s", store.ErrNotFound, id)
	}
	return nil
}

// ListHolds implements store.Holds: the holds active at the time in any
// backend, each once, ordered by ID. A hold that a failure left released
// in some backends and not in others is listed, as it still holds records.
func (s *Store) ListHolds(ctx context.Context, at time.Time) ([]store.Hold, error) {
	if err := s.open(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	var out []store.Hold
	seen := map[string]bool{}
	for _, drv := range s.all() {
		hs, err := drv.ListHolds(ctx, at)
		if err != nil {
			return nil, err
		}
		for _, h := range hs {
			if !seen[h.ID] {
				seen[h.ID] = true
				out = append(out, h)
			}
		}
	}
	slices.SortFunc(out, func(a, b store.Hold) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// ExpireHolds implements store.Holds in every backend, home last: each
// deletes the holds it stores that ended before endedBefore. It returns
// the number of holds of which a backend deleted its copy, each once: a
// hold on a subject in every dataset is stored in every backend and
// counted once. A hold that a failure left released in some backends and
// not in others stays in force in those, and is deleted there only once
// released there too. The first error stops it; what the backends before
// it deleted stays deleted and is counted.
func (s *Store) ExpireHolds(ctx context.Context, endedBefore time.Time) (int, error) {
	if err := s.open(ctx); err != nil {
		return 0, err
	}
	defer s.mu.RUnlock()
	deleted := map[string]bool{}
	for _, drv := range s.all() {
		before, err := storedHolds(ctx, drv)
		if err != nil {
			return len(deleted), err
		}
		n, err := drv.ExpireHolds(ctx, endedBefore)
		if err != nil {
			return len(deleted), err
		}
		if n == 0 {
			continue
		}
		after, err := storedHolds(ctx, drv)
		if err != nil {
			return len(deleted), err
		}
		for id := range before {
			if !after[id] {
				deleted[id] = true
			}
		}
	}
	return len(deleted), nil
}

// storedHolds returns the IDs of every hold drv stores, ended or not: a
// hold is active at the zero time unless it was released or ended at it
// (store.Hold.Active), which no hold placed since the year 1 is.
func storedHolds(ctx context.Context, drv store.Driver) (map[string]bool, error) {
	hs, err := drv.ListHolds(ctx, time.Time{})
	if err != nil {
		return nil, err
	}
	ids := make(map[string]bool, len(hs))
	for _, h := range hs {
		ids[h.ID] = true
	}
	return ids, nil
}
