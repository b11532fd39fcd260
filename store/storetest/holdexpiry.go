package storetest

import (
	"slices"
	"time"

	"github.com/frist-go/frist/store"
)

// holdExpiryContracts pin store.Holds.ExpireHolds: a hold that ended
// (store.Hold.Ended: released, or past its Until, whichever came first)
// before the cutoff is deleted, one that ended at or after it is kept,
// and one still in force is never deleted, however old.
func holdExpiryContracts() []contract {
	const (
		idA = "0190f6d2-0000-7000-8000-0000000000e1"
		idB = "0190f6d2-0000-7000-8000-0000000000e2"
		idC = "0190f6d2-0000-7000-8000-0000000000e3"
		idD = "0190f6d2-0000-7000-8000-0000000000e4"
		idE = "0190f6d2-0000-7000-8000-0000000000e5"
		idF = "0190f6d2-0000-7000-8000-0000000000e6"
	)
	// long ago is before every hold of these contracts was placed: a hold
	// not deleted is listed as active at it, whether it ended since or not.
	longAgo := T0.AddDate(-20, 0, 0)
	expire := func(h *harness, cutoff time.Time) int {
		h.t.Helper()
		n, err := h.b.ExpireHolds(h.ctx, cutoff)
		if err != nil {
			h.t.Fatalf("ExpireHolds(%s) must succeed, but it returned: %v", cutoff.Format(time.RFC3339Nano), err)
		}
		return n
	}
	stored := func(h *harness) []string {
		h.t.Helper()
		hs, err := h.b.ListHolds(h.ctx, longAgo)
		if err != nil {
			h.t.Fatalf("ListHolds must succeed, but it returned: %v", err)
		}
		var ids []string
		for _, x := range hs {
			ids = append(ids, x.ID)
		}
		return ids
	}
	release := func(h *harness, id string, at time.Time) {
		h.t.Helper()
		h.releaseHold(id, at)
	}
	return []contract{
		// Broken on purpose to see this fail: ExpireHolds deleting every
		// hold placed before the cutoff (memstore: "h.PlacedAt.Before";
		// SQL: "placed_at < cutoff") deleted both holds in force.
		{"Holds/ExpireHoldsNeverDeletesAHoldInForce", func(h *harness) {
			h.placeHold(store.Hold{ID: idA, Subject: "1001", Reason: store.HoldRestriction, PlacedAt: longAgo.Add(time.Hour)})
			h.placeHold(store.Hold{ID: idB, Dataset: Bookings, Key: "7", PlacedAt: longAgo.Add(time.Hour), Until: T0.AddDate(1, 0, 0)})
			if n := expire(h, T0); n != 0 {
				h.t.Errorf("ExpireHolds must delete no hold still in force (neither released nor past its Until), but it reported %d deleted", n)
			}
			if got := stored(h); !slices.Equal(got, []string{idA, idB}) {
				h.t.Errorf("ExpireHolds must keep every hold still in force, placed however long before the cutoff: got %v, want %v", got, []string{idA, idB})
			}
			if got, _ := h.b.ListHolds(h.ctx, T0); len(got) != 2 {
				h.t.Errorf("after ExpireHolds, the holds in force must still be active: got %+v", got)
			}
		}},
		// Broken on purpose to see this fail: "<=" for "<" (SQL
		// "released_at <= cutoff", memstore "!end.After(cutoff)") deleted
		// the hold released at the cutoff; the release ignored (only Until
		// compared) kept the one released a second before it.
		{"Holds/ExpireHoldsDeletesAHoldReleasedBeforeTheCutoffNotAtIt", func(h *harness) {
			cutoff := T0
			h.placeHold(store.Hold{ID: idA, Subject: "1001", Reason: store.HoldRestriction, PlacedAt: longAgo.Add(time.Hour)})
			h.placeHold(store.Hold{ID: idB, Subject: "1002", Reason: store.HoldRestriction, PlacedAt: longAgo.Add(time.Hour)})
			release(h, idA, cutoff.Add(-time.Second))
			release(h, idB, cutoff)
			if n := expire(h, cutoff); n != 1 {
				h.t.Errorf("ExpireHolds must return the number of holds it deleted (1: the one released a second before the cutoff), but it returned %d", n)
			}
			if got := stored(h); !slices.Equal(got, []string{idB}) {
				h.t.Errorf("ExpireHolds must delete a hold released before the cutoff and keep one released at it: got %v, want %v", got, []string{idB})
			}
		}},
		// Broken on purpose to see this fail: the end read as the release
		// alone kept the hold past its Until and released later (C); read
		// as the later of the two it kept it too; Until ignored kept D.
		{"Holds/ExpireHoldsCountsFromTheEarlierOfReleaseAndUntil", func(h *harness) {
			cutoff := T0
			placed := longAgo.Add(time.Hour)
			h.placeHold(store.Hold{ID: idC, Dataset: Bookings, Key: "7", PlacedAt: placed, Until: cutoff.Add(-time.Second)})
			release(h, idC, cutoff.Add(time.Hour)) // released after its Until: it ended at Until
			h.placeHold(store.Hold{ID: idD, Subject: "1001", PlacedAt: placed, Until: cutoff.Add(-time.Second)})
			h.placeHold(store.Hold{ID: idE, Subject: "1002", PlacedAt: placed, Until: cutoff})
			h.placeHold(store.Hold{ID: idF, Subject: "1003", PlacedAt: placed, Until: cutoff.AddDate(1, 0, 0)})
			release(h, idF, cutoff.Add(-time.Second)) // released before its Until: it ended then
			if n := expire(h, cutoff); n != 3 {
				h.t.Errorf("ExpireHolds must delete the 3 holds that ended before the cutoff (past Until, released before Until, past Until and released later), but it reported %d", n)
			}
			if got := stored(h); !slices.Equal(got, []string{idE}) {
				h.t.Errorf("ExpireHolds must delete every hold whose release or Until, whichever came first, is before the cutoff, and keep one whose Until is the cutoff: got %v, want %v", got, []string{idE})
			}
		}},
		// Broken on purpose to see this fail: the SQL cutoff bound
		// without ceilMicro (rounded down to the microsecond, as the
		// columns keep it) kept the hold released at the whole second.
		{"Holds/ExpireHoldsHonoursACutoffBetweenMicroseconds", func(h *harness) {
			cutoff := T0.Add(1) // as policy.Period.EndedBefore returns for hours: a nanosecond after the second
			h.placeHold(store.Hold{ID: idA, Subject: "1001", PlacedAt: longAgo.Add(time.Hour)})
			h.placeHold(store.Hold{ID: idB, Subject: "1002", PlacedAt: longAgo.Add(time.Hour)})
			release(h, idA, T0)
			release(h, idB, T0.Add(time.Microsecond))
			if n := expire(h, cutoff); n != 1 {
				h.t.Errorf("ExpireHolds(%s) must delete the hold released at %s, a nanosecond before it, and keep the one released a microsecond later: it reported %d deleted", cutoff.Format(time.RFC3339Nano), T0.Format(time.RFC3339Nano), n)
			}
			if got := stored(h); !slices.Equal(got, []string{idB}) {
				h.t.Errorf("ExpireHolds must keep a hold released after the cutoff: got %v, want %v", got, []string{idB})
			}
		}},
		// Broken on purpose to see this fail: memstore deleting the index
		// entries of every hold on the record and on the subject (not
		// only the expired one's) processed keys 7 and 8 under the holds
		// in force.
		{"Holds/ExpireHoldsLeavesTheHoldsInForceOnTheSameRecordAndSubject", func(h *harness) {
			h.insert(newBooking(7, 1001, T0.AddDate(-5, 0, 0)), newBooking(8, 1002, T0.AddDate(-5, 0, 0)))
			h.placeHold(store.Hold{ID: idA, Dataset: Bookings, Key: "7", PlacedAt: longAgo.Add(time.Hour)})
			release(h, idA, T0.AddDate(-4, 0, 0))
			h.placeHold(store.Hold{ID: idB, Dataset: Bookings, Key: "7", PlacedAt: longAgo.Add(2 * time.Hour)})
			h.placeHold(store.Hold{ID: idC, Subject: "1002", PlacedAt: longAgo.Add(time.Hour), Until: T0.AddDate(-4, 0, 0)})
			h.placeHold(store.Hold{ID: idD, Subject: "1002", PlacedAt: longAgo.Add(2 * time.Hour)})
			if n := expire(h, T0.AddDate(-1, 0, 0)); n != 2 {
				h.t.Fatalf("ExpireHolds must delete the 2 holds that ended four years ago, but it reported %d", n)
			}
			res := h.process(deleteBatch(T0))
			for _, k := range []string{"7", "8"} {
				if slices.Contains(keys(res.Processed), k) || !h.exists(Bookings, k) {
					h.t.Errorf("after ExpireHolds deleted an ended hold, a hold in force on the same record or subject must still exclude it from Process, but key %s was processed", k)
				}
			}
		}},
	}
}
