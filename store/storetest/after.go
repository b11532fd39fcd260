package storetest

import (
	"slices"
	"time"

	"github.com/frist-go/frist/store"
)

// afterContracts pin Selection.After and BatchResult.Next: a batch that
// starts behind the previous one's last record takes exactly the records
// that follow it, for every action that leaves records in place, and
// never one it passed.
func afterContracts() []contract {
	type kind struct {
		name    string
		dataset string
		// insert inserts record i (1-based) at t and returns its key.
		insert func(h *harness, i int64, t time.Time) string
		batch  store.Batch
		// left reports whether record k is still to be processed.
		left func(h *harness, k string) bool
	}
	booking := func(h *harness, i int64, t time.Time) string {
		h.insert(newBooking(i, 1000+i, t))
		return ks(i)[0]
	}
	visit := func(h *harness, i int64, t time.Time) string {
		k := "v-" + ks(i)[0]
		h.insertVisit(k, t)
		return k
	}
	unmarked := func(h *harness, k string) bool { return h.get(Bookings, k)["anonymized_at"] == nil }
	bookingSel := store.Selection{Dataset: Bookings, Bounds: []store.Bound{{Column: "booked_at", Cutoff: T0}}, Marker: "anonymized_at", Now: T0, Limit: 2}
	kinds := []kind{
		{"marker", Bookings, booking, store.Batch{Selection: bookingSel,
			Action: store.Action{Null: []string{"email"}, SetMarker: "anonymized_at"}, Audit: auditAs("anonymize", nil)}, unmarked},
		{"transform", Bookings, booking, store.Batch{Selection: bookingSel,
			Action: store.Action{Transform: []string{"ip"}, Apply: maskIP, SetMarker: "anonymized_at"}, Audit: auditAs("anonymize", nil)}, unmarked},
		{"null_without_subject", Visits, visit, store.Batch{
			Selection: store.Selection{Dataset: Visits, Bounds: []store.Bound{{Column: "seen_at", Cutoff: T0}}, NotNull: []string{"ip", "user_agent"}, Now: T0, Limit: 2},
			Action:    store.Action{Null: []string{"ip", "user_agent"}}, Audit: auditAs("anonymize", nil)},
			func(h *harness, k string) bool { return h.get(Visits, k)["ip"] != nil }},
	}
	var cs []contract
	for _, kd := range kinds {
		cs = append(cs, contract{"Process/AfterStartsBehindTheLastBatch/" + kd.name, func(h *harness) {
			var keys []string
			for i := int64(1); i <= 5; i++ {
				keys = append(keys, kd.insert(h, i, T0.Add(time.Duration(i-60)*time.Minute)))
			}
			// processed runs b and returns the keys it processed.
			processed := func(b store.Batch) ([]string, any) {
				var before []string
				for _, k := range keys {
					if kd.left(h, k) {
						before = append(before, k)
					}
				}
				res := h.process(b)
				var got []string
				for _, k := range before {
					if !kd.left(h, k) {
						got = append(got, k)
					}
				}
				if res.Count != len(got) {
					h.t.Errorf("Process must report in BatchResult.Count the %d records it processed, but it reported %d", len(got), res.Count)
				}
				return got, res.Next
			}
			b := kd.batch
			got, next := processed(b)
			if d := sameKeys(got, keys[:2]); d != "" {
				h.t.Fatalf("storetest: the first batch of two: %s", d)
			}
			if next == nil {
				// The backend does not track positions: After must be
				// harmless, and nothing more can be asserted.
				h.t.Logf("storetest: %s returns no BatchResult.Next; Selection.After not exercised", kd.name)
				return
			}
			// A record that sorts before the first batch's last one: a
			// batch that starts behind it must not take it.
			early := kd.insert(h, 6, T0.Add(-2*time.Hour))
			keys = append(keys, early)
			b.After = next
			got, next = processed(b)
			if d := sameKeys(got, keys[2:4]); d != "" {
				h.t.Errorf("Process with Selection.After must take the records that follow the last batch, in order, and none before it: %s", d)
			}
			b.After = next
			if got, next = processed(b); !slices.Equal(got, keys[4:5]) {
				h.t.Errorf("Process with Selection.After must take the last record that follows: %s", sameKeys(got, keys[4:5]))
			}
			if next != nil {
				b.After = next
				if got, _ = processed(b); len(got) != 0 {
					h.t.Errorf("Process with Selection.After behind the last record must take nothing, but took %v", got)
				}
			}
			b.After = nil
			if got, _ = processed(b); !slices.Equal(got, []string{early}) {
				h.t.Errorf("Process without Selection.After must start at the beginning again and take the record the later batches passed: %s", sameKeys(got, []string{early}))
			}
		}})
	}
	cs = append(cs, contract{"Process/AfterThatIsNoPositionIsAnError", func(h *harness) {
		for i := int64(1); i <= 3; i++ {
			h.insert(newBooking(i, 1000+i, T0.Add(time.Duration(i-60)*time.Minute)))
		}
		b := store.Batch{Selection: store.Selection{Dataset: Bookings, Bounds: []store.Bound{{Column: "booked_at", Cutoff: T0}},
			Marker: "anonymized_at", Now: T0, Limit: 1},
			Action: store.Action{Null: []string{"email"}, SetMarker: "anonymized_at"}, Audit: auditAs("anonymize", nil)}
		res := h.process(b)
		if res.Next == nil {
			h.t.Logf("storetest: the backend returns no BatchResult.Next; Selection.After not exercised")
			return
		}
		b.After = "not a position"
		if _, err := h.b.Process(h.ctx, b); err == nil {
			h.t.Errorf("Process must refuse a Selection.After that is not a BatchResult.Next of the backend, but it returned no error")
		}
		if h.get(Bookings, "2")["anonymized_at"] != nil {
			h.t.Errorf("Process with an invalid Selection.After must change nothing, but key 2 was marked")
		}
	}})
	return cs
}
