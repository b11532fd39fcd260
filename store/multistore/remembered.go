package multistore

import (
	"context"

	"github.com/frist-go/frist/store"
)

// Remember implements store.Driver in the home backend: remembered
// events belong with the holds that caused them, whichever backend holds
// the records they name. The engine retries them through Process, which
// routes by dataset.
func (s *Store) Remember(ctx context.Context, p store.RememberedEvent) error {
	h, err := s.homeOpen(ctx)
	if err != nil {
		return err
	}
	defer s.mu.RUnlock()
	return h.Remember(ctx, p)
}

// ListRemembered implements store.Driver in the home backend.
func (s *Store) ListRemembered(ctx context.Context, after string, limit int) ([]store.RememberedEvent, error) {
	h, err := s.homeOpen(ctx)
	if err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	return h.ListRemembered(ctx, after, limit)
}

// Forget implements store.Driver in the home backend.
func (s *Store) Forget(ctx context.Context, id string) error {
	h, err := s.homeOpen(ctx)
	if err != nil {
		return err
	}
	defer s.mu.RUnlock()
	return h.Forget(ctx, id)
}
