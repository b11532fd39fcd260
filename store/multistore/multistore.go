package multistore

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"time"

	"github.com/frist-go/frist/store"
)

// Errors of the package, for errors.Is.
var (
	// ErrMirror is wrapped by errors about the copies of routed audit
	// entries in the home log: a copy that could not be appended (the
	// batch itself is done and audited in its backend's chain), or one
	// that Verify finds missing, duplicated or different.
	ErrMirror = errors.New("multistore: home audit log out of step with a routed chain")
)

// chain is a routed backend other than the home one, with the state of
// its audit chain's copies in the home log.
type chain struct {
	drv      store.Driver
	datasets []string
	// mu serialises the batches on drv with the appends of their copies,
	// so that copies follow the chain's order.
	mu sync.Mutex
	// genesis is the hash of the chain's first entry, "" while it is
	// empty; it names the chain in the copies.
	genesis string
	// ready is true while every entry of the chain is known to have its
	// copy in the home log: after a repair, until a copy fails.
	ready bool
}

// Store is a store.Driver that routes datasets to backends and keeps
// holds, the audit log and leases in a home backend. Create it with New;
// it is safe for concurrent use when its backends are.
type Store struct {
	home   Home
	route  map[string]*chain // dataset ID -> routed backend; absent: home
	chains []*chain          // distinct routed backends, in order of their first dataset

	mu     sync.RWMutex
	closed bool
}

// New returns a Store that sends every call about a dataset in routes to
// its backend and everything else to home. A route to home itself is the
// same as no route. New does no I/O: with the first batch on a routed
// backend that writes an audit entry (or in Repair), the copies of its
// audit entries missing from the home log are appended (after a crash
// between a routed batch and its copy; see the package documentation). Close closes every backend given.
func New(routes map[string]store.Driver, home Home) (*Store, error) {
	if home == nil || isNil(home) {
		return nil, errors.New("multistore: the home backend is nil")
	}
	s := &Store{home: home, route: map[string]*chain{}}
	ids := make([]string, 0, len(routes))
	for id := range routes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		drv := routes[id]
		switch {
		case id == "":
			return nil, errors.New("multistore: a route names no dataset")
		case isNil(drv):
			return nil, fmt.Errorf("multistore: the backend routed for dataset %q is nil", id)
		case same(drv, home):
			continue
		}
		var c *chain
		for _, x := range s.chains {
			if same(x.drv, drv) {
				c = x
			}
		}
		if c == nil {
			c = &chain{drv: drv}
			s.chains = append(s.chains, c)
		}
		c.datasets = append(c.datasets, id)
		s.route[id] = c
	}
	return s, nil
}

// isNil reports whether d is nil or a typed nil pointer.
func isNil(d store.Driver) bool {
	if d == nil {
		return true
	}
	v := reflect.ValueOf(d)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// same reports whether a and b are the same backend. Backends of types
// that cannot be compared are never the same.
func same(a, b store.Driver) bool {
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	return ta == tb && ta.Comparable() && any(a) == any(b)
}

// open fails after Close or when ctx has ended; the caller calls
// s.mu.RUnlock.
func (s *Store) open(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return store.ErrClosed
	}
	return nil
}

// backend returns the backend of dataset, and its chain when it is a
// routed one (nil for home).
func (s *Store) backend(dataset string) (store.Driver, *chain) {
	if c := s.route[dataset]; c != nil {
		return c.drv, c
	}
	return s.home, nil
}

// all returns every backend, routed ones first, home last.
func (s *Store) all() []store.Driver {
	out := make([]store.Driver, 0, len(s.chains)+1)
	for _, c := range s.chains {
		out = append(out, c.drv)
	}
	return append(out, s.home)
}

// Count implements store.Driver on the dataset's backend.
func (s *Store) Count(ctx context.Context, sel store.Selection) (free, held int, err error) {
	if err := s.open(ctx); err != nil {
		return 0, 0, err
	}
	defer s.mu.RUnlock()
	drv, _ := s.backend(sel.Dataset)
	return drv.Count(ctx, sel)
}

// Earliest implements store.Driver on the dataset's backend.
func (s *Store) Earliest(ctx context.Context, sel store.Selection, column string, after time.Time) (time.Time, bool, error) {
	if err := s.open(ctx); err != nil {
		return time.Time{}, false, err
	}
	defer s.mu.RUnlock()
	drv, _ := s.backend(sel.Dataset)
	return drv.Earliest(ctx, sel, column, after)
}

// Records implements store.Driver on the dataset's backend.
func (s *Store) Records(ctx context.Context, dataset, subject string, fields []string) ([]store.Record, error) {
	if err := s.open(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	drv, _ := s.backend(dataset)
	return drv.Records(ctx, dataset, subject, fields)
}

// Times implements store.Driver on the dataset's backend.
func (s *Store) Times(ctx context.Context, dataset, key string) (map[string]time.Time, error) {
	if err := s.open(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	drv, _ := s.backend(dataset)
	return drv.Times(ctx, dataset, key)
}

// Unindexed implements store.IndexChecker on the dataset's backend. A
// backend that does not implement it (a file backend keeps its own index)
// is reported as indexed; a dataset no backend serves is
// store.ErrUnknownDataset.
func (s *Store) Unindexed(ctx context.Context, dataset, column string) (bool, error) {
	if err := s.open(ctx); err != nil {
		return false, err
	}
	defer s.mu.RUnlock()
	drv, _ := s.backend(dataset)
	if !drv.Serves(dataset) {
		return false, fmt.Errorf("multistore: %w: %q", store.ErrUnknownDataset, dataset)
	}
	ic, ok := drv.(store.IndexChecker)
	if !ok {
		return false, nil
	}
	return ic.Unindexed(ctx, dataset, column)
}

// Serves implements store.Driver with the answer of the dataset's
// backend.
func (s *Store) Serves(dataset string) bool {
	drv, _ := s.backend(dataset)
	return drv.Serves(dataset)
}

// SubjectsByField implements store.Driver on the dataset's backend.
func (s *Store) SubjectsByField(ctx context.Context, dataset, field, value string) ([]string, error) {
	if err := s.open(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	drv, _ := s.backend(dataset)
	return drv.SubjectsByField(ctx, dataset, field, value)
}

// AcquireLease implements store.Leases in the home backend.
func (s *Store) AcquireLease(ctx context.Context, name, owner string, now time.Time, ttl time.Duration) (bool, error) {
	if err := s.open(ctx); err != nil {
		return false, err
	}
	defer s.mu.RUnlock()
	return s.home.AcquireLease(ctx, name, owner, now, ttl)
}

// ReleaseLease implements store.Leases in the home backend.
func (s *Store) ReleaseLease(ctx context.Context, name, owner string) error {
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.mu.RUnlock()
	return s.home.ReleaseLease(ctx, name, owner)
}

// Close closes every backend once, routed ones first and home last, and
// returns their errors joined. Calls after Close return store.ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	var errs []error
	for _, d := range s.all() {
		if err := d.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Unreadable implements store.Driver on the dataset's backend.
func (s *Store) Unreadable(ctx context.Context, sel store.Selection) (int, string, error) {
	if err := s.open(ctx); err != nil {
		return 0, "", err
	}
	defer s.mu.RUnlock()
	drv, _ := s.backend(sel.Dataset)
	return drv.Unreadable(ctx, sel)
}
