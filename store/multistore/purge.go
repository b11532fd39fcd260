package multistore

import (
	"context"
	"errors"

	"github.com/frist-go/frist/store"
)

// Purge implements store.Driver: each backend is asked to purge the
// datasets routed to it (home: the datasets without a route), and the
// errors of all of them are returned together, so one backend's failure
// does not keep another from purging.
func (s *Store) Purge(ctx context.Context, datasets []string) error {
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.mu.RUnlock()
	type group struct {
		drv      store.Driver
		datasets []string
	}
	var groups []*group
	for _, d := range datasets {
		drv, _ := s.backend(d)
		var g *group
		for _, x := range groups {
			if same(x.drv, drv) {
				g = x
			}
		}
		if g == nil {
			g = &group{drv: drv}
			groups = append(groups, g)
		}
		g.datasets = append(g.datasets, d)
	}
	var errs []error
	for _, g := range groups {
		errs = append(errs, g.drv.Purge(ctx, g.datasets))
	}
	return errors.Join(errs...)
}
