package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/frist-go/frist/store"
)

// outboxHarness carries one outbox subtest's backend.
type outboxHarness struct {
	t   *testing.T
	b   Backend
	o   store.Outbox
	ctx context.Context
}

// outboxGroup returns the contracts of store.Outbox, part of the core, as
// subtests of the suite.
func outboxGroup() []contract {
	var out []contract
	for _, c := range outboxContracts() {
		out = append(out, contract{c.name, func(h *harness) {
			c.run(&outboxHarness{t: h.t, b: h.b, o: h.b, ctx: h.ctx})
		}})
	}
	return out
}

type outboxContract struct {
	name string
	run  func(h *outboxHarness)
}

// outgoingID returns the n-th notification ID; IDs sort in the order of n.
func outgoingID(n int) string { return fmt.Sprintf("01900000-0000-7000-a000-%012d", n) }

// outgoing returns a complete entry number n, first tried at at.
func outgoing(n int, at time.Time) store.Outgoing {
	return store.Outgoing{
		ID: outgoingID(n), Recipient: "maixit",
		Body:     []byte(fmt.Sprintf(`{"notification":{"id":%q,"subject":"erika.mustermann@example.org"},"n":%d}`, outgoingID(n), n)),
		Attempts: 1, Since: at, Next: at.Add(5 * time.Minute),
	}
}

func (h *outboxHarness) enqueueOK(os ...store.Outgoing) {
	h.t.Helper()
	for _, o := range os {
		if err := h.o.Enqueue(h.ctx, o); err != nil {
			h.t.Fatalf("Enqueue must store a complete entry with a new ID, but it returned: %v", err)
		}
	}
}

func (h *outboxHarness) list(after string, limit int) []store.Outgoing {
	h.t.Helper()
	os, err := h.o.ListOutgoing(h.ctx, after, limit)
	if err != nil {
		h.t.Fatalf("ListOutgoing must not fail, but it returned: %v", err)
	}
	return os
}

// sameOutgoing describes how got differs from want, "" when equal (times
// by time.Time.Equal).
func sameOutgoing(got, want store.Outgoing) string {
	switch {
	case got.ID != want.ID:
		return fmt.Sprintf("ID %q, want %q", got.ID, want.ID)
	case got.Recipient != want.Recipient:
		return fmt.Sprintf("Recipient %q, want %q", got.Recipient, want.Recipient)
	case !bytes.Equal(got.Body, want.Body):
		return fmt.Sprintf("Body %q, want %q", got.Body, want.Body)
	case got.Attempts != want.Attempts:
		return fmt.Sprintf("Attempts %d, want %d", got.Attempts, want.Attempts)
	case !got.Since.Equal(want.Since):
		return fmt.Sprintf("Since %s, want %s", got.Since.Format(time.RFC3339Nano), want.Since.Format(time.RFC3339Nano))
	case !got.Next.Equal(want.Next):
		return fmt.Sprintf("Next %s, want %s", got.Next.Format(time.RFC3339Nano), want.Next.Format(time.RFC3339Nano))
	}
	return ""
}

func outgoingIDs(os []store.Outgoing) []string {
	out := make([]string, len(os))
	for i, o := range os {
		out[i] = o.ID
	}
	return out
}

