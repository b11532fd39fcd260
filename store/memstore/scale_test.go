package memstore_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/storetest"
)

// TestSweepOfHundredsOfThousandsOfRecords pins the complexity the package
// documents: 300,000 records (30,000 under the race detector) inserted in random time order, then swept in
// batches of 1000 by a marking rule and a deleting rule, each record once
// and in time order.
func TestSweepOfHundredsOfThousandsOfRecords(t *testing.T) {
	if testing.Short() {
		t.Skip("inserts 300,000 records")
	}
	const batch = 1000
	n := 300_000
	if raceEnabled {
		n = 30_000
	}
	st := newStore(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Now()
	for _, i := range rng.Perm(n) {
		require.NoError(t, st.Insert(ctx, storetest.Bookings, map[string]any{
			"id": i + 1, "citizen_id": i%5000 + 1, "booked_at": t0.Add(-time.Duration(i) * time.Second),
			"starts_unix": t0.Add(-time.Duration(i) * time.Second).Unix(), "client_ip": "192.0.2.1",
		}))
	}
	inserted := time.Since(start)

	aud := func(rs []store.Record, n int) (audit.Entry, error) {
		return audit.Entry{Time: t0, Action: "anonymize", Dataset: storetest.Bookings, Count: n}, nil
	}
	sweep := func(b store.Batch) (batches, total int) {
		var last time.Time
		for {
			res, err := st.Process(ctx, b)
			require.NoError(t, err)
			if len(res.Processed) == 0 {
				return batches, total
			}
			batches++
			total += len(res.Processed)
			times, err := st.Times(ctx, storetest.Bookings, res.Processed[0].Key)
			if err == nil {
				require.False(t, times["booked_at"].Before(last), "batches follow time order")
				last = times["booked_at"]
			}
		}
	}

	// Anonymize everything older than n/3 seconds: two thirds of the
	// records stay in the table, marked, and later batches skip them.
	start = time.Now()
	cut := t0.Add(-time.Duration(n/3) * time.Second)
	mark := store.Batch{
		Selection: store.Selection{Dataset: storetest.Bookings, Bounds: []store.Bound{{Column: "booked_at", Cutoff: cut}}, Marker: "anonymized_at", Now: t0, Limit: batch},
		Action:    store.Action{Null: []string{"ip"}, SetMarker: "anonymized_at"},
		Audit:     aud,
	}
	batches, total := sweep(mark)
	marked := time.Since(start)
	assert.Equal(t, n-n/3, total)
	assert.Equal(t, (n-n/3)/batch, batches)

	// Delete everything older than n/6 seconds.
	start = time.Now()
	del := store.Batch{
		Selection: store.Selection{Dataset: storetest.Bookings, Bounds: []store.Bound{{Column: "booked_at", Cutoff: t0.Add(-time.Duration(n/6) * time.Second)}}, Now: t0, Limit: batch},
		Action:    store.Action{Delete: true},
		Audit:     aud,
	}
	_, total = sweep(del)
	deleted := time.Since(start)
	assert.Equal(t, n-n/6, total)
	assert.Equal(t, n/6, st.Len(storetest.Bookings))

	log, err := st.ReadAudit(ctx, 0, 0)
	require.NoError(t, err)
	_, err = audit.Verify(log, nil)
	require.NoError(t, err)
	t.Logf("%d records: insert %v, mark %d in batches of %d %v, delete %d %v, audit entries %d",
		n, inserted, n-n/3, batch, marked, n-n/6, deleted, len(log))
}
