package storetest

import (
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/frist-go/frist/store"
)

// recordTimesContracts are the contracts of Record.Times as
// Driver.Records sets it.
func recordTimesContracts() []contract {
	return []contract{
		{"Records/EachRecordCarriesTheTimesTimesReturns", func(h *harness) {
			a := newBooking(3, 42, T0)
			a["cancelled_ms"] = T0.Add(2 * time.Hour).UnixMilli()
			b := newBooking(1, 42, T0.Add(time.Hour))
			b["booked_at"] = nil
			h.insert(a, b, newBooking(2, 43, T0))
			for _, fields := range [][]string{nil, {"email"}, {}} {
				got, err := h.b.Records(h.ctx, Bookings, "42", fields)
				if err != nil {
					h.t.Fatalf("Records must read the subject's records, but it returned: %v", err)
				}
				if keys := recordKeys(got); !slices.Equal(keys, []string{"1", "3"}) {
					h.t.Fatalf("Records (fields %v) must return the subject's records 1 and 3, but it returned %v", fields, keys)
				}
				for _, g := range got {
					times, err := h.b.Times(h.ctx, Bookings, g.Key)
					if err != nil {
						h.t.Fatalf("storetest: setup: Times(%s): %v", g.Key, err)
					}
					if !maps.EqualFunc(g.Times, times, time.Time.Equal) {
						h.t.Fatalf("Records (fields %v) must give record %s the times Times returns (a NULL column absent), %v, but it gave %v", fields, g.Key, times, g.Times)
					}
					for name, tm := range g.Times {
						if tm.Location() != time.UTC {
							h.t.Fatalf("Records must give times in UTC, but record %s has %s in %v", g.Key, name, tm.Location())
						}
					}
				}
			}
		}},
		{"Records/UnknownDatasetIsErrUnknownDataset", func(h *harness) {
			if _, err := h.b.Records(h.ctx, "nope", "42", nil); !errors.Is(err, store.ErrUnknownDataset) {
				h.t.Fatalf("Records must return store.ErrUnknownDataset for an unknown dataset, but it returned: %v", err)
			}
		}},
	}
}

// recordKeys returns the keys of recs in order.
func recordKeys(recs []store.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.Key
	}
	return out
}