func outboxContracts() []outboxContract {
	at := T0.Add(654321 * time.Microsecond)
	return []outboxContract{
		{"Enqueue/StoresEveryField", func(h *outboxHarness) {
			o := outgoing(1, at)
			// Bytes a text column or a JSON encoding could change.
			o.Body = append([]byte("{\"héllo\":\"\\u0000\",\n\t\"x\":1}\x00\xff"), bytes.Repeat([]byte("ä"), 3000)...)
			o.Attempts = 3
			h.enqueueOK(o)
			got := h.list("", 0)
			if len(got) != 1 {
				h.t.Fatalf("ListOutgoing must return the one enqueued entry, but it returned %d", len(got))
			}
			if d := sameOutgoing(got[0], o); d != "" {
				h.t.Errorf("ListOutgoing must return every field as enqueued, the body byte for byte: %s", d)
			}
		}},
		{"Enqueue/ExistingIDReturnsErrConflict", func(h *outboxHarness) {
			h.enqueueOK(outgoing(1, at))
			again := outgoing(1, at)
			again.Recipient = "agentur"
			if err := h.o.Enqueue(h.ctx, again); !errors.Is(err, store.ErrConflict) {
				h.t.Errorf("Enqueue of an existing ID must return store.ErrConflict, but it returned %v", err)
			}
			if got := h.list("", 0); len(got) != 1 || got[0].Recipient != "maixit" {
				h.t.Errorf("a refused Enqueue must change nothing, but the outbox holds %+v", got)
			}
		}},
		{"ListOutgoing/OrderedByIDAfterAndLimitPageThroughEveryEntryOnce", func(h *outboxHarness) {
			for _, n := range []int{5, 1, 4, 2, 3} {
				h.enqueueOK(outgoing(n, at))
			}
			var seen []string
			for after := ""; ; {
				page := h.list(after, 2)
				if len(page) > 2 {
					h.t.Fatalf("ListOutgoing must return at most limit entries, but it returned %d", len(page))
				}
				seen = append(seen, outgoingIDs(page)...)
				if len(page) < 2 {
					break
				}
				after = page[len(page)-1].ID
			}
			want := []string{outgoingID(1), outgoingID(2), outgoingID(3), outgoingID(4), outgoingID(5)}
			if fmt.Sprint(seen) != fmt.Sprint(want) {
				h.t.Errorf("paging with the last ID must visit every entry once in ID order: got %v, want %v", seen, want)
			}
			if all := outgoingIDs(h.list("", 0)); fmt.Sprint(all) != fmt.Sprint(want) {
				h.t.Errorf("ListOutgoing with limit 0 must return every entry in ID order: got %v", all)
			}
		}},
		{"ListOutgoing/EmptyGivesNoEntriesNoError", func(h *outboxHarness) {
			if got := h.list("", 0); len(got) != 0 {
				h.t.Errorf("an empty outbox must list nothing, but it listed %d", len(got))
			}
		}},
		{"ListOutgoing/ReturnsCopies", func(h *outboxHarness) {
			h.enqueueOK(outgoing(1, at))
			got := h.list("", 0)
			got[0].Body[0] = 'X'
			got[0].Attempts = 99
			if again := h.list("", 0); sameOutgoing(again[0], outgoing(1, at)) != "" {
				h.t.Errorf("changing a listed entry must change nothing stored, but the outbox now holds %+v", again[0])
			}
		}},
		{"ListOutgoing/TimesInUTCToTheMicrosecond", func(h *outboxHarness) {
			berlin, err := time.LoadLocation("Europe/Berlin")
			if err != nil {
				h.t.Fatal(err)
			}
			o := outgoing(1, at)
			o.Since = at.Add(7*time.Microsecond + 900*time.Nanosecond).In(berlin)
			o.Next = o.Since.Add(time.Hour)
			h.enqueueOK(o)
			got := h.list("", 0)[0]
			wantSince := o.Since.Truncate(time.Microsecond)
			if !got.Since.Equal(wantSince) || got.Since.Location() != time.UTC || !got.Next.Equal(o.Next.Truncate(time.Microsecond)) || got.Next.Location() != time.UTC {
				h.t.Errorf("ListOutgoing must return times truncated to the microsecond in UTC: got Since %s (%s), Next %s, want %s and %s",
					got.Since.Format(time.RFC3339Nano), got.Since.Location(), got.Next.Format(time.RFC3339Nano), wantSince.Format(time.RFC3339Nano), o.Next.Truncate(time.Microsecond).Format(time.RFC3339Nano))
			}
		}},
		{"Reschedule/SetsAttemptsAndNextWhenAttemptsMatch", func(h *outboxHarness) {
			h.enqueueOK(outgoing(1, at), outgoing(2, at))
			next := at.Add(time.Hour)
			ok, err := h.o.Reschedule(h.ctx, outgoingID(1), 1, next)
			if err != nil || !ok {
				h.t.Fatalf("Reschedule with the stored Attempts must succeed, but it returned %v, %v", ok, err)
			}
			got := h.list("", 0)
			want := outgoing(1, at)
			want.Attempts, want.Next = 2, next
			if d := sameOutgoing(got[0], want); d != "" {
				h.t.Errorf("Reschedule must set Attempts to attempts+1 and Next, and change nothing else: %s", d)
			}
			if d := sameOutgoing(got[1], outgoing(2, at)); d != "" {
				h.t.Errorf("Reschedule must change only its entry: %s", d)
			}
		}},
		{"Reschedule/StaleAttemptsChangesNothing", func(h *outboxHarness) {
			h.enqueueOK(outgoing(1, at))
			if ok, err := h.o.Reschedule(h.ctx, outgoingID(1), 1, at.Add(time.Hour)); err != nil || !ok {
				h.t.Fatalf("the first Reschedule must succeed, but it returned %v, %v", ok, err)
			}
			ok, err := h.o.Reschedule(h.ctx, outgoingID(1), 1, at.Add(2*time.Hour))
			if err != nil || ok {
				h.t.Errorf("a Reschedule with attempts another caller changed must return false and no error, but it returned %v, %v", ok, err)
			}
			if got := h.list("", 0)[0]; got.Attempts != 2 || !got.Next.Equal(at.Add(time.Hour)) {
				h.t.Errorf("a Reschedule that lost must change nothing, but the entry is %+v", got)
			}
		}},
		{"Reschedule/UnknownIDReturnsErrNotFound", func(h *outboxHarness) {
			if _, err := h.o.Reschedule(h.ctx, outgoingID(9), 1, at); !errors.Is(err, store.ErrNotFound) {
				h.t.Errorf("Reschedule of an unknown ID must return store.ErrNotFound, but it returned %v", err)
			}
		}},
		{"Reschedule/OfConcurrentCallersExactlyOneWins", func(h *outboxHarness) {
			h.enqueueOK(outgoing(1, at))
			const callers = 8
			var wg sync.WaitGroup
			var mu sync.Mutex
			won, failed := 0, 0
			for i := range callers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ok, err := h.o.Reschedule(h.ctx, outgoingID(1), 1, at.Add(time.Duration(i+1)*time.Minute))
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err != nil:
						failed++
						h.t.Errorf("a concurrent Reschedule must not fail, but it returned %v", err)
					case ok:
						won++
					}
				}()
			}
			wg.Wait()
			if won != 1 {
				h.t.Errorf("of %d concurrent Reschedule calls with the same attempts exactly one must win, but %d did", callers, won)
			}
			if got := h.list("", 0)[0]; got.Attempts != 2 {
				h.t.Errorf("after one winning Reschedule Attempts must be 2, but it is %d", got.Attempts)
			}
		}},
		{"Dequeue/RemovesOnlyThatEntry", func(h *outboxHarness) {
			h.enqueueOK(outgoing(1, at), outgoing(2, at), outgoing(3, at))
			if err := h.o.Dequeue(h.ctx, outgoingID(2)); err != nil {
				h.t.Fatalf("Dequeue of a stored entry must succeed, but it returned %v", err)
			}
			if got := outgoingIDs(h.list("", 0)); fmt.Sprint(got) != fmt.Sprint([]string{outgoingID(1), outgoingID(3)}) {
				h.t.Errorf("Dequeue must remove only its entry, but the outbox holds %v", got)
			}
		}},
		{"Dequeue/UnknownIDReturnsErrNotFound", func(h *outboxHarness) {
			h.enqueueOK(outgoing(1, at))
			if err := h.o.Dequeue(h.ctx, outgoingID(1)); err != nil {
				h.t.Fatal(err)
			}
			if err := h.o.Dequeue(h.ctx, outgoingID(1)); !errors.Is(err, store.ErrNotFound) {
				h.t.Errorf("Dequeue of an entry already removed must return store.ErrNotFound, but it returned %v", err)
			}
		}},
		{"Close/OutboxCallsAfterCloseReturnErrClosed", func(h *outboxHarness) {
			h.enqueueOK(outgoing(1, at))
			if err := h.b.Close(); err != nil {
				h.t.Fatalf("Close must succeed on an open backend, but it returned: %v", err)
			}
			if err := h.o.Enqueue(h.ctx, outgoing(2, at)); !errors.Is(err, store.ErrClosed) {
				h.t.Errorf("Enqueue after Close must return store.ErrClosed, but it returned %v", err)
			}
			if _, err := h.o.ListOutgoing(h.ctx, "", 0); !errors.Is(err, store.ErrClosed) {
				h.t.Errorf("ListOutgoing after Close must return store.ErrClosed, but it returned %v", err)
			}
			if _, err := h.o.Reschedule(h.ctx, outgoingID(1), 1, at); !errors.Is(err, store.ErrClosed) {
				h.t.Errorf("Reschedule after Close must return store.ErrClosed, but it returned %v", err)
			}
			if err := h.o.Dequeue(h.ctx, outgoingID(1)); !errors.Is(err, store.ErrClosed) {
				h.t.Errorf("Dequeue after Close must return store.ErrClosed, but it returned %v", err)
			}
		}},
	}
}
