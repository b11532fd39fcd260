package storetest

import (
	"errors"
	"fmt"
	"time"

	"github.com/frist-go/frist/store"
)

// This file holds the contracts of store.Driver.Purge that hold on every
// backend: it accepts every kind of frist's own records, with or without
// datasets, and it changes no record, of the application's or of frist's
// own. Whether the bytes of what was erased are gone from the storage's
// files is each backend's own test (store/sqlitestore and store/pgstore
// search their files), since only the backend knows where its files are.

// purgeOK calls Purge with scope, which must succeed or be deferred.
func (h *harness) purgeOK(scope store.PurgeScope) {
	h.t.Helper()
	if err := h.b.Purge(h.ctx, scope); err != nil && !errors.Is(err, store.ErrPurgeDeferred) {
		h.t.Fatalf("Purge(%+v) must succeed for the backend's datasets and every kind of frist's own records (or wrap store.ErrPurgeDeferred), but it returned: %v", scope, err)
	}
}

// everything reads what the core of the backend stores about Bookings
// records 1 to 4, holds, remembered events and the audit log, as text
// that changes when any of it does.
func (h *harness) everything() string {
	h.t.Helper()
	out := ""
	for _, k := range ks(1, 2, 3, 4) {
		row, ok, err := h.b.Get(h.ctx, Bookings, k)
		if err != nil {
			h.t.Fatalf("storetest: reading booking %s: %v", k, err)
		}
		if ok {
			out += fmt.Sprintf("booking %s: %v\n", k, row)
		}
	}
	holds, err := h.b.ListHolds(h.ctx, T0)
	if err != nil {
		h.t.Fatalf("ListHolds must succeed, but it returned: %v", err)
	}
	out += fmt.Sprintf("holds: %+v\n", holds)
	rem, err := h.b.ListRemembered(h.ctx, "", 0)
	if err != nil {
		h.t.Fatalf("ListRemembered must succeed, but it returned: %v", err)
	}
	out += fmt.Sprintf("remembered: %+v\n", rem)
	for _, e := range h.log() {
		out += fmt.Sprintf("audit: %+v\n", e)
	}
	return out
}

func purgeContracts() []contract {
	return []contract{
		// Broken by: a memstore Purge that dropped the remembered events
		// of the kinds it was given, as if forgetting were purging.
		{"Purge/ChangesNoRecord", func(h *harness) {
			h.insert(newBooking(1, 41, T0.Add(-48*time.Hour)), newBooking(2, 42, T0), newBooking(3, 43, T0), newBooking(4, 44, T0))
			h.process(deleteBatch(T0.Add(-24 * time.Hour)))
			h.placeHold(store.Hold{ID: "h-4", Dataset: Bookings, Key: "4", PlacedAt: T0})
			p := store.RememberedEvent{ID: rememberedID(1), Dataset: Bookings, Rule: "delete_on_cancelled", Event: "cancelled", Keys: []string{"4"}, At: T0}
			if err := h.b.Remember(h.ctx, p); err != nil {
				h.t.Fatalf("storetest: setup: Remember: %v", err)
			}
			before := h.everything()
			h.purgeOK(store.PurgeScope{Datasets: []string{Bookings}, Own: store.AllOwnRecords()})
			if after := h.everything(); after != before {
				h.t.Errorf("Purge must change no record (what is stored reads the same before and after), but before it:\n%s\nafter it:\n%s", before, after)
			}
			if h.exists(Bookings, "1") {
				h.t.Errorf("Purge must not bring back a deleted record, but booking 1 exists again")
			}
		}},
		// Broken by: a memstore Purge that returned an error for a scope
		// without datasets.
		{"Purge/AcceptsFristsOwnRecordsWithoutDatasets", func(h *harness) {
			for _, k := range store.AllOwnRecords() {
				h.purgeOK(store.PurgeScope{Own: []store.OwnRecords{k}})
			}
			h.purgeOK(store.PurgeScope{Own: store.AllOwnRecords()})
		}},
	}
}

// consentPurgeContracts are the Purge contracts of the consent ledger.
func consentPurgeContracts() []consentContract {
	return []consentContract{
		// Broken by: a memstore Purge that deleted the events of an erased
		// subject, as if they were still the subject's.
		{"Purge/KeepsTheConsentLedgerAsItReads", func(h *consentHarness) {
			h.appendOK(grantEvent(1, "1001", "booking", T0), endEvent(2, "1001", "booking", store.ConsentWithdrawn, T0.Add(time.Hour)),
				grantEvent(3, "1002", "booking", T0), grantEvent(4, "1003", "booking", T0))
			if n := h.expire(T0.Add(2 * time.Hour)); n != 2 {
				h.t.Fatalf("storetest: setup: ExpireConsents deleted %d events, want 2", n)
			}
			if _, err := h.c.EraseConsentSubject(h.ctx, "1003", pseudonym("1003")); err != nil {
				h.t.Fatalf("storetest: setup: EraseConsentSubject: %v", err)
			}
			read := func() string {
				return fmt.Sprintf("%+v\n%+v\n%+v\n%+v", h.events("1001", ""), h.events("1002", ""), h.events("1003", ""), h.events(pseudonym("1003"), ""))
			}
			before := read()
			if err := h.b.Purge(h.ctx, store.PurgeScope{Own: []store.OwnRecords{store.ConsentRecords}}); err != nil && !errors.Is(err, store.ErrPurgeDeferred) {
				h.t.Fatalf("Purge of frist's consent records must succeed, but it returned: %v", err)
			}
			if after := read(); after != before {
				h.t.Errorf("Purge must change no consent event: before it the ledger read\n%s\nafter it\n%s", before, after)
			}
		}},
	}
}

// requestPurgeContracts are the Purge contracts of requests and
// objections.
func requestPurgeContracts() []requestContract {
	return []requestContract{
		// Broken by: a memstore Purge that deleted pseudonymized requests.
		{"Purge/KeepsRequestsAsTheyRead", func(h *requestHarness) {
			closed := T0.Add(time.Hour)
			h.create(closedRequest(1, "2001", closed), closedRequest(2, "2002", closed.Add(48*time.Hour)), newRequest(3, "2003", 30))
			h.objection(1, "2001", closed)
			h.objection(2, "2003", time.Time{})
			if n := h.pseudonymize(closed.Add(time.Second)); n != 1 {
				h.t.Fatalf("storetest: setup: PseudonymizeRequests changed %d requests, want 1", n)
			}
			read := func() string {
				out := ""
				for _, id := range []string{requestID(1), requestID(2), requestID(3)} {
					out += fmt.Sprintf("%+v\n", h.get(id))
				}
				for _, s := range []string{"2001", "2003"} {
					os, err := h.rs.ListObjections(h.ctx, s)
					if err != nil {
						h.t.Fatalf("ListObjections must succeed, but it returned: %v", err)
					}
					out += fmt.Sprintf("%+v\n", os)
				}
				return out
			}
			before := read()
			h.purgeOK(store.PurgeScope{Own: []store.OwnRecords{store.RequestRecords}})
			if after := read(); after != before {
				h.t.Errorf("Purge must change no request or objection: before it they read\n%s\nafter it\n%s", before, after)
			}
		}},
	}
}
