package memstore

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/frist-go/frist/store"
)

// pendingBook holds the events the retention engine remembers, by ID. Its
// zero value is empty and ready to use.
type pendingBook struct {
	byID map[string]store.PendingEvent
}

// copyPending returns p with its own Keys (nil when empty) and its times
// truncated to the microsecond in UTC, as a SQL backend keeps them.
func copyPending(p store.PendingEvent) store.PendingEvent {
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

// AddPending implements store.Driver.
func (s *Store) AddPending(ctx context.Context, p store.PendingEvent) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	switch {
	case p.ID == "":
		return errors.New("memstore: pending event has no ID")
	case p.Dataset == "":
		return fmt.Errorf("memstore: pending event %s has no dataset", p.ID)
	case p.Rule == "":
		return fmt.Errorf("memstore: pending event %s has no rule", p.ID)
	case p.Event == "":
		return fmt.Errorf("memstore: pending event %s has no event kind", p.ID)
	case p.At.IsZero():
		return fmt.Errorf("memstore: pending event %s has no time", p.ID)
	case len(p.Keys) == 0 && p.Subject == "":
		return fmt.Errorf("memstore: pending event %s names neither keys nor a subject", p.ID)
	}
	if _, err := s.dataset(p.Dataset); err != nil {
		return fmt.Errorf("memstore: pending event %s: %w", p.ID, err)
	}
	b := &s.pending
	if b.byID == nil {
		b.byID = make(map[string]store.PendingEvent)
	}
	if _, dup := b.byID[p.ID]; dup {
		return fmt.Errorf("%w: pending event %s exists", store.ErrConflict, p.ID)
	}
	b.byID[p.ID] = copyPending(p)
	return nil
}

// ListPending implements store.Driver. It sorts the IDs on every
// call: the engine keeps few events pending, and only while a hold or a
// statutory minimum lasts.
func (s *Store) ListPending(ctx context.Context, after string, limit int) ([]store.PendingEvent, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var out []store.PendingEvent
	for _, id := range slices.Sorted(maps.Keys(s.pending.byID)) {
		if id <= after {
			continue
		}
		if limit > 0 && len(out) == limit {
			break
		}
		out = append(out, copyPending(s.pending.byID[id]))
	}
	return out, nil
}

// RemovePending implements store.Driver.
func (s *Store) RemovePending(ctx context.Context, id string) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, ok := s.pending.byID[id]; !ok {
		return fmt.Errorf("%w: pending event %s", store.ErrNotFound, id)
	}
	delete(s.pending.byID, id)
	return nil
}
