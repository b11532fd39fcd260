package storetest

import (
	"slices"
	"time"

	"github.com/frist-go/frist/store"
)

// timeCase places records relative to a cutoff in one time column.
type timeCase struct {
	dataset, column, format string
	// insert inserts a record with key k whose column is at t.
	insert func(h *harness, k int64, t time.Time) string
}

func timeCases() []timeCase {
	booking := func(col string, conv func(time.Time) any) func(h *harness, k int64, t time.Time) string {
		return func(h *harness, k int64, t time.Time) string {
			r := newBooking(k, 0, T0.Add(-1000*time.Hour))
			r[col] = conv(t)
			if col != "booked_at" {
				r["booked_at"] = T0.Add(-1000 * time.Hour)
			}
			h.insert(r)
			return ks(k)[0]
		}
	}
	return []timeCase{
		{Bookings, "booked_at", "timestamp", booking("booked_at", func(t time.Time) any { return t })},
		{Bookings, "starts_at", "unix", booking("starts_unix", func(t time.Time) any { return t.Unix() })},
		{Bookings, "cancelled_at", "unix_ms", booking("cancelled_ms", func(t time.Time) any { return t.UnixMilli() })},
		{Visits, "seen_at", "rfc3339", func(h *harness, k int64, t time.Time) string {
			key := "v-" + ks(k)[0]
			h.insertVisit(key, t)
			return key
		}},
	}
}

