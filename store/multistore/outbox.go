package multistore

import (
	"context"
	"time"

	"github.com/frist-go/frist/store"
)

// Enqueue implements store.Driver in the home backend: a notification
// waiting for delivery belongs with the audit log that records its
// attempts, whichever backend holds the records it tells of.
func (s *Store) Enqueue(ctx context.Context, o store.Outgoing) error {
	h, err := s.homeOpen(ctx)
	if err != nil {
		return err
	}
	defer s.mu.RUnlock()
	return h.Enqueue(ctx, o)
}

// ListOutgoing implements store.Driver in the home backend.
func (s *Store) ListOutgoing(ctx context.Context, after string, limit int) ([]store.Outgoing, error) {
	h, err := s.homeOpen(ctx)
	if err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	return h.ListOutgoing(ctx, after, limit)
}

// Reschedule implements store.Driver in the home backend.
func (s *Store) Reschedule(ctx context.Context, id string, attempts int, next time.Time) (bool, error) {
	h, err := s.homeOpen(ctx)
	if err != nil {
		return false, err
	}
	defer s.mu.RUnlock()
	return h.Reschedule(ctx, id, attempts, next)
}

// Dequeue implements store.Driver in the home backend.
func (s *Store) Dequeue(ctx context.Context, id string) error {
	h, err := s.homeOpen(ctx)
	if err != nil {
		return err
	}
	defer s.mu.RUnlock()
	return h.Dequeue(ctx, id)
}
