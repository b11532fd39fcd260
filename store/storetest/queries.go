package storetest

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/frist-go/frist/store"
)

func queryContracts() []contract {
	return []contract{
		{"Count/SplitsMatchingRecordsIntoFreeAndHeldIgnoringLimit", func(h *harness) {
			for i := int64(1); i <= 5; i++ {
				h.insert(newBooking(i, 1000+i, T0.Add(-time.Hour)))
			}
			h.insert(newBooking(6, 1006, T0.Add(time.Hour))) // not due
			h.placeHold(store.Hold{ID: "0190f6d2-0000-7000-8000-00000000000a", Dataset: Bookings, Key: "1", PlacedAt: T0.Add(-time.Hour)})
			h.placeHold(store.Hold{ID: "0190f6d2-0000-7000-8000-00000000000b", Subject: "1002", PlacedAt: T0.Add(-time.Hour)})
			sel := deleteBatch(T0).Selection
			sel.Limit = 1
			free, held, err := h.b.Count(h.ctx, sel)
			if err != nil {
				h.t.Fatalf("Count must succeed for a valid selection, but it returned: %v", err)
			}
			if free != 3 || held != 2 {
				h.t.Errorf("Count must count the records matching the selection, ignoring Limit, split into free and held at Selection.Now: got free=%d held=%d, want free=3 held=2", free, held)
			}
			h.process(deleteBatch(T0))
			if free, held, _ := h.b.Count(h.ctx, sel); free != 0 || held != 2 {
				h.t.Errorf("Count must not count processed records: after deleting the free ones got free=%d held=%d, want free=0 held=2", free, held)
			}
		}},
		{"Earliest/ReturnsSmallestValueAfterTheGivenTime", func(h *harness) {
			times := map[int64]time.Duration{1: -2 * time.Hour, 2: time.Hour, 3: 3 * time.Hour, 4: 2 * time.Hour}
			for k, d := range times {
				r := newBooking(k, 1000+k%2, T0)
				r["starts_unix"] = T0.Add(d).Unix()
				h.insert(r)
			}
			h.placeHold(store.Hold{ID: "0190f6d2-0000-7000-8000-00000000000c", Dataset: Bookings, Key: "2", PlacedAt: T0.Add(-time.Hour)})
			sel := store.Selection{Dataset: Bookings, Now: T0}
			got, ok, err := h.b.Earliest(h.ctx, sel, "starts_at", T0)
			if err != nil || !ok || !got.Equal(T0.Add(time.Hour)) {
				h.t.Errorf("Earliest must return the smallest value of the time column later than after, held records included (holds do not matter): got %v, %v, %v; want %v", got, ok, err, T0.Add(time.Hour))
			}
			got, ok, _ = h.b.Earliest(h.ctx, sel, "starts_at", T0.Add(time.Hour))
			if !ok || !got.Equal(T0.Add(2*time.Hour)) {
				h.t.Errorf("Earliest must return a value strictly later than after: got %v, %v; want %v", got, ok, T0.Add(2*time.Hour))
			}
			sel.Subject = "1001" // keys 1 and 3
			got, ok, _ = h.b.Earliest(h.ctx, sel, "starts_at", T0)
			if !ok || !got.Equal(T0.Add(3*time.Hour)) {
				h.t.Errorf("Earliest must consider only records matching the selection (Subject 1001): got %v, %v; want %v", got, ok, T0.Add(3*time.Hour))
			}
			if _, ok, err := h.b.Earliest(h.ctx, sel, "starts_at", T0.Add(3*time.Hour)); ok || err != nil {
				h.t.Errorf("Earliest must return false and no error when no value is later than after, but it returned %v, %v", ok, err)
			}
			if _, ok, err := h.b.Earliest(h.ctx, sel, "cancelled_at", time.Time{}); ok || err != nil {
				h.t.Errorf("Earliest must ignore NULL values and return false when all are NULL, but it returned %v, %v", ok, err)
			}
		}},
		{"Records/ReturnsTheSubjectsRecordsInKeyOrder", func(h *harness) {
			h.insert(newBooking(10, 1001, T0), newBooking(2, 1001, T0), newBooking(3, 1002, T0), newBooking(7, 1001, T0))
			rs, err := h.b.Records(h.ctx, Bookings, "1001", []string{"email"})
			if err != nil {
				h.t.Fatalf("Records must succeed for a known subject, but it returned: %v", err)
			}
			if d := sameKeys(keys(rs), ks(2, 7, 10)); d != "" {
				h.t.Errorf("Records must return exactly the subject's records ordered by key in the key column's order (numeric): %s", d)
			}
			for _, r := range rs {
				if r.Subject != "1001" || len(r.Fields) != 1 || r.Fields["email"] != "person"+r.Key+"@example.org" {
					h.t.Errorf("Records must return Subject and exactly the requested fields by field name, but key %s has Subject %q and Fields %v", r.Key, r.Subject, r.Fields)
				}
			}
			all, err := h.b.Records(h.ctx, Bookings, "1001", nil)
			if err != nil || len(all) != 3 {
				h.t.Fatalf("Records with nil fields must return the subject's records, but it returned %d records and %v", len(all), err)
			}
			names := make([]string, 0, len(all[0].Fields))
			for f := range all[0].Fields {
				names = append(names, f)
			}
			slices.Sort(names)
			if strings.Join(names, " ") != "email ip name note" {
				h.t.Errorf("Records with nil fields must return every declared field by field name, but got %v", names)
			}
			if all[0].Fields["ip"] != "192.0.2.2" {
				h.t.Errorf("Records must read a field from its column (ip from client_ip), but ip is %v", all[0].Fields["ip"])
			}
			none, err := h.b.Records(h.ctx, Bookings, "9999", nil)
			if err != nil || len(none) != 0 {
				h.t.Errorf("Records must return no records and no error for an unknown subject, but it returned %d records and %v", len(none), err)
			}
		}},
		{"SubjectsByField/FindsExactlyTheSubjectsWhoseFieldHoldsTheValue", func(h *harness) {
			sf := h.b
			a, b, c := newBooking(1, 1001, T0), newBooking(2, 1002, T0), newBooking(3, 1001, T0)
			a["email"], b["email"], c["email"] = "erika@example.org", "max@example.org", "erika@example.org"
			d := newBooking(4, 1003, T0)
			d["email"] = "ERIKA@example.org"
			h.insert(a, b, c, d)
			got, err := sf.SubjectsByField(h.ctx, Bookings, "email", "erika@example.org")
			if err != nil || !slices.Equal(got, []string{"1001"}) {
				h.t.Errorf("SubjectsByField must return each subject whose field holds exactly the value once (not another case of it): got %v, %v; want [1001]", got, err)
			}
			if got, err := sf.SubjectsByField(h.ctx, Bookings, "email", "nobody@example.org"); err != nil || len(got) != 0 {
				h.t.Errorf("SubjectsByField must return nothing and no error for a value no record holds: got %v, %v", got, err)
			}
			if got, err := sf.SubjectsByField(h.ctx, Bookings, "email", "x' OR '1'='1"); err != nil || len(got) != 0 {
				h.t.Errorf("SubjectsByField must compare the value as data: got %v, %v", got, err)
			}
		}},
		{"Times/ReturnsEverySetTimeColumnByName", func(h *harness) {
			r := newBooking(1, 0, T0)
			r["cancelled_ms"] = T0.Add(90 * time.Minute).UnixMilli()
			h.insert(r, newBooking(2, 0, T0))
			h.insertVisit("v-1", T0.Add(-time.Hour))
			want := map[string]time.Time{"booked_at": T0, "starts_at": T0.Add(24 * time.Hour), "cancelled_at": T0.Add(90 * time.Minute)}
			check := func(dataset, key string, want map[string]time.Time) {
				got, err := h.b.Times(h.ctx, dataset, key)
				if err != nil {
					h.t.Errorf("Times must succeed for an existing record, but it returned: %v", err)
					return
				}
				if len(got) != len(want) {
					h.t.Errorf("Times must return exactly the non-NULL time columns by TimeColumn.Name: %s key %s got %v, want %v", dataset, key, got, want)
				}
				for name, w := range want {
					if !got[name].Equal(w) {
						h.t.Errorf("Times must return each time column's value in any format: %s key %s column %s is %v, want %v", dataset, key, name, got[name], w)
					}
				}
			}
			check(Bookings, "1", want)
			delete(want, "cancelled_at")
			check(Bookings, "2", want)
			check(Visits, "v-1", map[string]time.Time{"seen_at": T0.Add(-time.Hour)})
		}},
		{"Times/UnknownRecordIsErrNotFound", func(h *harness) {
			if _, err := h.b.Times(h.ctx, Bookings, "42"); !errors.Is(err, store.ErrNotFound) {
				h.t.Errorf("Times must return store.ErrNotFound when no record has the key, but it returned %v", err)
			}
		}},
		{"Queries/UnknownDatasetIsErrUnknownDataset", func(h *harness) {
			sel := store.Selection{Dataset: "nope", Now: T0}
			_, _, err1 := h.b.Count(h.ctx, sel)
			_, _, err2 := h.b.Earliest(h.ctx, sel, "booked_at", T0)
			_, err3 := h.b.Records(h.ctx, "nope", "1001", nil)
			_, err4 := h.b.Times(h.ctx, "nope", "1")
			for method, err := range map[string]error{"Count": err1, "Earliest": err2, "Records": err3, "Times": err4} {
				if !errors.Is(err, store.ErrUnknownDataset) {
					h.t.Errorf("%s must return store.ErrUnknownDataset for a dataset not in the declaration, but it returned %v", method, err)
				}
			}
		}},
	}
}