func selectionContracts() []contract {
	var cs []contract
	for _, tc := range timeCases() {
		cs = append(cs, contract{"Process/SelectsOnlyRecordsBoundAtOrBeforeCutoff/" + tc.format, func(h *harness) {
			cut := T0
			before := tc.insert(h, 1, cut.Add(-time.Hour))
			at := tc.insert(h, 2, cut)
			later := tc.insert(h, 3, cut.Add(time.Second))
			res := h.process(store.Batch{
				Selection: store.Selection{Dataset: tc.dataset, Bounds: []store.Bound{{Column: tc.column, Cutoff: cut}}, Now: T0},
				Action:    store.Action{Delete: true},
				Audit:     auditAs("delete", nil),
			})
			got := h.processedKeys(res, tc.dataset, before, at, later)
			for _, k := range got {
				if k == later {
					h.t.Errorf("Process must select only records whose bound column (%s, format %s) is not later than Bound.Cutoff, but it processed key %s, one second after the cutoff", tc.column, tc.format, k)
				}
			}
			if d := sameKeys(got, []string{before, at}); d != "" {
				h.t.Errorf("Process must select every record whose bound column (%s, format %s) is at or before Bound.Cutoff, including one exactly at it: %s", tc.column, tc.format, d)
			}
		}})
	}
	for _, tc := range timeCases() {
		cs = append(cs, contract{"Process/LimitedBatchesFollowTheBoundColumn/" + tc.format, func(h *harness) {
			cut := T0
			// Key order differs from time order, and two records share
			// a time, so the key decides between them.
			k1 := tc.insert(h, 1, cut.Add(-1*time.Hour))
			k2 := tc.insert(h, 2, cut.Add(-3*time.Hour))
			k3 := tc.insert(h, 3, cut.Add(-2*time.Hour))
			k4 := tc.insert(h, 4, cut.Add(-3*time.Hour))
			k5 := tc.insert(h, 5, cut.Add(time.Second))
			b := store.Batch{
				Selection: store.Selection{Dataset: tc.dataset, Bounds: []store.Bound{{Column: tc.column, Cutoff: cut}}, Now: T0, Limit: 2},
				Action:    store.Action{Delete: true},
				Audit:     auditAs("delete", nil),
			}
			left := []string{k1, k2, k3, k4, k5}
			for i, want := range [][]string{{k2, k4}, {k3, k1}, nil} {
				// Within a batch the order is another contract's; a
				// count-only result cannot show it.
				got := slices.Sorted(slices.Values(h.processedKeys(h.process(b), tc.dataset, left...)))
				if d := sameKeys(got, slices.Sorted(slices.Values(want))); d != "" {
					h.t.Errorf("Process with Limit 2 must take the records in ascending order of the bound column (%s, format %s), then of the key; batch %d: %s", tc.column, tc.format, i+1, d)
				}
				left = slices.DeleteFunc(left, func(k string) bool { return slices.Contains(got, k) })
			}
			if !h.exists(tc.dataset, k5) {
				h.t.Errorf("Process with Limit must never take a record after the cutoff (%s, format %s)", tc.column, tc.format)
			}
		}})
	}
	cs = append(cs,
		contract{"Process/LimitCountsOnlyFreeRecords", func(h *harness) {
			for i := int64(1); i <= 5; i++ {
				h.insert(newBooking(i, 1000+i, T0.Add(time.Duration(i-10)*time.Minute)))
			}
			h.placeHold(store.Hold{ID: "0190f6d2-0000-7000-8000-0000000000a1", Dataset: Bookings, Key: "2", PlacedAt: T0.Add(-time.Hour)})
			b := deleteBatch(T0)
			b.Limit = 2
			if d := sameKeys(keys(h.process(b).Processed), ks(1, 3)); d != "" {
				h.t.Errorf("Process with a Limit must process that many free records, passing over a held one: %s", d)
			}
			if d := sameKeys(keys(h.process(b).Processed), ks(4, 5)); d != "" {
				h.t.Errorf("Process with a Limit must continue after a held record: %s", d)
			}
			if !h.exists(Bookings, "2") {
				h.t.Errorf("Process must not select a record under an active hold on that record, also in a limited batch")
			}
		}},
		contract{"Process/DoesNotSelectNullBoundColumn", func(h *harness) {
			withNull := newBooking(1, 0, T0.Add(-time.Hour))
			withValue := newBooking(2, 0, T0.Add(-time.Hour))
			withValue["cancelled_ms"] = T0.Add(-time.Hour).UnixMilli()
			h.insert(withNull, withValue)
			res := h.process(store.Batch{
				Selection: store.Selection{Dataset: Bookings, Bounds: []store.Bound{{Column: "cancelled_at", Cutoff: T0}}, Now: T0},
				Action:    store.Action{Delete: true}, Audit: auditAs("delete", nil),
			})
			if d := sameKeys(keys(res.Processed), ks(2)); d != "" {
				h.t.Errorf("Process must not select a record whose bound column is NULL (store.Selection.Bounds): %s", d)
			}
			// The same as a second bound, and with Keys, where a backend
			// may not walk the first bound's index.
			h.insert(newBooking(3, 1001, T0.Add(-time.Hour)))
			for what, sel := range map[string]store.Selection{
				"a second bound": {Dataset: Bookings, Now: T0, Bounds: []store.Bound{{Column: "booked_at", Cutoff: T0}, {Column: "cancelled_at", Cutoff: T0}}},
				"Keys":           {Dataset: Bookings, Now: T0, Keys: ks(1, 3), Bounds: []store.Bound{{Column: "cancelled_at", Cutoff: T0}}},
				"Subject":        {Dataset: Bookings, Now: T0, Subject: "1001", Bounds: []store.Bound{{Column: "cancelled_at", Cutoff: T0}}},
			} {
				res := h.process(store.Batch{Selection: sel, Action: store.Action{Delete: true}, Audit: auditAs("delete", nil)})
				if len(res.Processed) != 0 {
					h.t.Errorf("Process must not select a record whose bound column is NULL, also with %s, but it processed keys %v", what, keys(res.Processed))
				}
			}
		}},
		contract{"Process/RequiresEveryBound", func(h *harness) {
			both := newBooking(1, 0, T0.Add(-time.Hour))
			both["starts_unix"] = T0.Add(-time.Minute).Unix()
			onlyFirst := newBooking(2, 0, T0.Add(-time.Hour))
			onlyFirst["starts_unix"] = T0.Add(time.Hour).Unix()
			h.insert(both, onlyFirst)
			res := h.process(store.Batch{
				Selection: store.Selection{Dataset: Bookings, Now: T0, Bounds: []store.Bound{
					{Column: "booked_at", Cutoff: T0}, {Column: "starts_at", Cutoff: T0.Add(time.Minute)}}},
				Action: store.Action{Delete: true}, Audit: auditAs("delete", nil),
			})
			if d := sameKeys(keys(res.Processed), ks(1)); d != "" {
				h.t.Errorf("Process must select only records that satisfy every Bound (all conditions of a Selection must hold): %s", d)
			}
		}},
		contract{"Process/RespectsLimit", func(h *harness) {
			for i := int64(1); i <= 5; i++ {
				h.insert(newBooking(i, 0, T0.Add(time.Duration(i-10)*time.Minute)))
			}
			b := deleteBatch(T0)
			b.Limit = 2
			if d := sameKeys(keys(h.process(b).Processed), ks(1, 2)); d != "" {
				h.t.Errorf("Process must process at most Selection.Limit records, the first in order: %s", d)
			}
			if d := sameKeys(keys(h.process(b).Processed), ks(3, 4)); d != "" {
				h.t.Errorf("Process must continue with the next records in order after a limited batch: %s", d)
			}
			b.Limit = 0
			if d := sameKeys(keys(h.process(b).Processed), ks(5)); d != "" {
				h.t.Errorf("Process must treat Limit 0 as no limit: %s", d)
			}
		}},
		contract{"Process/PendingSelectsRecordsWithAFieldLeftToNull", func(h *harness) {
			done := newBooking(1, 0, T0.Add(-time.Hour))
			done["name"], done["email"] = nil, nil
			half := newBooking(2, 0, T0.Add(-time.Hour))
			half["name"] = nil
			full := newBooking(3, 0, T0.Add(-time.Hour))
			h.insert(done, half, full)
			b := deleteBatch(T0)
			b.NotNull = []string{"name", "email"}
			b.Delete, b.Null = false, []string{"name", "email"}
			if d := sameKeys(keys(h.process(b).Processed), ks(2, 3)); d != "" {
				h.t.Errorf("Process with Selection.NotNull must select exactly the records where at least one of the named fields is not NULL: %s", d)
			}
		}},
		contract{"Process/MarkerSelectsOnlyUnmarkedRecords", func(h *harness) {
			marked := newBooking(1, 0, T0.Add(-time.Hour))
			marked["anonymized_at"] = T0.Add(-time.Minute)
			h.insert(marked, newBooking(2, 0, T0.Add(-time.Hour)))
			b := deleteBatch(T0)
			b.Marker = "anonymized_at"
			if d := sameKeys(keys(h.process(b).Processed), ks(2)); d != "" {
				h.t.Errorf("Process with Selection.Marker must select only records whose marker column is NULL: %s", d)
			}
		}},
		contract{"Process/KeysRestrictsSelection", func(h *harness) {
			for i := int64(1); i <= 4; i++ {
				h.insert(newBooking(i, 0, T0.Add(-time.Hour)))
			}
			b := deleteBatch(T0)
			b.Keys = []string{"4", "2", "99"}
			if d := sameKeys(keys(h.process(b).Processed), ks(2, 4)); d != "" {
				h.t.Errorf("Process with Selection.Keys must select only records with those keys (unknown keys select nothing): %s", d)
			}
			b.Keys = []string{}
			if got := keys(h.process(b).Processed); len(got) != 0 {
				h.t.Errorf("Process with an empty, non-nil Selection.Keys must select nothing, but it processed keys %v", got)
			}
		}},
		contract{"Process/SubjectRestrictsSelection", func(h *harness) {
			h.insert(newBooking(1, 1001, T0.Add(-time.Hour)), newBooking(2, 1002, T0.Add(-time.Hour)),
				newBooking(3, 1001, T0.Add(-time.Hour)), newBooking(4, 0, T0.Add(-time.Hour)))
			b := deleteBatch(T0)
			b.Subject = "1001"
			res := h.process(b)
			if d := sameKeys(keys(res.Processed), ks(1, 3)); d != "" {
				h.t.Errorf("Process with Selection.Subject must select only that subject's records (subject in text form): %s", d)
			}
			for _, r := range res.Processed {
				if r.Subject != "1001" {
					h.t.Errorf("Process must report each processed record's Subject in text form, but key %s has Subject %q, want \"1001\"", r.Key, r.Subject)
				}
			}
		}},
		contract{"Process/UnknownDatasetIsErrUnknownDataset", func(h *harness) {
			b := deleteBatch(T0)
			b.Dataset = "nope"
			if _, err := h.b.Process(h.ctx, b); !isErr(err, store.ErrUnknownDataset) {
				h.t.Errorf("Process must return store.ErrUnknownDataset for a dataset not in the declaration, but it returned %v", err)
			}
		}},
	)
	return cs
}

