package multistore

import (
	"context"

	"github.com/frist-go/frist/store"
)

// AddPending implements store.Driver in the home backend: remembered
// events belong with the holds that caused them, whichever backend holds
// the records they name. The engine retries them through Process, which
// routes by dataset.
func (s *Store) AddPending(ctx context.Context, p store.PendingEvent) error {
	h, err := s.homeOpen(ctx)
	if err != nil {
		return err
	}
	defer s.mu.RUnlock()
	return h.AddPending(ctx, p)
}

// ListPending implements store.Driver in the home backend.
func (s *Store) ListPending(ctx context.Context, after string, limit int) ([]store.PendingEvent, error) {
	h, err := s.homeOpen(ctx)
	if err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	return h.ListPending(ctx, after, limit)
}

// RemovePending implements store.Driver in the home backend.
func (s *Store) RemovePending(ctx context.Context, id string) error {
	h, err := s.homeOpen(ctx)
	if err != nil {
		return err
	}
	defer s.mu.RUnlock()
	return h.RemovePending(ctx, id)
}
