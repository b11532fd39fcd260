package multistore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/memstore"
	"github.com/frist-go/frist/store/multistore"
	"github.com/frist-go/frist/store/storetest"
)

// failingHolds is a backend whose PlaceHold fails while failing is set.
type failingHolds struct {
	*memstore.Store
	failing bool
}

func (f *failingHolds) PlaceHold(ctx context.Context, h store.Hold) error {
	if f.failing {
		return errDown
	}
	return f.Store.PlaceHold(ctx, h)
}

// twoDatasetsTwoStores routes the suite's datasets to their own memstores
// under a third, home memstore whose PlaceHold can fail.
func twoDatasetsTwoStores(t *testing.T) (st *multistore.Store, bookings, visits *memstore.Store, home *failingHolds) {
	t.Helper()
	decl := storetest.Declaration()
	open := func() *memstore.Store {
		m, err := memstore.New(decl)
		require.NoError(t, err)
		return m
	}
	bookings, visits = open(), open()
	home = &failingHolds{Store: open()}
	st, err := multistore.New(map[string]store.Driver{storetest.Bookings: bookings, storetest.Visits: visits}, home)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	return st, bookings, visits, home
}

// Art. 18(1): a restricted subject's records are excluded wherever they
// are. A hold on a subject in every dataset reaches every backend; a hold
// on one dataset reaches that dataset's backend.
func TestHoldsReachTheBackendsWhoseRecordsTheyHold(t *testing.T) {
	ctx := context.Background()
	st, bookings, visits, home := twoDatasetsTwoStores(t)
	everywhere := store.Hold{ID: "0190f6d2-0000-7000-8000-0000000000a1", Subject: "1001", Reason: store.HoldRestriction, PlacedAt: storetest.T0.Add(-time.Hour)}
	oneRecord := store.Hold{ID: "0190f6d2-0000-7000-8000-0000000000b2", Dataset: storetest.Visits, Key: "v-1", Reason: store.HoldLegalClaims, PlacedAt: storetest.T0.Add(-time.Hour)}
	require.NoError(t, st.PlaceHold(ctx, everywhere))
	require.NoError(t, st.PlaceHold(ctx, oneRecord))

	ids := func(d store.Driver) []string {
		hs, err := d.ListHolds(ctx, storetest.T0)
		require.NoError(t, err)
		var out []string
		for _, h := range hs {
			out = append(out, h.ID)
		}
		return out
	}
	assert.Equal(t, []string{everywhere.ID}, ids(bookings))
	assert.Equal(t, []string{everywhere.ID, oneRecord.ID}, ids(visits))
	assert.Equal(t, []string{everywhere.ID}, ids(home))
	assert.Equal(t, []string{everywhere.ID, oneRecord.ID}, ids(st), "ListHolds lists each hold once")

	// The subject's booking is held in the backend that processes it.
	require.NoError(t, bookings.Insert(ctx, storetest.Bookings, map[string]any{"id": int64(1), "citizen_id": int64(1001), "booked_at": storetest.T0.Add(-48 * time.Hour)}))
	free, held, err := st.Count(ctx, store.Selection{Dataset: storetest.Bookings, Now: storetest.T0})
	require.NoError(t, err)
	assert.Equal(t, []int{0, 1}, []int{free, held})

	require.NoError(t, st.ReleaseHold(ctx, everywhere.ID, storetest.T0))
	assert.Equal(t, []string{oneRecord.ID}, ids(st), "a released hold is released in every backend")
	assert.Empty(t, ids(bookings))
	require.ErrorIs(t, st.ReleaseHold(ctx, "0190f6d2-0000-7000-8000-0000000000c3", storetest.T0), store.ErrNotFound)
}

// A hold that a failure left placed in some backends is finished by
// placing it again; a different hold under its ID is a conflict.
func TestPlacingAHoldAgainFinishesItAfterAFailure(t *testing.T) {
	ctx := context.Background()
	st, bookings, _, home := twoDatasetsTwoStores(t)
	h := store.Hold{ID: "0190f6d2-0000-7000-8000-0000000000a1", Subject: "1001", Reason: store.HoldRestriction, PlacedAt: storetest.T0}
	home.failing = true
	require.ErrorIs(t, st.PlaceHold(ctx, h), errDown)
	placed, err := bookings.ListHolds(ctx, storetest.T0)
	require.NoError(t, err)
	assert.Len(t, placed, 1, "the routed backends hold the records already: the safe side")

	home.failing = false
	require.NoError(t, st.PlaceHold(ctx, h), "placing the same hold again finishes it")
	require.ErrorIs(t, st.PlaceHold(ctx, h), store.ErrConflict, "a hold placed everywhere exists")
	other := h
	other.Subject = "1002"
	require.ErrorIs(t, st.PlaceHold(ctx, other), store.ErrConflict)
	all, err := st.ListHolds(ctx, storetest.T0)
	require.NoError(t, err)
	require.Len(t, all, 1)
	assert.Equal(t, "1001", all[0].Subject, "a refused duplicate keeps the existing hold")
}

