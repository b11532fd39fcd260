package storetest

import (
	"context"
	"errors"
	"maps"
	"reflect"
	"testing"
	"time"

	"github.com/frist-go/frist/store"
)

// RunRecordTimes runs the contracts of the optional store.RecordTimes
// (store/times.go), one subtest per sentence, against backends from open,
// each subtest with its own Backend, which must implement
// store.RecordTimes; the suite fails when it does not.
func RunRecordTimes(t *testing.T, open Opener) {
	t.Helper()
	for _, c := range recordTimesContracts() {
		t.Run(c.name, func(t *testing.T) {
			b := open(t, Declaration())
			t.Cleanup(func() { _ = b.Close() })
			rt, ok := b.(store.RecordTimes)
			if !ok {
				t.Fatalf("storetest: RunRecordTimes needs a backend that implements store.RecordTimes, but %T does not", b)
			}
			c.run(&harness{t: t, b: b, ctx: context.Background()}, rt)
		})
	}
}

type recordTimesContract struct {
	name string
	run  func(h *harness, rt store.RecordTimes)
}

func recordTimesContracts() []recordTimesContract {
	return []recordTimesContract{
		{"RecordsWithTimes returns what Records returns, each record with what Times returns", func(h *harness, rt store.RecordTimes) {
			a := newBooking(3, 42, T0)
			a["cancelled_ms"] = T0.Add(2 * time.Hour).UnixMilli()
			b := newBooking(1, 42, T0.Add(time.Hour))
			b["booked_at"] = nil
			h.insert(a, b, newBooking(2, 43, T0))
			for _, fields := range [][]string{nil, {"email"}, {}} {
				want, err := h.b.Records(h.ctx, Bookings, "42", fields)
				if err != nil {
					h.t.Fatalf("storetest: setup: Records: %v", err)
				}
				got, err := rt.RecordsWithTimes(h.ctx, Bookings, "42", fields)
				if err != nil {
					h.t.Fatalf("RecordsWithTimes must read the subject's records, but it returned: %v", err)
				}
				if len(got) != len(want) {
					h.t.Fatalf("RecordsWithTimes (fields %v) must return the %d records Records returns, but it returned %d", fields, len(want), len(got))
				}
				for i := range want {
					g, w := got[i], want[i]
					if g.Key != w.Key || g.Subject != w.Subject || !reflect.DeepEqual(g.Fields, w.Fields) {
						h.t.Fatalf("RecordsWithTimes (fields %v) record %d must be %+v as Records returns it, but it is %+v", fields, i, w, g.Record)
					}
					times, err := h.b.Times(h.ctx, Bookings, w.Key)
					if err != nil {
						h.t.Fatalf("storetest: setup: Times(%s): %v", w.Key, err)
					}
					if !maps.EqualFunc(g.Times, times, time.Time.Equal) {
						h.t.Fatalf("RecordsWithTimes must give record %s the times Times returns (a NULL column absent), %v, but it gave %v", w.Key, times, g.Times)
					}
				}
			}
		}},
		{"RecordsWithTimes returns no records for an unknown subject", func(h *harness, rt store.RecordTimes) {
			h.insert(newBooking(1, 42, T0))
			got, err := rt.RecordsWithTimes(h.ctx, Bookings, "99", nil)
			if err != nil || len(got) != 0 {
				h.t.Fatalf("RecordsWithTimes must return no records, not an error, for an unknown subject, but it returned %v, %v", got, err)
			}
		}},
		{"RecordsWithTimes refuses an unknown dataset, a dataset without subject column and an undeclared field", func(h *harness, rt store.RecordTimes) {
			if _, err := rt.RecordsWithTimes(h.ctx, "nope", "42", nil); !errors.Is(err, store.ErrUnknownDataset) {
				h.t.Fatalf("RecordsWithTimes must return store.ErrUnknownDataset for an unknown dataset, but it returned: %v", err)
			}
			if _, err := rt.RecordsWithTimes(h.ctx, Visits, "42", nil); err == nil {
				h.t.Fatalf("RecordsWithTimes must refuse a dataset without subject column, but it returned nil")
			}
			if _, err := rt.RecordsWithTimes(h.ctx, Bookings, "42", []string{"service"}); err == nil {
				h.t.Fatalf("RecordsWithTimes must refuse an undeclared field, but it returned nil")
			}
		}},
		{"RecordsWithTimes returns ErrClosed after Close", func(h *harness, rt store.RecordTimes) {
			_ = h.b.Close()
			if _, err := rt.RecordsWithTimes(h.ctx, Bookings, "42", nil); !errors.Is(err, store.ErrClosed) {
				h.t.Fatalf("RecordsWithTimes after Close must return store.ErrClosed, but it returned: %v", err)
			}
		}},
	}
}
