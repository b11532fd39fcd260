package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/frist-go/frist/store"
)

// rememberedHarness carries one remembered-event subtest's backend.
type rememberedHarness struct {
	t   *testing.T
	b   Backend
	p   store.RememberedEvents
	ctx context.Context
}

// rememberedContract is one subtest of the remembered-events contracts.
type rememberedContract struct {
	name string
	run  func(h *rememberedHarness)
}

// rememberedGroup returns the contracts of store.RememberedEvents, part
// of the core, as subtests of the suite.
func rememberedGroup() []contract {
	var out []contract
	for _, c := range rememberedContracts() {
		out = append(out, contract{c.name, func(h *harness) {
			c.run(&rememberedHarness{t: h.t, b: h.b, p: h.b, ctx: h.ctx})
		}})
	}
	return out
}

// rememberedID returns the n-th entry ID; IDs sort in the order of n.
func rememberedID(n int) string { return fmt.Sprintf("01900000-0000-7000-9000-%012d", n) }

// rememberedEvent returns a complete entry number n: a cancellation of
// booking key left alone under a hold.
func rememberedEvent(n int, at time.Time) store.RememberedEvent {
	return store.RememberedEvent{
		ID: rememberedID(n), Dataset: Bookings, Rule: "delete_on_cancelled", Event: "cancelled",
		Keys: []string{fmt.Sprint(n)}, Subject: "1001", At: at, RememberedAt: at.Add(time.Second),
	}
}

// addOK adds entries that must be accepted.
func (h *rememberedHarness) addOK(ps ...store.RememberedEvent) {
	h.t.Helper()
	for _, p := range ps {
		if err := h.p.Remember(h.ctx, p); err != nil {
			h.t.Fatalf("Remember must store a complete entry with a new ID, but it returned: %v", err)
		}
	}
}

// list reads every entry after after, up to limit.
func (h *rememberedHarness) list(after string, limit int) []store.RememberedEvent {
	h.t.Helper()
	ps, err := h.p.ListRemembered(h.ctx, after, limit)
	if err != nil {
		h.t.Fatalf("ListRemembered must not fail, but it returned: %v", err)
	}
	return ps
}

// rememberedIDs returns the IDs of ps, in order.
func rememberedIDs(ps []store.RememberedEvent) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

// samePending describes how got differs from want, "" when equal (times by
// time.Time.Equal).
func samePending(got, want store.RememberedEvent) string {
	switch {
	case !got.At.Equal(want.At):
		return fmt.Sprintf("At %s, want %s", got.At.Format(time.RFC3339Nano), want.At.Format(time.RFC3339Nano))
	case !got.RememberedAt.Equal(want.RememberedAt):
		return fmt.Sprintf("RememberedAt %s, want %s", got.RememberedAt.Format(time.RFC3339Nano), want.RememberedAt.Format(time.RFC3339Nano))
	case !slices.Equal(got.Keys, want.Keys):
		return fmt.Sprintf("Keys %q, want %q", got.Keys, want.Keys)
	case (got.Keys == nil) != (want.Keys == nil):
		return fmt.Sprintf("Keys %#v, want %#v", got.Keys, want.Keys)
	}
	got.At, want.At, got.RememberedAt, want.RememberedAt, got.Keys, want.Keys = time.Time{}, time.Time{}, time.Time{}, time.Time{}, nil, nil
	if !reflect.DeepEqual(got, want) {
		return fmt.Sprintf("got %+v, want %+v", got, want)
	}
	return ""
}

