package multistore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
)

// PlaceHold implements store.Holds. The hold is placed in the backend of
// its dataset, or, when it names no dataset, in every backend (Art. 18(1):
// a restricted subject's records are excluded wherever they are), routed
// backends first and home last. Each backend stores the hold atomically
// with its audit entry in its own chain; a routed backend's entry is then
// copied to the home log, as a batch's is (see the package
// documentation). It returns the home backend's sealed entry, or, for a
// hold on a routed dataset, the sealed copy of its backend's entry. It
// returns store.ErrConflict when a hold with h.ID exists in those
// backends; a hold left placed in only some of them by a failure is
// finished by placing it again, which then succeeds and records the hold
// in the backends that lacked it.
func (s *Store) PlaceHold(ctx context.Context, h store.Hold, entry store.HoldAudit) (audit.Entry, error) {
	if err := s.open(ctx); err != nil {
		return audit.Entry{}, err
	}
	defer s.mu.RUnlock()
	placed := false
	var sealed audit.Entry
	for _, c := range s.targets(h) {
		e, err := s.changeHold(ctx, c, entry, func(drv store.Driver, entry store.HoldAudit) (audit.Entry, error) {
			return drv.PlaceHold(ctx, h, entry)
		})
		if errors.Is(err, store.ErrConflict) && !errors.Is(err, ErrMirror) {
			same, lerr := holds(ctx, s.driver(c), h)
			if lerr != nil {
				return audit.Entry{}, lerr
			}
			if same {
				continue // placed there by an earlier, interrupted call
			}
			if placed {
				return audit.Entry{}, fmt.Errorf("multistore: hold %s: another hold with this ID exists in one of its backends, and the hold is now placed in others: %w", h.ID, err)
			}
			return audit.Entry{}, err
		}
		if err != nil {
			return audit.Entry{}, err
		}
		placed, sealed = true, e
	}
	if !placed {
		return audit.Entry{}, fmt.Errorf("%w: hold %s exists", store.ErrConflict, h.ID)
	}
	return sealed, nil
}

// targets returns the backends a hold goes to, as their chains (nil for
// home): the backend of its dataset, or every backend for a hold on a
// subject in every dataset, so that each backend's Process excludes the
// records the hold covers. Home comes last.
func (s *Store) targets(h store.Hold) []*chain {
	if h.Dataset == "" {
		return append(slices.Clone(s.chains), nil)
	}
	_, c := s.backend(h.Dataset)
	return []*chain{c}
}

// driver returns the backend of c, home for nil.
func (s *Store) driver(c *chain) store.Driver {
	if c == nil {
		return s.home
	}
	return c.drv
}

// changeHold runs change, a PlaceHold or ReleaseHold with entry, on the
// backend of c (home for nil), which stores the change atomically with
// its entry in its own chain. For a routed backend it then appends the
// copy of that entry to the home log, under c.mu as a batch does, and
// returns the sealed copy; a change that stored nothing returns the zero
// entry. When only the copy fails, the error wraps ErrMirror: the change
// is stored and audited in its backend's chain, and the copy is appended
// at the next batch on that backend or Repair.
func (s *Store) changeHold(ctx context.Context, c *chain, entry store.HoldAudit, change func(store.Driver, store.HoldAudit) (audit.Entry, error)) (audit.Entry, error) {
	if c == nil {
		return change(s.home, entry)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// The copy is signed by the signer of the entry, which sealing
	// detaches from it.
	var signer *audit.Signer
	sealed, err := change(c.drv, func(h store.Hold) (audit.Entry, error) {
		e, err := entry(h)
		signer = e.Signer()
		return e, err
	})
	if err != nil || sealed.Hash == "" {
		return audit.Entry{}, err
	}
	// The change is committed: its copy is appended even when ctx ends now.
	if c.ready {
		return s.appendCopy(context.WithoutCancel(ctx), c, sealed, signer)
	}
	return s.repairAfter(context.WithoutCancel(ctx), c, sealed, signer)
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
// routed backends first and home last, each atomically with its audit
// entry in its own chain and a routed backend's entry copied to the home
// log (changeHold). It returns the home backend's sealed entry, or, when
// home does not have the hold, the sealed copy of the last routed
// backend's; the zero entry when the hold had ended everywhere. It
// returns store.ErrNotFound when no backend has the hold. A failure part
// way leaves the hold in force in the backends not yet reached, listed by
// ListHolds; releasing it again finishes the release there.
func (s *Store) ReleaseHold(ctx context.Context, id string, at time.Time, entry store.HoldAudit) (audit.Entry, error) {
	if err := s.open(ctx); err != nil {
		return audit.Entry{}, err
	}
	defer s.mu.RUnlock()
	found := false
	var sealed audit.Entry
	for _, c := range append(slices.Clone(s.chains), nil) {
		e, err := s.changeHold(ctx, c, entry, func(drv store.Driver, entry store.HoldAudit) (audit.Entry, error) {
			return drv.ReleaseHold(ctx, id, at, entry)
		})
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return audit.Entry{}, err
		}
		found = true
		if e.Hash != "" {
			sealed = e
		}
	}
	if !found {
		return audit.Entry{}, fmt.Errorf("%w: hold %s", store.ErrNotFound, id)
	}
	return sealed, nil
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
