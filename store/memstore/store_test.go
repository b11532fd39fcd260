package memstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/memstore"
	"github.com/frist-go/frist/store/storetest"
)

var t0 = storetest.T0

func newStore(t *testing.T) *memstore.Store {
	t.Helper()
	st, err := memstore.New(storetest.Declaration())
	require.NoError(t, err)
	return st
}

func TestNewRefusesMissingOrUnvalidatedDeclaration(t *testing.T) {
	_, err := memstore.New(nil)
	require.ErrorContains(t, err, "declaration is nil")
	_, err = memstore.New(&policy.Declaration{})
	require.ErrorContains(t, err, "not validated")
}

func TestInsertNormalisesValuesLikeADatabaseDriver(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	require.NoError(t, st.Insert(ctx, storetest.Bookings, map[string]any{
		"id": 7, "citizen_id": int32(1001), "booked_at": t0, "starts_unix": uint16(5), "name": "Erika", "service": []byte("x"), "score": float32(1.5),
	}))
	row, ok, err := st.Get(ctx, storetest.Bookings, "7")
	require.NoError(t, err)
	require.True(t, ok, "an integer key is found by its text form")
	assert.Equal(t, int64(7), row["id"])
	assert.Equal(t, int64(1001), row["citizen_id"])
	assert.Equal(t, int64(5), row["starts_unix"])
	assert.Equal(t, 1.5, row["score"])
	assert.Equal(t, []byte("x"), row["service"], "columns the declaration does not bind are kept")

	row["name"] = "changed"
	row["service"].([]byte)[0] = 'y'
	again, _, _ := st.Get(ctx, storetest.Bookings, "7")
	assert.Equal(t, "Erika", again["name"], "Get returns a copy")
	assert.Equal(t, []byte("x"), again["service"], "Get copies []byte values")
	assert.Equal(t, 1, st.Len(storetest.Bookings))
	assert.Equal(t, 0, st.Len("nope"))
}

func TestInsertAcceptsEachTimeFormatsRepresentation(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	require.NoError(t, st.Insert(ctx, storetest.Bookings, map[string]any{
		"id": int64(1), "booked_at": t0.In(time.FixedZone("CET", 3600)), "starts_unix": t0.Unix(), "cancelled_ms": t0.UnixMilli(),
	}))
	require.NoError(t, st.Insert(ctx, storetest.Bookings, map[string]any{
		"id": int64(2), "booked_at": t0, "starts_unix": t0, "cancelled_ms": t0,
	}), "time.Time is accepted in every format")
	require.NoError(t, st.Insert(ctx, storetest.Visits, map[string]any{"id": "a", "seen_at": "2026-01-10T13:00:00+01:00"}))
	for _, k := range []string{"1", "2"} {
		times, err := st.Times(ctx, storetest.Bookings, k)
		require.NoError(t, err)
		for name, v := range times {
			assert.True(t, v.Equal(t0), "%s of %s", name, k)
			assert.Equal(t, time.UTC, v.Location(), "Times returns UTC")
		}
	}
	times, err := st.Times(ctx, storetest.Visits, "a")
	require.NoError(t, err)
	assert.True(t, times["seen_at"].Equal(t0))
}

func TestInsertRejectsBadRowsWithAClearError(t *testing.T) {
	tests := []struct {
		name    string
		dataset string
		row     map[string]any
		want    string
	}{
		{"no key", storetest.Bookings, map[string]any{"name": "x"}, "key column id is missing or NULL"},
		{"null key", storetest.Bookings, map[string]any{"id": nil}, "key column id is missing or NULL"},
		{"float key", storetest.Bookings, map[string]any{"id": 1.5}, "key column id has type float64"},
		{"struct value", storetest.Bookings, map[string]any{"id": 1, "note": struct{}{}}, "column note: unsupported type struct {}"},
		{"huge uint", storetest.Bookings, map[string]any{"id": uint64(1 << 63)}, "out of int64 range"},
		{"text in unix column", storetest.Bookings, map[string]any{"id": 1, "starts_unix": "yesterday"}, "time column starts_unix: format unix does not accept a value of type string"},
		{"integer in timestamp column", storetest.Bookings, map[string]any{"id": 1, "booked_at": int64(5)}, "format timestamp does not accept"},
		{"bad rfc3339", storetest.Visits, map[string]any{"id": "a", "seen_at": "10.01.2026"}, "format rfc3339: not RFC 3339 text"},
		{"bool subject", storetest.Bookings, map[string]any{"id": 1, "citizen_id": true}, "subject column citizen_id: type bool"},
		{"unknown dataset", "nope", map[string]any{"id": 1}, "store: unknown dataset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newStore(t)
			err := st.Insert(context.Background(), tt.dataset, tt.row)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Equal(t, 0, st.Len(tt.dataset), "a refused row is not stored")
		})
	}
}