func TestNewRefusesRoutesItCannotServe(t *testing.T) {
	decl := storetest.Declaration()
	mem, err := memstore.New(decl)
	require.NoError(t, err)
	var nilStore *memstore.Store
	tests := []struct {
		name   string
		routes map[string]store.Driver
		home   multistore.Home
		want   string
	}{
		{"no home", nil, nil, "the home backend is nil"},
		{"a typed nil home", nil, nilStore, "the home backend is nil"},
		{"a route without dataset", map[string]store.Driver{"": mem}, mem, "a route names no dataset"},
		{"a nil route", map[string]store.Driver{storetest.Visits: nil}, mem, `the backend routed for dataset "visits" is nil`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := multistore.New(tt.routes, tt.home)
			require.Error(t, err)
			assert.Nil(t, st)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// A route to the home store is no route: its batches are sealed in the
// home log once, atomically, with no copy.
func TestARouteToHomeIsNoRoute(t *testing.T) {
	ctx := context.Background()
	mem, err := memstore.New(storetest.Declaration())
	require.NoError(t, err)
	st, err := multistore.New(map[string]store.Driver{storetest.Bookings: mem}, mem)
	require.NoError(t, err)
	require.NoError(t, mem.Insert(ctx, storetest.Bookings, map[string]any{"id": int64(1), "booked_at": storetest.T0.Add(-time.Hour)}))
	res, err := st.Process(ctx, store.Batch{
		Selection: store.Selection{Dataset: storetest.Bookings, Now: storetest.T0},
		Action:    store.Action{Delete: true},
		Audit: func(_ []store.Record, n int) (audit.Entry, error) {
			return audit.Entry{Time: storetest.T0, Action: "delete", Count: n}, nil
		},
	})
	require.NoError(t, err)
	assert.Equal(t, 1, res.Count)
	log, err := st.ReadAudit(ctx, 0, 0)
	require.NoError(t, err)
	require.Len(t, log, 1)
	assert.Empty(t, log[0].Note, "an entry of the home store is no copy")
	require.NoError(t, st.Close())
	_, err = mem.ReadAudit(ctx, 0, 0)
	require.ErrorIs(t, err, store.ErrClosed, "Close closes the backends given")
}

// The home store serves consent and requests.
func TestConsentAndRequestsLiveInTheHomeStore(t *testing.T) {
	ctx := context.Background()
	decl := storetest.Declaration()
	mem, err := memstore.New(decl)
	require.NoError(t, err)
	st, err := multistore.New(nil, mem)
	require.NoError(t, err)
	ev := store.ConsentEvent{ID: "0190f6d2-0000-7000-8000-0000000000a1", Subject: "1001", Purpose: "booking", Kind: store.ConsentGranted, At: storetest.T0}
	_, err = st.AppendConsent(ctx, ev, audit.Entry{Time: ev.At, Action: "consent.grant", Count: 1})
	require.NoError(t, err)
	got, err := mem.ConsentEvents(ctx, "1001", "")
	require.NoError(t, err)
	assert.Len(t, got, 1)
	var seen []string
	require.NoError(t, st.ScanConsents(ctx, "1001", "booking", storetest.T0, func(e store.ConsentEvent) bool {
		seen = append(seen, e.ID)
		return true
	}))
	assert.Equal(t, []string{ev.ID}, seen)

	r := store.Request{ID: "0190f6d2-0000-7000-9000-0000000000a1", Subject: "1001", Kind: "access", State: "received",
		ReceivedAt: storetest.T0, Due: storetest.T0.Add(30 * 24 * time.Hour), Body: []byte("{}")}
	require.NoError(t, st.CreateRequest(ctx, r))
	stored, err := mem.Request(ctx, r.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, stored.Version, "the request is in the home store")
}
