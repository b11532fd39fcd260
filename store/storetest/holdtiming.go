package storetest

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/frist-go/frist/audit"
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

// holdRaceContracts pin that PlaceHold and Process are serialised (store.Holds):
// a hold stored while a batch is open either waits for the batch to commit or
// is seen by it, so no record present when PlaceHold returned is processed
// afterwards. Each case places the hold from another goroutine while the
// batch's Audit callback keeps the batch open (Audit runs inside the
// transaction, after the batch statement), and the callback waits until the
// hold is placed or 300 ms have passed.
//
// Broken on purpose to see them fail: pgstore without the hold fence
// (its batch strategy's transaction begun as plain Begin, its pipeline
// without the shared lock, and its dialect's BeginHold without the
// exclusive one): on PostgreSQL's READ COMMITTED the hold committed at once while the
// batch was open, the batch committed afterwards, and keys present when
// PlaceHold returned (1 and 3; v-1; 1 and 3) were processed. memstore,
// logstore (one lock for batches and holds) and SQLite (BEGIN IMMEDIATE)
// pass by construction: their open batch keeps PlaceHold waiting.
func holdRaceContracts() []contract {
	type race struct {
		name    string
		setup   func(h *harness)
		batch   store.Batch
		holds   []store.Hold
		covered []string // keys the holds cover
		// touched reports whether a batch acted on a record, given its
		// row as Get returned it (nil when it is gone).
		touched func(row map[string]any) bool
	}
	const id = "0190f6d2-0000-7000-8000-0000000000e6"
	races := []race{
		{
			name: "delete",
			setup: func(h *harness) {
				for i := int64(1); i <= 6; i++ {
					h.insert(newBooking(i, []int64{1001, 1002}[(i-1)%2], T0.Add(-time.Duration(7-i)*time.Hour)))
				}
			},
			batch:   func() store.Batch { b := deleteBatch(T0); b.Limit = 3; return b }(),
			holds:   []store.Hold{{ID: id, Subject: "1001", PlacedAt: T0.Add(time.Second)}},
			covered: ks(1, 3, 5),
			touched: func(row map[string]any) bool { return row == nil },
		},
		{
			name: "null_without_subject",
			setup: func(h *harness) {
				for i := 1; i <= 4; i++ {
					h.insertVisit(fmt.Sprintf("v-%d", i), T0.Add(-time.Duration(5-i)*time.Hour))
				}
			},
			batch: store.Batch{
				Selection: store.Selection{Dataset: Visits, Bounds: []store.Bound{{Column: "seen_at", Cutoff: T0}}, NotNull: []string{"ip", "user_agent"}, Now: T0, Limit: 2},
				Action:    store.Action{Null: []string{"ip", "user_agent"}},
				Audit:     auditAs("anonymize", nil),
			},
			holds: []store.Hold{
				{ID: id, Dataset: Visits, Key: "v-1", PlacedAt: T0.Add(time.Second)},
				{ID: "0190f6d2-0000-7000-8000-0000000000e7", Dataset: Visits, Key: "v-3", PlacedAt: T0.Add(time.Second)},
			},
			covered: []string{"v-1", "v-3"},
			touched: func(row map[string]any) bool { return row == nil || row["ip"] == nil },
		},
		{
			name: "transform",
			setup: func(h *harness) {
				for i := int64(1); i <= 6; i++ {
					h.insert(newBooking(i, []int64{1001, 1002}[(i-1)%2], T0.Add(-time.Duration(7-i)*time.Hour)))
				}
			},
			batch: func() store.Batch {
				b := deleteBatch(T0)
				b.Delete, b.Transform, b.Apply, b.SetMarker, b.Marker = false, []string{"ip"}, maskIP, "anonymized_at", "anonymized_at"
				b.Limit = 3
				return b
			}(),
			holds:   []store.Hold{{ID: id, Subject: "1001", PlacedAt: T0.Add(time.Second)}},
			covered: ks(1, 3, 5),
			touched: func(row map[string]any) bool { return row == nil || row["anonymized_at"] != nil },
		},
	}
	var cs []contract
	for _, r := range races {
		cs = append(cs, contract{"Holds/HoldPlacedWhileABatchIsOpenIsSerialisedWithIt/" + r.name, func(h *harness) {
			r.setup(h)
			// untouched: the covered keys the batch had not acted on when
			// PlaceHold returned, as another caller saw them then.
			var untouched []string
			var placeErr error
			done := make(chan struct{})
			started := false
			b := r.batch
			build := b.Audit
			b.Audit = func(rs []store.Record, n int) (audit.Entry, error) {
				if !started {
					started = true
					go func() {
						defer close(done)
						// Another caller, as another replica would be: not
						// the batch's own connection, transaction or lock.
						ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
						defer cancel()
						for _, hd := range r.holds {
							hd.Reason = store.HoldLegalClaims
							if _, placeErr = h.b.PlaceHold(ctx, hd, HoldEntry("hold.place")); placeErr != nil {
								return
							}
						}
						for _, k := range r.covered {
							row, ok, err := h.b.Get(ctx, r.batch.Dataset, k)
							if err != nil {
								placeErr = fmt.Errorf("reading key %s back: %w", k, err)
								return
							}
							if !ok {
								row = nil
							}
							if !r.touched(row) {
								untouched = append(untouched, k)
							}
						}
					}()
					select {
					case <-time.After(300 * time.Millisecond):
					case <-done:
					}
				}
				return build(rs, n)
			}
			first, err := h.b.Process(h.ctx, b)
			if err != nil {
				h.t.Fatalf("Process must succeed while another caller places a hold, but it returned: %v", err)
			}
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				h.t.Fatalf("PlaceHold must return once the batch in flight has committed, but it had not after 20 s")
			}
			if !started {
				h.t.Fatalf("storetest: setup: the batch processed nothing, so no hold was placed while it was open")
			}
			if placeErr != nil {
				h.t.Fatalf("PlaceHold must succeed while a batch is open (waiting for it at most), but: %v", placeErr)
			}
			// The rest of the sweep: batches until one comes back short.
			next := r.batch
			next.Limit = 0
			if _, err := h.b.Process(h.ctx, next); err != nil {
				h.t.Fatalf("Process must succeed after a hold was placed, but it returned: %v", err)
			}
			for _, k := range untouched {
				row, ok, err := h.b.Get(h.ctx, r.batch.Dataset, k)
				if err != nil {
					h.t.Fatalf("storetest: reading key %s back: %v", k, err)
				}
				if !ok {
					row = nil
				}
				if r.touched(row) {
					h.t.Errorf("Process and PlaceHold must be serialised (store.Holds): key %s was untouched when PlaceHold returned, and a batch processed it afterwards", k)
				}
			}
			if len(untouched) == 0 && first.Count <= b.Limit {
				// A backend that honours Limit leaves covered records for
				// the rest of the sweep; one that acts on more (logstore
				// rewrites whole files) may have taken them all in the
				// open batch, which committed before the hold.
				h.t.Errorf("storetest: the first batch was limited to %d records, so a covered record after it must be untouched when PlaceHold returns, but none of %v was", b.Limit, r.covered)
			}
		}})
	}
	return cs
}