func TestInsertExistingKeyIsErrConflict(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	require.NoError(t, st.Insert(ctx, storetest.Bookings, map[string]any{"id": 1, "name": "a"}))
	err := st.Insert(ctx, storetest.Bookings, map[string]any{"id": int64(1), "name": "b"})
	require.ErrorIs(t, err, store.ErrConflict)
	row, _, _ := st.Get(ctx, storetest.Bookings, "1")
	assert.Equal(t, "a", row["name"])
}

func TestUpdateKeepsIndexesCurrent(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	require.NoError(t, st.Insert(ctx, storetest.Bookings, map[string]any{"id": 1, "citizen_id": 1001, "booked_at": t0}))

	// Cancelling sets a time column: the record becomes due for a rule
	// counting from it.
	require.NoError(t, st.Update(ctx, storetest.Bookings, "1", map[string]any{"cancelled_ms": t0.UnixMilli(), "citizen_id": 1002}))
	sel := store.Selection{Dataset: storetest.Bookings, Now: t0, Bounds: []store.Bound{{Column: "cancelled_at", Cutoff: t0}}}
	free, _, err := st.Count(ctx, sel)
	require.NoError(t, err)
	assert.Equal(t, 1, free)
	recs, err := st.Records(ctx, storetest.Bookings, "1002", nil)
	require.NoError(t, err)
	assert.Len(t, recs, 1, "the subject index follows an update")
	recs, _ = st.Records(ctx, storetest.Bookings, "1001", nil)
	assert.Empty(t, recs)

	// Moving the time later takes the record out of the selection, and
	// the stale index entry is not used.
	require.NoError(t, st.Update(ctx, storetest.Bookings, "1", map[string]any{"cancelled_ms": t0.Add(time.Hour).UnixMilli()}))
	free, _, _ = st.Count(ctx, sel)
	assert.Equal(t, 0, free)
	at, ok, err := st.Earliest(ctx, store.Selection{Dataset: storetest.Bookings, Now: t0}, "cancelled_at", time.Time{})
	require.NoError(t, err)
	require.True(t, ok)
	assert.True(t, at.Equal(t0.Add(time.Hour)))

	require.ErrorContains(t, st.Update(ctx, storetest.Bookings, "1", map[string]any{"id": 2}), "key column")
	require.ErrorContains(t, st.Update(ctx, storetest.Bookings, "1", map[string]any{"booked_at": "x"}), "time column booked_at")
	require.ErrorIs(t, st.Update(ctx, storetest.Bookings, "9", map[string]any{"name": "x"}), store.ErrNotFound)
}

func TestCancelledContextIsReturnedBeforeAnyWork(t *testing.T) {
	st := newStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, st.Insert(ctx, storetest.Bookings, map[string]any{"id": 1}), context.Canceled)
	_, err := st.Process(ctx, store.Batch{Selection: store.Selection{Dataset: storetest.Bookings}})
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 0, st.Len(storetest.Bookings))
}

// TestPlaceHoldRefusesAnUnknownDataset: what a hold names is checked by
// retention.Engine.PlaceHold; a dataset the store does not hold is what
// only the store knows.
func TestPlaceHoldRefusesAnUnknownDataset(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	_, err := st.PlaceHold(ctx, store.Hold{ID: "h", Dataset: "nope", Key: "1"}, storetest.HoldEntry("hold.place"))
	require.ErrorIs(t, err, store.ErrUnknownDataset)
}
