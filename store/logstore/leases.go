package logstore

import (
	"context"
	"time"
)

// lease is one held lease.
type lease struct {
	owner string
	until time.Time
}

// AcquireLease implements store.Leases. Leases live in memory: the state
// directory's lock already keeps every other process out, so the lease
// only orders the sweepers of this process.
func (s *Store) AcquireLease(ctx context.Context, name, owner string, now time.Time, ttl time.Duration) (bool, error) {
	if err := s.begin(ctx); err != nil {
		return false, err
	}
	defer s.mu.Unlock()
	if l, ok := s.leases[name]; ok && l.owner != owner && now.Before(l.until) {
		return false, nil
	}
	s.leases[name] = lease{owner: owner, until: now.Add(ttl)}
	return true, nil
}

// ReleaseLease implements store.Leases.
func (s *Store) ReleaseLease(ctx context.Context, name, owner string) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if l, ok := s.leases[name]; ok && l.owner == owner {
		delete(s.leases, name)
	}
	return nil
}