func holdExclusionContracts() []contract {
	type hc struct {
		name    string
		hold    store.Hold
		held    []int64 // keys that must be excluded
		message string
	}
	const h1 = "0190f6d2-0000-7000-8000-000000000001"
	cases := []hc{
		{"Process/ExcludesRecordUnderRecordHold", store.Hold{ID: h1, Dataset: Bookings, Key: "2", PlacedAt: T0.Add(-time.Hour)},
			[]int64{2}, "Process must not select a record under an active hold on that record (store.Hold.Dataset and Key)"},
		{"Process/ExcludesRecordUnderSubjectHold", store.Hold{ID: h1, Dataset: Bookings, Subject: "1001", PlacedAt: T0.Add(-time.Hour)},
			[]int64{1, 3}, "Process must not select a record under an active hold on its subject in its dataset (store.Hold.Subject)"},
		{"Process/ExcludesRecordUnderSubjectHoldAcrossDatasets", store.Hold{ID: h1, Subject: "1001", PlacedAt: T0.Add(-time.Hour)},
			[]int64{1, 3}, "Process must not select a record under an active hold on its subject in every dataset (store.Hold.Subject with empty Dataset)"},
		{"Process/SubjectHoldOnAnotherDatasetDoesNotExclude", store.Hold{ID: h1, Dataset: Visits, Subject: "1001", PlacedAt: T0.Add(-time.Hour)},
			nil, "Process must select records whose subject is held only in another dataset"},
		{"Process/ExpiredHoldDoesNotExclude", store.Hold{ID: h1, Dataset: Bookings, Subject: "1001", PlacedAt: T0.Add(-time.Hour), Until: T0},
			nil, "Process must select a record whose hold ended (store.Hold.Until not after Selection.Now)"},
		{"Process/ReleasedHoldDoesNotExclude", store.Hold{ID: h1, Subject: "1001", PlacedAt: T0.Add(-time.Hour), ReleasedAt: T0.Add(-time.Minute)},
			nil, "Process must select a record whose hold was released before Selection.Now"},
		{"Process/HoldPlacedAfterNowExcludes", store.Hold{ID: h1, Subject: "1001", PlacedAt: T0.Add(time.Minute)},
			[]int64{1, 3}, "Process must not select a record under a stored hold whose PlacedAt is later than Selection.Now (store.Hold.Active: when a hold was placed does not matter)"},
	}
	var cs []contract
	for _, c := range cases {
		cs = append(cs, contract{c.name, func(h *harness) {
			h.insert(newBooking(1, 1001, T0.Add(-time.Hour)), newBooking(2, 1002, T0.Add(-time.Hour)),
				newBooking(3, 1001, T0.Add(-time.Hour)), newBooking(4, 0, T0.Add(-time.Hour)))
			hold := c.hold
			released := hold.ReleasedAt
			hold.ReleasedAt = time.Time{}
			h.placeHold(hold)
			if !released.IsZero() {
				h.releaseHold(hold.ID, released)
			}
			res := h.process(deleteBatch(T0))
			var want []int64
			for i := int64(1); i <= 4; i++ {
				excluded := false
				for _, k := range c.held {
					excluded = excluded || k == i
				}
				if !excluded {
					want = append(want, i)
				}
			}
			got := keys(res.Processed)
			for _, k := range ks(c.held...) {
				for _, g := range got {
					if g == k {
						h.t.Errorf("%s, but it processed key %s", c.message, k)
					}
				}
			}
			if d := sameKeys(got, ks(want...)); d != "" {
				h.t.Errorf("%s: %s", c.message, d)
			}
		}})
	}
	return cs
}

