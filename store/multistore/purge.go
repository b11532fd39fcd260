package multistore

import (
	"context"
	"errors"
	"slices"

	"github.com/frist-go/frist/store"
)

// Purge implements store.Driver: each backend is asked to purge the
// datasets routed to it (home: the datasets without a route), and the home
// backend, which keeps the consent events, requests, objections and
// remembered events, also frist's own records of the kinds in scope.Own,
// and every backend its holds when scope.Own names store.HoldRecords.
// The errors of all of them are returned together, so one backend's
// failure does not keep another from purging.
func (s *Store) Purge(ctx context.Context, scope store.PurgeScope) error {
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.mu.RUnlock()
	type group struct {
		drv   store.Driver
		scope store.PurgeScope
	}
	var groups []*group
	find := func(drv store.Driver) *group {
		for _, g := range groups {
			if same(g.drv, drv) {
				return g
			}
		}
		g := &group{drv: drv}
		groups = append(groups, g)
		return g
	}
	for _, d := range scope.Datasets {
		drv, _ := s.backend(d)
		g := find(drv)
		g.scope.Datasets = append(g.scope.Datasets, d)
	}
	if len(scope.Own) > 0 {
		g := find(s.home)
		g.scope.Own = append([]store.OwnRecords(nil), scope.Own...)
	}
	if slices.Contains(scope.Own, store.HoldRecords) {
		// Holds live in every backend (PlaceHold), and ExpireHolds
		// deleted them in each.
		for _, drv := range s.all() {
			if g := find(drv); !slices.Contains(g.scope.Own, store.HoldRecords) {
				g.scope.Own = append(g.scope.Own, store.HoldRecords)
			}
		}
	}
	var errs []error
	for _, g := range groups {
		errs = append(errs, g.drv.Purge(ctx, g.scope))
	}
	return errors.Join(errs...)
}
