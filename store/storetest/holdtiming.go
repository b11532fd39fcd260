package storetest

import (
	"slices"
	"time"

	"github.com/frist-go/frist/store"
)

// holdTimingContracts pin that a hold protects its records from the moment
// PlaceHold returns, whatever the clocks of the replicas say (store.Holds,
// store.Hold.Active): a sweep's Selection.Now is the time it started, read
// on the sweeping replica's clock, and a hold's PlacedAt is read on the
// placing one's, so neither may decide whether a stored hold counts.
func holdTimingContracts() []contract {
	const hold = "0190f6d2-0000-7000-8000-0000000000d4"
	// six bookings, one an hour, key 1 oldest; subject 1001 owns 1, 3, 5.
	six := func(h *harness) {
		for i := int64(1); i <= 6; i++ {
			subj := []int64{1001, 1002}[(i-1)%2]
			if i == 4 {
				subj = 0
			}
			h.insert(newBooking(i, subj, T0.Add(-time.Duration(7-i)*time.Hour)))
		}
	}
	excluded := func(h *harness, what string, res store.BatchResult, held []string, want []string) {
		h.t.Helper()
		for _, k := range keys(res.Processed) {
			if slices.Contains(held, k) {
				h.t.Errorf("Process must not select a record under a stored hold %s, but it processed key %s", what, k)
			}
		}
		if d := sameKeys(keys(res.Processed), want); d != "" {
			h.t.Errorf("Process must select every free record and no held one when a hold was %s: %s", what, d)
		}
	}
	return []contract{
		// Broken on purpose to see this fail: the SQL hold condition with
		// "h.placed_at <= now" and store.Hold.Active with "!t.Before(h.PlacedAt)"
		// again (as they were): keys 3 and 5 were deleted on memstore,
		// SQLite, PostgreSQL, logstore and multistore.
		{"Holds/HoldPlacedBetweenTwoBatchesExcludes", func(h *harness) {
			six(h)
			first := deleteBatch(T0)
			first.Keys = ks(1, 2)
			if d := sameKeys(keys(h.process(first).Processed), ks(1, 2)); d != "" {
				h.t.Fatalf("storetest: setup: the first batch of the sweep: %s", d)
			}
			// Placed two seconds into the sweep, on the sweep's own clock:
			// PlacedAt is later than the sweep's Now.
			h.placeHold(store.Hold{ID: hold, Subject: "1001", PlacedAt: T0.Add(2 * time.Second)})
			excluded(h, "placed between two batches of a sweep (PlacedAt later than Selection.Now)", h.process(deleteBatch(T0)), ks(3, 5), ks(4, 6))
			if free, held, err := h.b.Count(h.ctx, deleteBatch(T0).Selection); err != nil || free != 0 || held != 2 {
				h.t.Errorf("Count must report the records under a hold placed after Selection.Now as held: got free %d, held %d, err %v; want 0, 2", free, held, err)
			}
		}},
		// Broken on purpose as above: keys 1, 2, 3 and 5 were deleted.
		{"Holds/HoldPlacedByAReplicaWhoseClockIsAheadExcludes", func(h *harness) {
			six(h)
			// The placing replica's clock is 30 s ahead of the sweeper's.
			ahead := T0.Add(30 * time.Second)
			h.placeHold(store.Hold{ID: hold, Subject: "1001", PlacedAt: ahead, Until: ahead.Add(time.Hour)})
			h.placeHold(store.Hold{ID: "0190f6d2-0000-7000-8000-0000000000d5", Dataset: Bookings, Key: "2", PlacedAt: ahead})
			if got, err := h.b.ListHolds(h.ctx, T0); err != nil || len(got) != 2 {
				h.t.Errorf("ListHolds must list a stored hold whose PlacedAt is later than the time asked about (store.Hold.Active): got %+v, err %v", got, err)
			}
			if free, held, err := h.b.Count(h.ctx, deleteBatch(T0).Selection); err != nil || free != 2 || held != 4 {
				h.t.Errorf("Count must report records under a hold placed by a replica whose clock is ahead as held: got free %d, held %d, err %v; want 2, 4", free, held, err)
			}
			excluded(h, "placed by a replica whose clock is 30 s ahead of the sweeper's", h.process(deleteBatch(T0)), ks(1, 2, 3, 5), ks(4, 6))
		}},
		// Broken on purpose as above: keys 1, 3 and 5 were deleted.
		{"Holds/HoldPlacedBeforeTheClockSteppedBackExcludes", func(h *harness) {
			six(h)
			h.placeHold(store.Hold{ID: hold, Subject: "1001", PlacedAt: T0, Until: T0.Add(10 * time.Minute)})
			// The clock is then set back by 60 s, and a sweep starts.
			back := deleteBatch(T0.Add(-time.Minute))
			back.Now = T0.Add(-time.Minute)
			excluded(h, "placed before the clock was set back by 60 s", h.process(back), ks(1, 3, 5), ks(2, 4, 6))
		}},
	}
}
