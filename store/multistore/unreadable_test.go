package multistore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/memstore"
	"github.com/frist-go/frist/store/multistore"
	"github.com/frist-go/frist/store/storetest"
)

// unreadableStore is a memstore that reports three unreadable times.
type unreadableStore struct{ *memstore.Store }

func (unreadableStore) Unreadable(context.Context, store.Selection) (int, string, error) {
	return 3, "text in UTC", nil
}

// TestUnreadableIsAskedOfTheDatasetsBackend pins that a routed dataset's
// unreadable times reach the engine: Unreadable goes to the backend the
// dataset is routed to. Seen to fail with multistore's Unreadable asking
// the home backend for every dataset.
func TestUnreadableIsAskedOfTheDatasetsBackend(t *testing.T) {
	decl := storetest.Declaration()
	open := func() *memstore.Store {
		st, err := memstore.New(decl)
		require.NoError(t, err)
		return st
	}
	home := open()
	ur, err := multistore.New(map[string]store.Driver{storetest.Visits: unreadableStore{open()}}, home)
	require.NoError(t, err)
	sel := store.Selection{Dataset: storetest.Visits, Bounds: []store.Bound{{Column: "seen_at", Cutoff: storetest.T0}}, Now: storetest.T0}
	n, want, err := ur.Unreadable(context.Background(), sel)
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	assert.Equal(t, "text in UTC", want)
	sel.Dataset, sel.Bounds[0].Column = storetest.Bookings, "booked_at"
	n, _, err = ur.Unreadable(context.Background(), sel)
	require.NoError(t, err)
	assert.Zero(t, n, "a backend without unreadable times counts none")
}
