package storetest

import (
	"errors"
	"time"

	"github.com/frist-go/frist/store"
)

func holdContracts() []contract {
	const (
		idA = "0190f6d2-0000-7000-8000-0000000000a1"
		idB = "0190f6d2-0000-7000-8000-0000000000b2"
		idC = "0190f6d2-0000-7000-8000-0000000000c3"
	)
	return []contract{
		{"Holds/ListHoldsReturnsActiveHoldsByID", func(h *harness) {
			b := store.Hold{ID: idB, Subject: "1001", Reason: store.HoldRestriction, Note: "Art. 18(1)(a)", PlacedAt: T0.Add(-time.Hour)}
			a := store.Hold{ID: idA, Dataset: Bookings, Key: "7", Reason: store.HoldLegalObligation, Note: "§ 147 AO", PlacedAt: T0.Add(-2 * time.Hour), Until: T0.Add(time.Hour)}
			expired := store.Hold{ID: idC, Subject: "1002", Reason: store.HoldLegalClaims, PlacedAt: T0.Add(-2 * time.Hour), Until: T0}
			h.placeHold(b)
			h.placeHold(a)
			h.placeHold(expired)
			got, err := h.b.ListHolds(h.ctx, T0)
			if err != nil {
				h.t.Fatalf("ListHolds must succeed, but it returned: %v", err)
			}
			if len(got) != 2 || got[0].ID != idA || got[1].ID != idB {
				h.t.Fatalf("ListHolds must return the holds active at the given time (not one that ended), ordered by ID: got %+v", got)
			}
			for i, want := range []store.Hold{a, b} {
				g := got[i]
				if g.Dataset != want.Dataset || g.Key != want.Key || g.Subject != want.Subject || g.Reason != want.Reason ||
					g.Note != want.Note || !g.PlacedAt.Equal(want.PlacedAt) || !g.Until.Equal(want.Until) || !g.ReleasedAt.IsZero() {
					h.t.Errorf("ListHolds must return a hold as it was placed: got %+v, want %+v", g, want)
				}
			}
			if got, _ := h.b.ListHolds(h.ctx, T0.Add(-90*time.Minute)); len(got) != 3 || got[0].ID != idA || got[1].ID != idB || got[2].ID != idC {
				h.t.Errorf("ListHolds must return a stored hold placed after the given time, which protects its records as soon as it is stored (store.Hold.Active): got %+v", got)
			}
		}},
		{"Holds/PlaceHoldWithExistingIDIsErrConflict", func(h *harness) {
			h.placeHold(store.Hold{ID: idA, Subject: "1001", PlacedAt: T0})
			err := h.b.PlaceHold(h.ctx, store.Hold{ID: idA, Subject: "1002", Reason: store.HoldRestriction, PlacedAt: T0})
			if !errors.Is(err, store.ErrConflict) {
				h.t.Errorf("PlaceHold must return store.ErrConflict when a hold with the ID exists, but it returned %v", err)
			}
			if got, _ := h.b.ListHolds(h.ctx, T0); len(got) != 1 || got[0].Subject != "1001" {
				h.t.Errorf("PlaceHold must keep the existing hold when it refuses a duplicate ID, but ListHolds returned %+v", got)
			}
		}},
		{"Holds/ReleaseHoldUnknownIDIsErrNotFound", func(h *harness) {
			if err := h.b.ReleaseHold(h.ctx, idA, T0); !errors.Is(err, store.ErrNotFound) {
				h.t.Errorf("ReleaseHold must return store.ErrNotFound for an unknown id, but it returned %v", err)
			}
		}},
		{"Holds/ReleaseHoldSetsReleaseTimeAndTwiceKeepsTheFirst", func(h *harness) {
			h.placeHold(store.Hold{ID: idA, Subject: "1001", PlacedAt: T0.Add(-time.Hour)})
			if err := h.b.ReleaseHold(h.ctx, idA, T0); err != nil {
				h.t.Fatalf("ReleaseHold must succeed for a placed hold, but it returned: %v", err)
			}
			if got, _ := h.b.ListHolds(h.ctx, T0.Add(-time.Second)); len(got) != 1 {
				h.t.Errorf("a released hold must stay active before its release time, but ListHolds just before it returned %+v", got)
			}
			if got, _ := h.b.ListHolds(h.ctx, T0); len(got) != 0 {
				h.t.Errorf("a released hold must not be active from its release time on, but ListHolds returned %+v", got)
			}
			for _, again := range []time.Time{T0.Add(time.Hour), T0.Add(-30 * time.Minute)} {
				if err := h.b.ReleaseHold(h.ctx, idA, again); err != nil {
					h.t.Errorf("releasing a hold twice must succeed, but ReleaseHold returned: %v", err)
				}
			}
			if got, _ := h.b.ListHolds(h.ctx, T0.Add(-time.Second)); len(got) != 1 {
				h.t.Errorf("releasing a hold twice must keep the first release time, but the hold is no longer active before it")
			}
			if got, _ := h.b.ListHolds(h.ctx, T0); len(got) != 0 {
				h.t.Errorf("releasing a hold twice must keep the first release time, but the hold is active again after it")
			}
		}},
	}
}