func orderContracts() []contract {
	return []contract{
		{"Process/SelectsInAscendingOrderOfFirstBoundThenKey", func(h *harness) {
			// Inserted out of order; keys 10 and 2 share a time, so the
			// key decides, numerically.
			h.insert(newBooking(5, 0, T0.Add(-1*time.Minute)), newBooking(10, 0, T0.Add(-3*time.Minute)),
				newBooking(7, 0, T0.Add(-5*time.Minute)), newBooking(2, 0, T0.Add(-3*time.Minute)))
			b := deleteBatch(T0)
			b.Limit = 3
			if d := sameKeys(keys(h.process(b).Processed), ks(7, 2, 10)); d != "" {
				h.t.Errorf("Process must select records in ascending order of the first bound's column, then of the key in the key column's own order (numeric for integer keys): %s", d)
			}
		}},
		{"Process/SelectsInKeyOrderWithoutBounds", func(h *harness) {
			h.insert(newBooking(10, 1001, T0.Add(-time.Hour)), newBooking(9, 1001, T0.Add(-2*time.Hour)), newBooking(100, 1001, T0))
			res := h.process(store.Batch{
				Selection: store.Selection{Dataset: Bookings, Subject: "1001", Now: T0},
				Action:    store.Action{Delete: true}, Audit: auditAs("delete", nil),
			})
			if d := sameKeys(keys(res.Processed), ks(9, 10, 100)); d != "" {
				h.t.Errorf("Process without bounds must select records in key order (numeric for integer keys): %s", d)
			}
		}},
	}
}
