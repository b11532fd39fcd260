package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/frist-go/frist/audit"
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
			before := len(h.log())
			called := false
			_, err := h.b.PlaceHold(h.ctx, store.Hold{ID: idA, Subject: "1002", Reason: store.HoldRestriction, PlacedAt: T0}, func(hd store.Hold) (audit.Entry, error) {
				called = true
				return HoldEntry("hold.place")(hd)
			})
			if !errors.Is(err, store.ErrConflict) {
				h.t.Errorf("PlaceHold must return store.ErrConflict when a hold with the ID exists, but it returned %v", err)
			}
			if got, _ := h.b.ListHolds(h.ctx, T0); len(got) != 1 || got[0].Subject != "1001" {
				h.t.Errorf("PlaceHold must keep the existing hold when it refuses a duplicate ID, but ListHolds returned %+v", got)
			}
			if n := len(h.log()); n != before || called {
				h.t.Errorf("a hold refused as a conflict must append no audit entry (store.HoldAudit), but the log went from %d to %d entries (entry called: %v)", before, n, called)
			}
		}},
		// Broken on purpose to see this fail: memstore's PlaceHold
		// returning the entry it built instead of the one it sealed.
		{"Holds/PlaceHoldStoresTheHoldAndItsEntryTogether", func(h *harness) {
			hold := store.Hold{ID: idA, Dataset: Bookings, Key: "7", Reason: store.HoldLegalClaims, Note: "Az. 1 O 1/25", PlacedAt: T0.Add(-time.Minute), Until: T0.Add(time.Hour)}
			before := h.log()
			var got []store.Hold
			sealed, err := h.b.PlaceHold(h.ctx, hold, func(hd store.Hold) (audit.Entry, error) {
				got = append(got, hd)
				return HoldEntry("hold.place")(hd)
			})
			if err != nil {
				h.t.Fatalf("PlaceHold must store a hold with a new ID, but it returned: %v", err)
			}
			if len(got) != 1 || got[0].ID != hold.ID || got[0].Key != hold.Key || got[0].Reason != hold.Reason || !got[0].Until.Equal(hold.Until) {
				h.t.Errorf("PlaceHold must build the entry once from the hold it stores (store.HoldAudit), but it was called with %+v", got)
			}
			es := h.log()
			if len(es) != len(before)+1 {
				h.t.Fatalf("PlaceHold must append exactly the hold's entry to the audit log, but the log went from %d to %d entries", len(before), len(es))
			}
			last := es[len(es)-1]
			if sealed.Seq != last.Seq || sealed.Hash != last.Hash || last.Action != "hold.place" || !strings.HasPrefix(last.Note, "hold "+idA) {
				h.t.Errorf("PlaceHold must return its entry as sealed in the log: returned seq %d %q, the log's last is seq %d %q (%s)", sealed.Seq, sealed.Note, last.Seq, last.Note, last.Action)
			}
			if _, err := audit.Verify(es, nil); err != nil {
				h.t.Errorf("the entry PlaceHold appends must continue the chain, but the log does not verify: %v", err)
			}
			if hs, _ := h.b.ListHolds(h.ctx, T0); len(hs) != 1 || hs[0].ID != idA {
				h.t.Errorf("the hold must be stored with its entry, but ListHolds returned %+v", hs)
			}
		}},
		// Broken on purpose to see this fail: the SQL backends committing
		// the hold and then appending the entry in a second transaction
		// (as PlaceHold and AppendAudit did) left the hold in force;
		// memstore storing the hold before building the entry, the same.
		{"Holds/PlaceHoldStoresNothingWhenTheEntryFails", func(h *harness) {
			h.insert(newBooking(7, 1001, T0.Add(-time.Hour)), newBooking(8, 1002, T0.Add(-time.Hour)))
			before := len(h.log())
			errEntry := errors.New("storetest: the entry cannot be made")
			for _, hold := range []store.Hold{
				{ID: idA, Dataset: Bookings, Key: "7", Reason: store.HoldLegalClaims, PlacedAt: T0},
				{ID: idB, Subject: "1002", Reason: store.HoldRestriction, PlacedAt: T0},
			} {
				_, err := h.b.PlaceHold(h.ctx, hold, func(store.Hold) (audit.Entry, error) { return audit.Entry{}, errEntry })
				if !errors.Is(err, errEntry) {
					h.t.Errorf("PlaceHold must fail with the error of its entry (store.HoldAudit), but it returned %v", err)
				}
			}
			if hs, _ := h.b.ListHolds(h.ctx, T0); len(hs) != 0 {
				h.t.Errorf("a hold whose entry cannot be made must not be stored, but ListHolds returned %+v", hs)
			}
			if n := len(h.log()); n != before {
				h.t.Errorf("a hold whose entry cannot be made must append nothing, but the log went from %d to %d entries", before, n)
			}
			res := h.process(deleteBatch(T0))
			if got := keys(res.Processed); res.Count != 2 || res.Processed != nil && !slices.Equal(got, []string{"7", "8"}) {
				h.t.Errorf("a hold whose entry cannot be made must hold nothing, but a batch processed %d records %v, want keys 7 and 8", res.Count, got)
			}
			h.placeHold(store.Hold{ID: idA, Dataset: Bookings, Key: "7", PlacedAt: T0})
		}},
		{"Holds/ReleaseHoldUnknownIDIsErrNotFound", func(h *harness) {
			before := len(h.log())
			called := false
			_, err := h.b.ReleaseHold(h.ctx, idA, T0, func(hd store.Hold) (audit.Entry, error) {
				called = true
				return HoldEntry("hold.release")(hd)
			})
			if !errors.Is(err, store.ErrNotFound) {
				h.t.Errorf("ReleaseHold must return store.ErrNotFound for an unknown id, but it returned %v", err)
			}
			if n := len(h.log()); n != before || called {
				h.t.Errorf("releasing an unknown hold must append no entry, but the log went from %d to %d entries (entry called: %v)", before, n, called)
			}
		}},
		// Broken on purpose to see this fail: the SQL backends updating
		// released_at with COALESCE and appending the entry whatever it
		// changed wrote an entry for every release, the repeated ones
		// too.
		{"Holds/ReleaseHoldSetsReleaseTimeAndTwiceKeepsTheFirst", func(h *harness) {
			h.placeHold(store.Hold{ID: idA, Dataset: Bookings, Key: "7", PlacedAt: T0.Add(-time.Hour)})
			before := len(h.log())
			var got []store.Hold
			entry := func(hd store.Hold) (audit.Entry, error) {
				got = append(got, hd)
				return HoldEntry("hold.release")(hd)
			}
			sealed, err := h.b.ReleaseHold(h.ctx, idA, T0, entry)
			if err != nil {
				h.t.Fatalf("ReleaseHold must succeed for a placed hold, but it returned: %v", err)
			}
			if len(got) != 1 || got[0].ID != idA || got[0].Key != "7" || !got[0].ReleasedAt.Equal(T0) {
				h.t.Errorf("ReleaseHold must build the entry once from the released hold, its release time set (store.HoldAudit), but it was called with %+v", got)
			}
			es := h.log()
			if len(es) != before+1 || sealed.Hash == "" || es[len(es)-1].Hash != sealed.Hash || es[len(es)-1].Action != "hold.release" {
				h.t.Errorf("ReleaseHold must append exactly the release's entry and return it as sealed: the log went from %d to %d entries, returned %q", before, len(es), sealed.Hash)
			}
			if got, _ := h.b.ListHolds(h.ctx, T0.Add(-time.Second)); len(got) != 1 {
				h.t.Errorf("a released hold must stay active before its release time, but ListHolds just before it returned %+v", got)
			}
			if got, _ := h.b.ListHolds(h.ctx, T0); len(got) != 0 {
				h.t.Errorf("a released hold must not be active from its release time on, but ListHolds returned %+v", got)
			}
			got = nil
			for _, again := range []time.Time{T0.Add(time.Hour), T0.Add(-30 * time.Minute)} {
				sealed, err := h.b.ReleaseHold(h.ctx, idA, again, entry)
				if err != nil {
					h.t.Errorf("releasing a hold twice must succeed, but ReleaseHold returned: %v", err)
				}
				if sealed.Hash != "" {
					h.t.Errorf("releasing a released hold must return the zero entry, but it returned entry %d", sealed.Seq)
				}
			}
			if n := len(h.log()); n != before+1 || len(got) != 0 {
				h.t.Errorf("releasing a released hold must append no entry, but the log went from %d to %d entries (entry called %d times)", before+1, n, len(got))
			}
			if got, _ := h.b.ListHolds(h.ctx, T0.Add(-time.Second)); len(got) != 1 {
				h.t.Errorf("releasing a hold twice must keep the first release time, but the hold is no longer active before it")
			}
			if got, _ := h.b.ListHolds(h.ctx, T0); len(got) != 0 {
				h.t.Errorf("releasing a hold twice must keep the first release time, but the hold is active again after it")
			}
		}},
		// Two replicas releasing one hold at the same moment record one
		// release: the backend decides whether the hold has ended under
		// the same lock that stores the release and its entry.
		//
		// Broken on purpose to see this fail: PostgreSQL reading the
		// hold's row without FOR UPDATE let every release see it in
		// force and write its own entry.
		{"Holds/ConcurrentReleasesRecordOneRelease", func(h *harness) {
			const workers = 8
			for i := range 4 {
				id := fmt.Sprintf("0190f6d2-0000-7000-8000-0000000001%02d", i)
				h.placeHold(store.Hold{ID: id, Dataset: Bookings, Key: "7", PlacedAt: T0.Add(-time.Hour)})
				before := len(h.log())
				var wg sync.WaitGroup
				var mu sync.Mutex
				var recorded int
				errs := make(chan error, workers)
				start := make(chan struct{})
				for w := range workers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						sealed, err := h.b.ReleaseHold(h.ctx, id, T0.Add(time.Duration(w)*time.Second), HoldEntry("hold.release"))
						if err != nil && !errors.Is(err, store.ErrConflict) {
							errs <- err
							return
						}
						if sealed.Hash != "" {
							mu.Lock()
							recorded++
							mu.Unlock()
						}
					}()
				}
				close(start)
				wg.Wait()
				close(errs)
				for err := range errs {
					h.t.Fatalf("ReleaseHold must succeed for a hold released by another caller at the same moment, but it returned: %v", err)
				}
				if n := len(h.log()); recorded != 1 || n != before+1 {
					h.t.Fatalf("%d concurrent releases of one hold must record it once, but %d returned an entry and the log went from %d to %d entries", workers, recorded, before, n)
				}
			}
		}},
		// Broken on purpose to see this fail: memstore comparing
		// "at.After(Until)" released the hold at its Until exactly; the
		// SQL backends without the check released it after its end.
		{"Holds/ReleaseHoldOfAnEndedHoldChangesNothingAndWritesNoEntry", func(h *harness) {
			h.placeHold(store.Hold{ID: idA, Dataset: Bookings, Key: "7", PlacedAt: T0.Add(-time.Hour), Until: T0})
			before := len(h.log())
			called := false
			for _, at := range []time.Time{T0, T0.Add(time.Hour)} {
				sealed, err := h.b.ReleaseHold(h.ctx, idA, at, func(hd store.Hold) (audit.Entry, error) {
					called = true
					return HoldEntry("hold.release")(hd)
				})
				if err != nil || sealed.Hash != "" {
					h.t.Errorf("releasing a hold at or after its Until must succeed and return the zero entry, but it returned entry %d and %v", sealed.Seq, err)
				}
			}
			if n := len(h.log()); n != before || called {
				h.t.Errorf("releasing a hold that has ended must append no entry, but the log went from %d to %d entries (entry called: %v)", before, n, called)
			}
			if hs, _ := h.b.ListHolds(h.ctx, T0.Add(-time.Minute)); len(hs) != 1 || !hs[0].ReleasedAt.IsZero() {
				h.t.Errorf("releasing a hold that has ended must change nothing, but ListHolds before its end returned %+v", hs)
			}
		}},
		// Broken on purpose to see this fail: the SQL backends committing
		// the UPDATE and then appending the entry in a second transaction
		// left the hold released.
		{"Holds/ReleaseHoldReleasesNothingWhenTheEntryFails", func(h *harness) {
			h.insert(newBooking(7, 1001, T0.Add(-time.Hour)))
			h.placeHold(store.Hold{ID: idA, Dataset: Bookings, Key: "7", PlacedAt: T0.Add(-time.Hour)})
			before := len(h.log())
			errEntry := errors.New("storetest: the entry cannot be made")
			_, err := h.b.ReleaseHold(h.ctx, idA, T0, func(store.Hold) (audit.Entry, error) { return audit.Entry{}, errEntry })
			if !errors.Is(err, errEntry) {
				h.t.Errorf("ReleaseHold must fail with the error of its entry (store.HoldAudit), but it returned %v", err)
			}
			if hs, _ := h.b.ListHolds(h.ctx, T0.Add(time.Hour)); len(hs) != 1 || !hs[0].ReleasedAt.IsZero() {
				h.t.Errorf("a release whose entry cannot be made must leave the hold in force, unreleased, but ListHolds returned %+v", hs)
			}
			if n := len(h.log()); n != before {
				h.t.Errorf("a release whose entry cannot be made must append nothing, but the log went from %d to %d entries", before, n)
			}
			if res := h.process(deleteBatch(T0.Add(time.Hour))); res.Count != 0 {
				h.t.Errorf("a hold whose release failed must still hold its record, but a batch processed %d", res.Count)
			}
			h.releaseHold(idA, T0)
			if hs, _ := h.b.ListHolds(h.ctx, T0); len(hs) != 0 {
				h.t.Errorf("the release must succeed once its entry can be made, but ListHolds returned %+v", hs)
			}
		}},
	}
}