func rememberedContracts() []rememberedContract {
	at := T0.Add(654321 * time.Microsecond)
	return []rememberedContract{
		{"Remember/StoresEveryField", func(h *rememberedHarness) {
			p := rememberedEvent(1, at)
			p.Keys = []string{"17", "3", "héllo, \"quoted\" [key]", "3"}
			p.Event, p.Rule, p.Purpose = "consent_withdrawn", "delete_on_consent_withdrawn", "booking"
			h.addOK(p)
			got := h.list("", 0)
			if len(got) != 1 {
				h.t.Fatalf("ListRemembered must return the one added entry, but it returned %d", len(got))
			}
			if d := samePending(got[0], p); d != "" {
				h.t.Errorf("ListRemembered must return every field as added, Keys in the order given: %s", d)
			}
		}},
		{"Remember/ManyKeysSurvive", func(h *rememberedHarness) {
			p := rememberedEvent(1, at)
			p.Keys = nil
			for i := range 5000 {
				p.Keys = append(p.Keys, fmt.Sprintf("key-%05d", 5000-i))
			}
			h.addOK(p)
			got := h.list("", 0)
			if len(got) != 1 || !slices.Equal(got[0].Keys, p.Keys) {
				h.t.Errorf("ListRemembered must return all %d keys of an entry as added", len(p.Keys))
			}
		}},
		{"Remember/SubjectWithoutKeysIsStoredAndListedWithNilKeys", func(h *rememberedHarness) {
			p := rememberedEvent(1, at)
			p.Keys = []string{}
			h.addOK(p)
			got := h.list("", 0)
			if len(got) != 1 {
				h.t.Fatalf("Remember must accept an entry that names a subject but no keys, but ListRemembered returned %d entries", len(got))
			}
			if got[0].Keys != nil {
				h.t.Errorf("ListRemembered must return nil Keys for an entry added without keys, but it returned %#v", got[0].Keys)
			}
			if got[0].Subject != p.Subject {
				h.t.Errorf("ListRemembered must return the subject as added: got %q, want %q", got[0].Subject, p.Subject)
			}
		}},
		{"Remember/ExistingIDReturnsErrConflict", func(h *rememberedHarness) {
			first := rememberedEvent(1, at)
			h.addOK(first)
			again := rememberedEvent(1, at.Add(time.Hour))
			again.Keys = []string{"99"}
			if err := h.p.Remember(h.ctx, again); !errors.Is(err, store.ErrConflict) {
				h.t.Errorf("Remember must return store.ErrConflict for an existing ID, but it returned %v", err)
			}
			got := h.list("", 0)
			if len(got) != 1 || samePending(got[0], first) != "" {
				h.t.Errorf("a conflicting Remember must leave the stored entry unchanged, but ListRemembered returned %+v", got)
			}
		}},
		{"Remember/UnknownDatasetReturnsErrUnknownDataset", func(h *rememberedHarness) {
			p := rememberedEvent(1, at)
			p.Dataset = "no_such_dataset"
			if err := h.p.Remember(h.ctx, p); !errors.Is(err, store.ErrUnknownDataset) {
				h.t.Errorf("Remember must return store.ErrUnknownDataset for a dataset the backend was not configured with, but it returned %v", err)
			}
			if got := h.list("", 0); len(got) != 0 {
				h.t.Errorf("an entry for an unknown dataset must not be stored, but ListRemembered returned %d entries", len(got))
			}
		}},
		{"ListRemembered/OrderedByIDAfterAndLimitPageThroughEveryEntryOnce", func(h *rememberedHarness) {
			for _, n := range []int{4, 1, 5, 3, 2} {
				h.addOK(rememberedEvent(n, at.Add(-time.Duration(n)*time.Hour)))
			}
			all := []string{rememberedID(1), rememberedID(2), rememberedID(3), rememberedID(4), rememberedID(5)}
			if got := rememberedIDs(h.list("", 0)); !slices.Equal(got, all) {
				h.t.Errorf("ListRemembered(\"\", 0) must return every entry ordered by ID: got %v, want %v", got, all)
			}
			if got := rememberedIDs(h.list(rememberedID(2), 2)); !slices.Equal(got, all[2:4]) {
				h.t.Errorf("ListRemembered(after, 2) must return the next two entries whose ID is greater than after: got %v, want %v", got, all[2:4])
			}
			if got := rememberedIDs(h.list(rememberedID(5), 0)); len(got) != 0 {
				h.t.Errorf("ListRemembered after the last ID must return nothing, but it returned %v", got)
			}
			var paged []string
			for after := ""; ; {
				page := h.list(after, 2)
				if len(page) == 0 {
					break
				}
				if len(paged) > len(all) {
					h.t.Fatalf("paging with the last ID returned must end, but it has returned %v", paged)
				}
				paged = append(paged, rememberedIDs(page)...)
				after = page[len(page)-1].ID
			}
			if !slices.Equal(paged, all) {
				h.t.Errorf("paging with the last ID returned must visit every entry once, in ID order: got %v, want %v", paged, all)
			}
		}},
		{"ListRemembered/EmptyStoreGivesNoEntriesNoError", func(h *rememberedHarness) {
			ps, err := h.p.ListRemembered(h.ctx, "", 10)
			if err != nil || len(ps) != 0 {
				h.t.Errorf("ListRemembered on an empty store must return no entries and no error, but it returned %d entries, err %v", len(ps), err)
			}
		}},
		{"ListRemembered/ReturnsCopies", func(h *rememberedHarness) {
			p := rememberedEvent(1, at)
			p.Keys = []string{"1", "2"}
			h.addOK(p)
			got := h.list("", 0)
			got[0].Keys[0], got[0].Subject, got[0].Rule = "changed", "changed", "changed"
			again := h.list("", 0)
			if len(again) != 1 || samePending(again[0], p) != "" {
				h.t.Errorf("ListRemembered must return copies: changing a returned entry must not change the stored one, but now it reads %+v", again)
			}
		}},
		{"ListRemembered/TimesInUTCToTheMicrosecond", func(h *rememberedHarness) {
			berlin := time.FixedZone("CET", 3600)
			p := rememberedEvent(1, at.In(berlin))
			p.RememberedAt = at.Add(time.Minute + 7*time.Microsecond + 900*time.Nanosecond).In(berlin)
			h.addOK(p)
			got := h.list("", 0)
			if len(got) != 1 {
				h.t.Fatalf("ListRemembered must return the added entry, but it returned %d", len(got))
			}
			if !got[0].At.Equal(at) || got[0].At.Location() != time.UTC {
				h.t.Errorf("ListRemembered must return At to the microsecond in UTC: got %s (%s), want %s", got[0].At.Format(time.RFC3339Nano), got[0].At.Location(), at.Format(time.RFC3339Nano))
			}
			wantRem := at.Add(time.Minute + 7*time.Microsecond)
			if !got[0].RememberedAt.Equal(wantRem) || got[0].RememberedAt.Location() != time.UTC {
				h.t.Errorf("ListRemembered must return RememberedAt truncated to the microsecond in UTC: got %s (%s), want %s", got[0].RememberedAt.Format(time.RFC3339Nano), got[0].RememberedAt.Location(), wantRem.Format(time.RFC3339Nano))
			}
		}},
		{"ListRemembered/ZeroRememberedAtStaysZero", func(h *rememberedHarness) {
			p := rememberedEvent(1, at)
			p.RememberedAt = time.Time{}
			h.addOK(p)
			if got := h.list("", 0); len(got) != 1 || !got[0].RememberedAt.IsZero() {
				h.t.Errorf("ListRemembered must return a zero RememberedAt for an entry added without one, but it returned %+v", got)
			}
		}},
		{"Forget/RemovesOnlyThatEntry", func(h *rememberedHarness) {
			h.addOK(rememberedEvent(1, at), rememberedEvent(2, at), rememberedEvent(3, at))
			if err := h.p.Forget(h.ctx, rememberedID(2)); err != nil {
				h.t.Fatalf("Forget must remove an existing entry, but it returned: %v", err)
			}
			if got, want := rememberedIDs(h.list("", 0)), []string{rememberedID(1), rememberedID(3)}; !slices.Equal(got, want) {
				h.t.Errorf("Forget must delete exactly the entry with id: ListRemembered returned %v, want %v", got, want)
			}
		}},
		{"Forget/UnknownIDReturnsErrNotFound", func(h *rememberedHarness) {
			h.addOK(rememberedEvent(1, at))
			if err := h.p.Forget(h.ctx, rememberedID(9)); !errors.Is(err, store.ErrNotFound) {
				h.t.Errorf("Forget must return store.ErrNotFound for an unknown id, but it returned %v", err)
			}
			if err := h.p.Forget(h.ctx, rememberedID(1)); err != nil {
				h.t.Fatalf("Forget must remove an existing entry, but it returned: %v", err)
			}
			if err := h.p.Forget(h.ctx, rememberedID(1)); !errors.Is(err, store.ErrNotFound) {
				h.t.Errorf("Forget must return store.ErrNotFound for an entry already removed, but it returned %v", err)
			}
		}},
		{"Forget/OfConcurrentRemovalsExactlyOneSucceeds", func(h *rememberedHarness) {
			h.addOK(rememberedEvent(1, at))
			const callers = 8
			var wg sync.WaitGroup
			errs := make([]error, callers)
			for i := range callers {
				wg.Go(func() { errs[i] = h.p.Forget(h.ctx, rememberedID(1)) })
			}
			wg.Wait()
			ok := 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case !errors.Is(err, store.ErrNotFound):
					h.t.Errorf("Forget of an entry another caller removed must return store.ErrNotFound, but it returned %v", err)
				}
			}
			if ok != 1 {
				h.t.Errorf("of %d concurrent Forget calls for one entry exactly one must succeed, but %d did", callers, ok)
			}
		}},
		{"Close/PendingCallsAfterCloseReturnErrClosed", func(h *rememberedHarness) {
			h.addOK(rememberedEvent(1, at))
			if err := h.b.Close(); err != nil {
				h.t.Fatalf("Close must succeed on an open backend, but it returned: %v", err)
			}
			if err := h.p.Remember(h.ctx, rememberedEvent(2, at)); !errors.Is(err, store.ErrClosed) {
				h.t.Errorf("Remember after Close must return store.ErrClosed, but it returned %v", err)
			}
			if _, err := h.p.ListRemembered(h.ctx, "", 0); !errors.Is(err, store.ErrClosed) {
				h.t.Errorf("ListRemembered after Close must return store.ErrClosed, but it returned %v", err)
			}
			if err := h.p.Forget(h.ctx, rememberedID(1)); !errors.Is(err, store.ErrClosed) {
				h.t.Errorf("Forget after Close must return store.ErrClosed, but it returned %v", err)
			}
		}},
	}
}
