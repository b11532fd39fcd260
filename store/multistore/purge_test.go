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

// purgeRecorder is a memstore that records the scopes Purge is given.
type purgeRecorder struct {
	*memstore.Store
	scopes []store.PurgeScope
}

func (p *purgeRecorder) Purge(ctx context.Context, sc store.PurgeScope) error {
	p.scopes = append(p.scopes, sc)
	return p.Store.Purge(ctx, sc)
}

// TestPurgeReachesTheHomeForFristsOwnRecords: frist's own records (consent
// events, requests, remembered events) live in the home backend, so a purge
// of their kinds goes there, with or without datasets, and a routed
// backend is asked only about its datasets.
//
// Seen to fail: with Purge grouping only scope.Datasets (as before), the
// home backend was never asked to purge frist's own records.
func TestPurgeReachesTheHomeForFristsOwnRecords(t *testing.T) {
	ctx := context.Background()
	decl := storetest.Declaration()
	open := func() *purgeRecorder {
		m, err := memstore.New(decl)
		require.NoError(t, err)
		return &purgeRecorder{Store: m}
	}
	visits, home := open(), open()
	st, err := multistore.New(map[string]store.Driver{storetest.Visits: visits}, home)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })

	own := []store.OwnRecords{store.ConsentRecords, store.RememberedRecords}
	require.NoError(t, st.Purge(ctx, store.PurgeScope{Own: own}))
	assert.Equal(t, []store.PurgeScope{{Own: own}}, home.scopes, "frist's own records alone are purged in the home backend")
	assert.Empty(t, visits.scopes)

	home.scopes = nil
	require.NoError(t, st.Purge(ctx, store.PurgeScope{Datasets: []string{storetest.Bookings, storetest.Visits}, Own: own}))
	assert.Equal(t, []store.PurgeScope{{Datasets: []string{storetest.Bookings}, Own: own}}, home.scopes, "home purges its dataset and frist's own records in one call")
	assert.Equal(t, []store.PurgeScope{{Datasets: []string{storetest.Visits}}}, visits.scopes, "a routed backend purges only its datasets")
}
