package memstore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/frist-go/frist/store"
)

// rememberedBook holds the events the retention engine remembers, by ID. Its
// zero value is empty and ready to use.
type rememberedBook struct {
	byID map[string]store.RememberedEvent
}

// copyRemembered returns p with its own Keys (nil when empty) and its times
// truncated to the microsecond in UTC, as a SQL backend keeps them.
func copyRemembered(p store.RememberedEvent) store.RememberedEvent {
	if len(p.Keys) == 0 {
		p.Keys = nil
	} else {
		p.Keys = slices.Clone(p.Keys)
	}
	p.At = p.At.Truncate(time.Microsecond).UTC()
	if !p.RememberedAt.IsZero() {
		p.RememberedAt = p.RememberedAt.Truncate(time.Microsecond).UTC()
	}
	return p
}

// Remember implements store.Driver.
func (s *Store) Remember(ctx context.Context, p store.RememberedEvent) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, err := s.dataset(p.Dataset); err != nil {
		return fmt.Errorf("memstore: remembered event %s: %w", p.ID, err)
	}
	b := &s.remembered
	if b.byID == nil {
		b.byID = make(map[string]store.RememberedEvent)
	}
	if _, dup := b.byID[p.ID]; dup {
		return fmt.Errorf("%w: pending event %s exists", store.ErrConflict, p.ID)
	}
	b.byID[p.ID] = copyRemembered(p)
	return nil
}

// ListRemembered implements store.Driver. It sorts the IDs on every
// call: the engine remembers few events, and only while a hold or a
// statutory minimum lasts.
func (s *Store) ListRemembered(ctx context.Context, after string, limit int) ([]store.RememberedEvent, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var out []store.RememberedEvent
	for _, id := range slices.Sorted(maps.Keys(s.remembered.byID)) {
		if id <= after {
			continue
		}
		if limit > 0 && len(out) == limit {
			break
		}
		out = append(out, copyRemembered(s.remembered.byID[id]))
	}
	return out, nil
}

// Forget implements store.Driver.
func (s *Store) Forget(ctx context.Context, id string) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, ok := s.remembered.byID[id]; !ok {
		return fmt.Errorf("%w: pending event %s", store.ErrNotFound, id)
	}
	delete(s.remembered.byID, id)
	return nil
}
