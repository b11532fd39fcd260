package memstore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/frist-go/frist/store"
)

// outbox holds the notifications waiting for delivery, by ID. Its zero
// value is empty and ready to use.
type outbox struct {
	byID map[string]store.Outgoing
}

// copyOutgoing returns o with its own Body and its times truncated to the
// microsecond in UTC, as a SQL backend keeps them.
func copyOutgoing(o store.Outgoing) store.Outgoing {
	o.Body = slices.Clone(o.Body)
	o.Since = o.Since.Truncate(time.Microsecond).UTC()
	o.Next = o.Next.Truncate(time.Microsecond).UTC()
	return o
}

// Enqueue implements store.Driver.
func (s *Store) Enqueue(ctx context.Context, o store.Outgoing) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if s.outbox.byID == nil {
		s.outbox.byID = make(map[string]store.Outgoing)
	}
	if _, dup := s.outbox.byID[o.ID]; dup {
		return fmt.Errorf("%w: notification %s is waiting already", store.ErrConflict, o.ID)
	}
	s.outbox.byID[o.ID] = copyOutgoing(o)
	return nil
}

// ListOutgoing implements store.Driver. It sorts the IDs on every call:
// few notifications wait, and only while a recipient cannot be reached.
func (s *Store) ListOutgoing(ctx context.Context, after string, limit int) ([]store.Outgoing, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var out []store.Outgoing
	for _, id := range slices.Sorted(maps.Keys(s.outbox.byID)) {
		if id <= after {
			continue
		}
		if limit > 0 && len(out) == limit {
			break
		}
		out = append(out, copyOutgoing(s.outbox.byID[id]))
	}
	return out, nil
}

// Reschedule implements store.Driver.
func (s *Store) Reschedule(ctx context.Context, id string, attempts int, next time.Time) (bool, error) {
	if err := s.begin(ctx); err != nil {
		return false, err
	}
	defer s.mu.Unlock()
	o, ok := s.outbox.byID[id]
	if !ok {
		return false, fmt.Errorf("%w: notification %s is not waiting", store.ErrNotFound, id)
	}
	if o.Attempts != attempts {
		return false, nil
	}
	o.Attempts, o.Next = attempts+1, next.Truncate(time.Microsecond).UTC()
	s.outbox.byID[id] = o
	return true, nil
}

// Dequeue implements store.Driver.
func (s *Store) Dequeue(ctx context.Context, id string) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, ok := s.outbox.byID[id]; !ok {
		return fmt.Errorf("%w: notification %s is not waiting", store.ErrNotFound, id)
	}
	delete(s.outbox.byID, id)
	return nil
}
