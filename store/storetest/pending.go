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

// pendingHarness carries one pending-event subtest's backend.
type pendingHarness struct {
	t   *testing.T
	b   Backend
	p   store.PendingEvents
	ctx context.Context
}

// pendingContract is one subtest of RunPending.
type pendingContract struct {
	name string
	run  func(h *pendingHarness)
}

// PendingContracts returns the names of RunPending's contracts, in order.
func PendingContracts() []string {
	var names []string
	for _, c := range pendingContracts() {
		names = append(names, c.name)
	}
	return names
}

// RunPending runs the contracts of store.PendingEvents (store/pending.go),
// one subtest per sentence, against backends from open, each subtest with
// its own Backend. The Backend must implement store.PendingEvents; the
// suite fails when it does not.
func RunPending(t *testing.T, open Opener) {
	t.Helper()
	for _, c := range pendingContracts() {
		t.Run(c.name, func(t *testing.T) {
			b := open(t, Declaration())
			t.Cleanup(func() { _ = b.Close() })
			pe, ok := b.(store.PendingEvents)
			if !ok {
				t.Fatalf("storetest: RunPending needs a backend that implements store.Driver, but %T does not", b)
			}
			c.run(&pendingHarness{t: t, b: b, p: pe, ctx: context.Background()})
		})
	}
}

// pendingID returns the n-th entry ID; IDs sort in the order of n.
func pendingID(n int) string { return fmt.Sprintf("01900000-0000-7000-9000-%012d", n) }

// pendingEvent returns a complete entry number n: a cancellation of
// booking key left alone under a hold.
func pendingEvent(n int, at time.Time) store.PendingEvent {
	return store.PendingEvent{
		ID: pendingID(n), Dataset: Bookings, Rule: "delete_on_cancelled", Event: "cancelled",
		Keys: []string{fmt.Sprint(n)}, Subject: "1001", At: at, RememberedAt: at.Add(time.Second),
	}
}

// addOK adds entries that must be accepted.
func (h *pendingHarness) addOK(ps ...store.PendingEvent) {
	h.t.Helper()
	for _, p := range ps {
		if err := h.p.AddPending(h.ctx, p); err != nil {
			h.t.Fatalf("AddPending must store a complete entry with a new ID, but it returned: %v", err)
		}
	}
}

// list reads every entry after after, up to limit.
func (h *pendingHarness) list(after string, limit int) []store.PendingEvent {
	h.t.Helper()
	ps, err := h.p.ListPending(h.ctx, after, limit)
	if err != nil {
		h.t.Fatalf("ListPending must not fail, but it returned: %v", err)
	}
	return ps
}

// pendingIDs returns the IDs of ps, in order.
func pendingIDs(ps []store.PendingEvent) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

