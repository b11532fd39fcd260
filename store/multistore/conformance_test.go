package multistore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/memstore"
	"github.com/frist-go/frist/store/multistore"
	"github.com/frist-go/frist/store/storetest"
)

// routed is a multistore over memstores, with the suite's rows put into
// the memstore of their dataset.
type routed struct {
	*multistore.Store
	rows map[string]*memstore.Store
}

func (r routed) Insert(ctx context.Context, dataset string, row map[string]any) error {
	return r.rows[dataset].Insert(ctx, dataset, row)
}

func (r routed) Get(ctx context.Context, dataset, key string) (map[string]any, bool, error) {
	return r.rows[dataset].Get(ctx, dataset, key)
}

// openRouted returns an Opener that routes the suite's two datasets to two
// memstores; with separateHome the holds, audit log and leases live in a
// third, so that both datasets' batches are copied into it, otherwise the
// home store is the one of Bookings.
func openRouted(separateHome bool) storetest.Opener {
	return func(t *testing.T, decl *policy.Declaration) storetest.Backend {
		open := func() *memstore.Store {
			st, err := memstore.New(decl)
			require.NoError(t, err)
			return st
		}
		bookings, visits := open(), open()
		home := bookings
		if separateHome {
			home = open()
		}
		st, err := multistore.New(map[string]store.Driver{storetest.Bookings: bookings, storetest.Visits: visits}, home)
		require.NoError(t, err)
		return routed{Store: st, rows: map[string]*memstore.Store{storetest.Bookings: bookings, storetest.Visits: visits}}
	}
}

// TestConformanceWithBothDatasetsRoutedAwayFromHome runs the whole suite:
// the core, the consent ledger and requests of the home store, and the
// index diagnostic routed by dataset.
func TestConformanceWithBothDatasetsRoutedAwayFromHome(t *testing.T) {
	storetest.Run(t, openRouted(true))
}

func TestConformanceWithOneDatasetAtHome(t *testing.T) {
	storetest.Run(t, openRouted(false))
}
