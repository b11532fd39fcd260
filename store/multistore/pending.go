package multistore

import (
	"context"
	"errors"
	"fmt"

	"github.com/frist-go/frist/store"
)

var _ store.PendingEvents = (*Store)(nil)

// homeAs returns the home backend as T, or an error wrapping
// errors.ErrUnsupported naming what it lacks. The caller calls
// s.mu.RUnlock when the error is nil.
func homeAs[T any](ctx context.Context, s *Store, what string) (T, error) {
	var zero T
	if err := s.open(ctx); err != nil {
		return zero, err
	}
	t, ok := s.home.(T)
	if !ok {
		s.mu.RUnlock()
		return zero, fmt.Errorf("multistore: the home backend does not implement %s: %w", what, errors.ErrUnsupported)
	}
	return t, nil
}

// AddPending implements store.PendingEvents in the home backend: remembered
// events belong with the holds that caused them, whichever backend holds
// the records they name. The engine retries them through Process, which
// routes by dataset.
func (s *Store) AddPending(ctx context.Context, p store.PendingEvent) error {
	h, err := homeAs[store.PendingEvents](ctx, s, "store.PendingEvents")
	if err != nil {
		return err
	}
	defer s.mu.RUnlock()
	return h.AddPending(ctx, p)
}

// ListPending implements store.PendingEvents in the home backend.
func (s *Store) ListPending(ctx context.Context, after string, limit int) ([]store.PendingEvent, error) {
	h, err := homeAs[store.PendingEvents](ctx, s, "store.PendingEvents")
	if err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	return h.ListPending(ctx, after, limit)
}

// RemovePending implements store.PendingEvents in the home backend.
func (s *Store) RemovePending(ctx context.Context, id string) error {
	h, err := homeAs[store.PendingEvents](ctx, s, "store.PendingEvents")
	if err != nil {
		return err
	}
	defer s.mu.RUnlock()
	return h.RemovePending(ctx, id)
}