// samePending describes how got differs from want, "" when equal (times by
// time.Time.Equal).
func samePending(got, want store.PendingEvent) string {
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

func pendingContracts() []pendingContract {
	at := T0.Add(654321 * time.Microsecond)
	return []pendingContract{
		{"AddPending/StoresEveryField", func(h *pendingHarness) {
			p := pendingEvent(1, at)
			p.Keys = []string{"17", "3", "héllo, \"quoted\" [key]", "3"}
			p.Event, p.Rule, p.Purpose = "consent_withdrawn", "delete_on_consent_withdrawn", "booking"
			h.addOK(p)
			got := h.list("", 0)
			if len(got) != 1 {
				h.t.Fatalf("ListPending must return the one added entry, but it returned %d", len(got))
			}
			if d := samePending(got[0], p); d != "" {
				h.t.Errorf("ListPending must return every field as added, Keys in the order given: %s", d)
			}
		}},
		{"AddPending/ManyKeysSurvive", func(h *pendingHarness) {
			p := pendingEvent(1, at)
			p.Keys = nil
			for i := range 5000 {
				p.Keys = append(p.Keys, fmt.Sprintf("key-%05d", 5000-i))
			}
			h.addOK(p)
			got := h.list("", 0)
			if len(got) != 1 || !slices.Equal(got[0].Keys, p.Keys) {
				h.t.Errorf("ListPending must return all %d keys of an entry as added", len(p.Keys))
			}
		}},
		{"AddPending/SubjectWithoutKeysIsStoredAndListedWithNilKeys", func(h *pendingHarness) {
			p := pendingEvent(1, at)
			p.Keys = []string{}
			h.addOK(p)
			got := h.list("", 0)
			if len(got) != 1 {
				h.t.Fatalf("AddPending must accept an entry that names a subject but no keys, but ListPending returned %d entries", len(got))
			}
			if got[0].Keys != nil {
				h.t.Errorf("ListPending must return nil Keys for an entry added without keys, but it returned %#v", got[0].Keys)
			}
			if got[0].Subject != p.Subject {
				h.t.Errorf("ListPending must return the subject as added: got %q, want %q", got[0].Subject, p.Subject)
			}
		}},
		{"AddPending/ExistingIDReturnsErrConflict", func(h *pendingHarness) {
			first := pendingEvent(1, at)
			h.addOK(first)
			again := pendingEvent(1, at.Add(time.Hour))
			again.Keys = []string{"99"}
			if err := h.p.AddPending(h.ctx, again); !errors.Is(err, store.ErrConflict) {
				h.t.Errorf("AddPending must return store.ErrConflict for an existing ID, but it returned %v", err)
			}
			got := h.list("", 0)
			if len(got) != 1 || samePending(got[0], first) != "" {
				h.t.Errorf("a conflicting AddPending must leave the stored entry unchanged, but ListPending returned %+v", got)
			}
		}},
		{"AddPending/IncompleteEntryIsRefused", func(h *pendingHarness) {
			for field, clear := range map[string]func(*store.PendingEvent){
				"ID":                    func(p *store.PendingEvent) { p.ID = "" },
				"Dataset":               func(p *store.PendingEvent) { p.Dataset = "" },
				"Rule":                  func(p *store.PendingEvent) { p.Rule = "" },
				"Event":                 func(p *store.PendingEvent) { p.Event = "" },
				"At":                    func(p *store.PendingEvent) { p.At = time.Time{} },
				"both Keys and Subject": func(p *store.PendingEvent) { p.Keys, p.Subject = nil, "" },
			} {
				p := pendingEvent(2, at)
				clear(&p)
				if err := h.p.AddPending(h.ctx, p); err == nil {
					h.t.Errorf("AddPending must refuse an entry without %s, but it stored it", field)
				}
			}
			if got := h.list("", 0); len(got) != 0 {
				h.t.Errorf("a refused entry must not be stored, but ListPending returned %d entries", len(got))
			}
		}},
		{"AddPending/UnknownDatasetReturnsErrUnknownDataset", func(h *pendingHarness) {
			p := pendingEvent(1, at)
			p.Dataset = "no_such_dataset"
			if err := h.p.AddPending(h.ctx, p); !errors.Is(err, store.ErrUnknownDataset) {
				h.t.Errorf("AddPending must return store.ErrUnknownDataset for a dataset the backend was not configured with, but it returned %v", err)
			}
			if got := h.list("", 0); len(got) != 0 {
				h.t.Errorf("an entry for an unknown dataset must not be stored, but ListPending returned %d entries", len(got))
			}
		}},
		{"ListPending/OrderedByIDAfterAndLimitPageThroughEveryEntryOnce", func(h *pendingHarness) {
			for _, n := range []int{4, 1, 5, 3, 2} {
				h.addOK(pendingEvent(n, at.Add(-time.Duration(n)*time.Hour)))
			}
			all := []string{pendingID(1), pendingID(2), pendingID(3), pendingID(4), pendingID(5)}
			if got := pendingIDs(h.list("", 0)); !slices.Equal(got, all) {
				h.t.Errorf("ListPending(\"\", 0) must return every entry ordered by ID: got %v, want %v", got, all)
			}
			if got := pendingIDs(h.list(pendingID(2), 2)); !slices.Equal(got, all[2:4]) {
				h.t.Errorf("ListPending(after, 2) must return the next two entries whose ID is greater than after: got %v, want %v", got, all[2:4])
			}
			if got := pendingIDs(h.list(pendingID(5), 0)); len(got) != 0 {
				h.t.Errorf("ListPending after the last ID must return nothing, but it returned %v", got)
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
				paged = append(paged, pendingIDs(page)...)
				after = page[len(page)-1].ID
			}
			if !slices.Equal(paged, all) {
				h.t.Errorf("paging with the last ID returned must visit every entry once, in ID order: got %v, want %v", paged, all)
			}
		}},
		{"ListPending/EmptyStoreGivesNoEntriesNoError", func(h *pendingHarness) {
			ps, err := h.p.ListPending(h.ctx, "", 10)
			if err != nil || len(ps) != 0 {
				h.t.Errorf("ListPending on an empty store must return no entries and no error, but it returned %d entries, err %v", len(ps), err)
			}
		}},
		{"ListPending/ReturnsCopies", func(h *pendingHarness) {
			p := pendingEvent(1, at)
			p.Keys = []string{"1", "2"}
			h.addOK(p)
			got := h.list("", 0)
			got[0].Keys[0], got[0].Subject, got[0].Rule = "changed", "changed", "changed"
			again := h.list("", 0)
			if len(again) != 1 || samePending(again[0], p) != "" {
				h.t.Errorf("ListPending must return copies: changing a returned entry must not change the stored one, but now it reads %+v", again)
			}
		}},
		{"ListPending/TimesInUTCToTheMicrosecond", func(h *pendingHarness) {
			berlin := time.FixedZone("CET", 3600)
			p := pendingEvent(1, at.In(berlin))
			p.RememberedAt = at.Add(time.Minute + 7*time.Microsecond + 900*time.Nanosecond).In(berlin)
			h.addOK(p)
			got := h.list("", 0)
			if len(got) != 1 {
				h.t.Fatalf("ListPending must return the added entry, but it returned %d", len(got))
			}
			if !got[0].At.Equal(at) || got[0].At.Location() != time.UTC {
				h.t.Errorf("ListPending must return At to the microsecond in UTC: got %s (%s), want %s", got[0].At.Format(time.RFC3339Nano), got[0].At.Location(), at.Format(time.RFC3339Nano))
			}
			wantRem := at.Add(time.Minute + 7*time.Microsecond)
			if !got[0].RememberedAt.Equal(wantRem) || got[0].RememberedAt.Location() != time.UTC {
				h.t.Errorf("ListPending must return RememberedAt truncated to the microsecond in UTC: got %s (%s), want %s", got[0].RememberedAt.Format(time.RFC3339Nano), got[0].RememberedAt.Location(), wantRem.Format(time.RFC3339Nano))
			}
		}},
		{"ListPending/ZeroRememberedAtStaysZero", func(h *pendingHarness) {
			p := pendingEvent(1, at)
			p.RememberedAt = time.Time{}
			h.addOK(p)
			if got := h.list("", 0); len(got) != 1 || !got[0].RememberedAt.IsZero() {
				h.t.Errorf("ListPending must return a zero RememberedAt for an entry added without one, but it returned %+v", got)
			}
		}},
		{"RemovePending/RemovesOnlyThatEntry", func(h *pendingHarness) {
			h.addOK(pendingEvent(1, at), pendingEvent(2, at), pendingEvent(3, at))
			if err := h.p.RemovePending(h.ctx, pendingID(2)); err != nil {
				h.t.Fatalf("RemovePending must remove an existing entry, but it returned: %v", err)
			}
			if got, want := pendingIDs(h.list("", 0)), []string{pendingID(1), pendingID(3)}; !slices.Equal(got, want) {
				h.t.Errorf("RemovePending must delete exactly the entry with id: ListPending returned %v, want %v", got, want)
			}
		}},
		{"RemovePending/UnknownIDReturnsErrNotFound", func(h *pendingHarness) {
			h.addOK(pendingEvent(1, at))
			if err := h.p.RemovePending(h.ctx, pendingID(9)); !errors.Is(err, store.ErrNotFound) {
				h.t.Errorf("RemovePending must return store.ErrNotFound for an unknown id, but it returned %v", err)
			}
			if err := h.p.RemovePending(h.ctx, pendingID(1)); err != nil {
				h.t.Fatalf("RemovePending must remove an existing entry, but it returned: %v", err)
			}
			if err := h.p.RemovePending(h.ctx, pendingID(1)); !errors.Is(err, store.ErrNotFound) {
				h.t.Errorf("RemovePending must return store.ErrNotFound for an entry already removed, but it returned %v", err)
			}
		}},
		{"RemovePending/OfConcurrentRemovalsExactlyOneSucceeds", func(h *pendingHarness) {
			h.addOK(pendingEvent(1, at))
			const callers = 8
			var wg sync.WaitGroup
			errs := make([]error, callers)
			for i := range callers {
				wg.Go(func() { errs[i] = h.p.RemovePending(h.ctx, pendingID(1)) })
			}
			wg.Wait()
			ok := 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case !errors.Is(err, store.ErrNotFound):
					h.t.Errorf("RemovePending of an entry another caller removed must return store.ErrNotFound, but it returned %v", err)
				}
			}
			if ok != 1 {
				h.t.Errorf("of %d concurrent RemovePending calls for one entry exactly one must succeed, but %d did", callers, ok)
			}
		}},
		{"Close/PendingCallsAfterCloseReturnErrClosed", func(h *pendingHarness) {
			h.addOK(pendingEvent(1, at))
			if err := h.b.Close(); err != nil {
				h.t.Fatalf("Close must succeed on an open backend, but it returned: %v", err)
			}
			if err := h.p.AddPending(h.ctx, pendingEvent(2, at)); !errors.Is(err, store.ErrClosed) {
				h.t.Errorf("AddPending after Close must return store.ErrClosed, but it returned %v", err)
			}
			if _, err := h.p.ListPending(h.ctx, "", 0); !errors.Is(err, store.ErrClosed) {
				h.t.Errorf("ListPending after Close must return store.ErrClosed, but it returned %v", err)
			}
			if err := h.p.RemovePending(h.ctx, pendingID(1)); !errors.Is(err, store.ErrClosed) {
				h.t.Errorf("RemovePending after Close must return store.ErrClosed, but it returned %v", err)
			}
		}},
	}
}
