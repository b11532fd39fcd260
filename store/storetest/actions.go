package storetest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
)

// maskIP is the Apply of the transform contracts: it rewrites ip and
// leaves note alone.
func maskIP(r store.Record) (map[string]any, error) {
	ip, _ := r.Fields["ip"].(string)
	if i := strings.LastIndexByte(ip, '.'); i >= 0 {
		ip = ip[:i] + ".0"
	}
	return map[string]any{"ip": ip}, nil
}

func actionContracts() []contract {
	return []contract{
		{"Process/DeleteRemovesTheRecords", func(h *harness) {
			h.insert(newBooking(1, 0, T0.Add(-time.Hour)), newBooking(2, 0, T0.Add(time.Hour)))
			h.process(deleteBatch(T0))
			if h.exists(Bookings, "1") {
				h.t.Errorf("Process with Action.Delete must delete the selected records, but key 1 is still there")
			}
			if !h.exists(Bookings, "2") {
				h.t.Errorf("Process with Action.Delete must delete only the selected records, but it deleted key 2")
			}
		}},
		{"Process/NullSetsOnlyTheNamedFieldsToNull", func(h *harness) {
			row := newBooking(1, 1001, T0.Add(-time.Hour))
			h.insert(row)
			b := deleteBatch(T0)
			b.Delete, b.Null = false, []string{"email", "ip"}
			h.process(b)
			got := h.get(Bookings, "1")
			if got["email"] != nil || got["client_ip"] != nil {
				h.t.Errorf("Process with Action.Null must set the named fields' columns (email, client_ip) to NULL, but they are %v and %v", got["email"], got["client_ip"])
			}
			if diff := unchanged(got, row, "email", "client_ip"); len(diff) > 0 {
				h.t.Errorf("Process must never modify columns other than those the action names, but Null [email ip] changed: %s", strings.Join(diff, "; "))
			}
		}},
		{"Process/TransformWritesApplyValuesAndKeepsOmittedFields", func(h *harness) {
			row := newBooking(1, 1001, T0.Add(-time.Hour))
			h.insert(row)
			var seen []store.Record
			b := deleteBatch(T0)
			b.Delete, b.Transform = false, []string{"ip", "note"}
			b.Apply = func(r store.Record) (map[string]any, error) {
				seen = append(seen, r)
				return maskIP(r)
			}
			h.process(b)
			if len(seen) != 1 {
				h.t.Fatalf("Process must call Apply once per selected record, but it called it %d times for one record", len(seen))
			}
			if seen[0].Key != "1" || seen[0].Subject != "1001" || seen[0].Fields["ip"] != "192.0.2.1" || seen[0].Fields["note"] != "note 1" {
				h.t.Errorf("Process must pass Apply the record's Key, Subject and the current values of the Transform fields by field name, but Apply got %+v", seen[0])
			}
			got := h.get(Bookings, "1")
			if got["client_ip"] != "192.0.2.0" {
				h.t.Errorf("Process must write the value Apply returned into the field's column, but client_ip is %v, want 192.0.2.0", got["client_ip"])
			}
			if diff := unchanged(got, row, "client_ip"); len(diff) > 0 {
				h.t.Errorf("Process must keep the value of a Transform field Apply omits and never modify other columns, but it changed: %s", strings.Join(diff, "; "))
			}
		}},
		{"Process/TransformWritesEachRecordsOwnFields", func(h *harness) {
			// Records whose Apply returns different fields, a NULL, or
			// nothing at all: a backend that writes a batch back in groups
			// must give each record exactly its own values.
			var rows []booking
			for i := int64(1); i <= 4; i++ {
				rows = append(rows, newBooking(i, 1000+i, T0.Add(-time.Duration(5-i)*time.Hour)))
			}
			h.insert(rows...)
			b := deleteBatch(T0)
			b.Delete, b.Transform, b.SetMarker = false, []string{"ip", "name"}, "anonymized_at"
			b.Apply = func(r store.Record) (map[string]any, error) {
				switch r.Key {
				case "1":
					return map[string]any{"ip": "192.0.2.0", "name": "N. N."}, nil
				case "2":
					return map[string]any{"name": nil}, nil
				case "3":
					return map[string]any{}, nil
				default:
					return map[string]any{"ip": "198.51.100.0", "name": "X"}, nil
				}
			}
			if res := h.process(b); res.Count != 4 {
				h.t.Fatalf("storetest: the batch processed %d records, want 4", res.Count)
			}
			want := map[string]map[string]any{
				"1": {"client_ip": "192.0.2.0", "name": "N. N."},
				"2": {"name": nil},
				"3": {},
				"4": {"client_ip": "198.51.100.0", "name": "X"},
			}
			for i, row := range rows {
				key := fmt.Sprint(i + 1)
				got := h.get(Bookings, key)
				changed := []string{"anonymized_at"}
				for col, v := range want[key] {
					changed = append(changed, col)
					if !sameValue(got[col], v) {
						h.t.Errorf("Process must write into each record the values its own Apply returned, but record %s has %s = %v, want %v", key, col, got[col], v)
					}
				}
				if got["anonymized_at"] == nil {
					h.t.Errorf("Process with SetMarker must set the marker of every processed record, also one whose Apply returned no field, but record %s has none", key)
				}
				if diff := unchanged(got, row, changed...); len(diff) > 0 {
					h.t.Errorf("Process must keep the fields a record's Apply omits, but record %s changed: %s", key, strings.Join(diff, "; "))
				}
			}
		}},
		{"Process/SetMarkerSetsTheMarkerToNow", func(h *harness) {
			row := newBooking(1, 0, T0.Add(-time.Hour))
			h.insert(row)
			b := deleteBatch(T0)
			b.Delete, b.SetMarker, b.Marker = false, "anonymized_at", "anonymized_at"
			b.Now = T0.Add(time.Minute)
			h.process(b)
			got := h.get(Bookings, "1")
			switch v := got["anonymized_at"].(type) {
			case nil:
				h.t.Errorf("Process with Action.SetMarker must set the marker column, but it is NULL")
			case time.Time:
				if !v.Equal(b.Now) {
					h.t.Errorf("Process with Action.SetMarker must set the marker column to Selection.Now (%v), but it is %v", b.Now, v)
				}
			}
			if diff := unchanged(got, row, "anonymized_at"); len(diff) > 0 {
				h.t.Errorf("Process with SetMarker only must never modify other columns, but it changed: %s", strings.Join(diff, "; "))
			}
		}},
		{"Process/DoesNotSelectAProcessedRecordAgain", func(h *harness) {
			for i := int64(1); i <= 3; i++ {
				h.insert(newBooking(i, 0, T0.Add(-time.Hour)))
			}
			del := deleteBatch(T0)
			del.Keys = ks(1)
			null := deleteBatch(T0)
			null.Keys, null.Delete, null.Null, null.NotNull = ks(2), false, []string{"name", "email"}, []string{"name", "email"}
			mark := deleteBatch(T0)
			mark.Keys, mark.Delete, mark.SetMarker, mark.Marker = ks(3), false, "anonymized_at", "anonymized_at"
			for what, b := range map[string]store.Batch{"deleted": del, "nulled": null, "marked": mark} {
				first := h.process(b)
				if len(first.Processed) != 1 {
					h.t.Errorf("storetest: the first %s batch processed %d records, want 1", what, len(first.Processed))
					continue
				}
				if again := h.process(b); len(again.Processed) != 0 {
					h.t.Errorf("Process must not select a record again that no longer matches (%s), but it processed key %s again", what, again.Processed[0].Key)
				}
			}
		}},
	}
}

// errAudit is the error an Audit callback returns in the rollback
// contracts; Process must return an error wrapping it.
var errAudit = errors.New("storetest: the audit entry cannot be built")

// rollbackContracts check that an error of Apply or Audit fails the whole
// batch. Panics and invalid entries never reach a backend: the callers
// guard the callbacks (package store, "Well-formed input").
func rollbackContracts() []contract {
	failures := []struct {
		name, what string
		mutate     func(b *store.Batch)
		wantErr    error
	}{
		{"Process/ApplyErrorRollsBackEverything", "Apply returns an error for the second record", func(b *store.Batch) {
			b.Apply = func(r store.Record) (map[string]any, error) {
				if r.Key == "2" {
					return nil, errors.New("operator failed")
				}
				return maskIP(r)
			}
		}, nil},
		{"Process/AuditErrorRollsBackEverything", "Audit returns an error", func(b *store.Batch) {
			b.Audit = func([]store.Record, int) (audit.Entry, error) { return audit.Entry{}, errAudit }
		}, errAudit},
	}
	var cs []contract
	// A dataset without a subject column may be processed count-only
	// (store.BatchResult): an Audit error must roll that path back too.
	for _, f := range failures[1:] {
		cs = append(cs, contract{strings.Replace(f.name, "RollsBackEverything", "RollsBackADeleteOfRecordsWithoutSubject", 1), func(h *harness) {
			keys := []string{"v-1", "v-2", "v-3"}
			for _, k := range keys {
				h.insertVisit(k, T0.Add(-time.Hour))
			}
			b := store.Batch{
				Selection: store.Selection{Dataset: Visits, Bounds: []store.Bound{{Column: "seen_at", Cutoff: T0}}, Now: T0},
				Action:    store.Action{Delete: true},
			}
			f.mutate(&b)
			for range 2 { // the second time on a connection the first failure must not have spoilt
				_, err := h.b.Process(h.ctx, b)
				if err == nil {
					h.t.Fatalf("Process must return an error when %s, but it returned none", f.what)
				}
				if f.wantErr != nil && !errors.Is(err, f.wantErr) {
					h.t.Errorf("Process must return an error wrapping %v when %s, but it returned %v", f.wantErr, f.what, err)
				}
			}
			for _, k := range keys {
				if !h.exists(Visits, k) {
					h.t.Errorf("Process must change nothing when %s (the batch is atomic), but key %s was deleted", f.what, k)
				}
			}
			if log := h.log(); len(log) != 0 {
				h.t.Errorf("Process must store no audit entry when %s, but the log has %d entries", f.what, len(log))
			}
			b.Audit = auditAs("delete", nil)
			if res := h.process(b); res.Count != len(keys) {
				h.t.Errorf("Process must work after a failed batch, but it processed %d of %d records", res.Count, len(keys))
			}
		}})
	}
	for _, f := range failures {
		cs = append(cs, contract{f.name, func(h *harness) {
			var rows []booking
			for i := int64(1); i <= 3; i++ {
				rows = append(rows, newBooking(i, 1000+i, T0.Add(-time.Hour)))
			}
			h.insert(rows...)
			b := deleteBatch(T0)
			b.Delete, b.Transform, b.Apply, b.Null, b.SetMarker = false, []string{"ip"}, maskIP, []string{"email"}, "anonymized_at"
			f.mutate(&b)
			_, err := h.b.Process(h.ctx, b)
			if err == nil {
				h.t.Fatalf("Process must return an error when %s, but it returned none", f.what)
			}
			if f.wantErr != nil && !errors.Is(err, f.wantErr) {
				h.t.Errorf("Process must return an error wrapping %v when %s, but it returned %v", f.wantErr, f.what, err)
			}
			for _, row := range rows {
				k := fmt.Sprint(row["id"])
				if diff := unchanged(h.get(Bookings, k), row); len(diff) > 0 {
					h.t.Errorf("Process must change nothing when %s (the batch is atomic), but key %s changed: %s", f.what, k, strings.Join(diff, "; "))
				}
			}
			if log := h.log(); len(log) != 0 {
				h.t.Errorf("Process must store no audit entry when %s, but the log has %d entries", f.what, len(log))
			}
		}})
	}
	return cs
}

func batchAuditContracts() []contract {
	return []contract{
		{"Process/NothingSelectedCallsNoAuditAndStoresNothing", func(h *harness) {
			h.insert(newBooking(1, 0, T0.Add(time.Hour)))
			var calls []auditCall
			b := deleteBatch(T0)
			b.Audit = auditAs("delete", &calls)
			res := h.process(b)
			if len(calls) != 0 {
				h.t.Errorf("Process must not call Batch.Audit when nothing was selected, but it called it %d times", len(calls))
			}
			if len(res.Processed) != 0 || res.Count != 0 || res.Entry.Seq != 0 || res.Entry.Hash != "" {
				h.t.Errorf("Process must return a zero BatchResult when nothing was selected, but it returned %+v", res)
			}
			if log := h.log(); len(log) != 0 {
				h.t.Errorf("Process must store nothing in the audit log when nothing was selected, but the log has %d entries", len(log))
			}
		}},
		{"Process/SealsTheAuditEntryToTheHeadAndTheChainVerifies", func(h *harness) {
			first, err := h.b.AppendAudit(h.ctx, audit.Entry{Time: T0, Action: "hold.place", Note: "Art. 17(3)(e)"})
			if err != nil {
				h.t.Fatalf("storetest: setup: AppendAudit: %v", err)
			}
			h.insert(newBooking(1, 1001, T0.Add(-2*time.Hour)), newBooking(2, 1002, T0.Add(-time.Hour)))
			var calls []auditCall
			b := deleteBatch(T0)
			b.Audit = auditAs("delete", &calls)
			res := h.process(b)
			if len(calls) != 1 {
				h.t.Fatalf("Process must call Batch.Audit exactly once per batch, but it called it %d times", len(calls))
			}
			if d := sameKeys(keys(calls[0].records), ks(1, 2)); d != "" {
				h.t.Fatalf("Process must pass Batch.Audit the processed records in processing order: %s", d)
			}
			if calls[0].count != 2 {
				h.t.Errorf("Process must pass Batch.Audit the number of records processed, but it passed %d for 2 records", calls[0].count)
			}
			if calls[0].records[0].Subject != "1001" || calls[0].records[1].Subject != "1002" {
				h.t.Errorf("Process must pass Batch.Audit records with Subject set, but got %q and %q", calls[0].records[0].Subject, calls[0].records[1].Subject)
			}
			e := res.Entry
			if e.Seq != first.Seq+1 || e.Prev != first.Hash {
				h.t.Errorf("Process must seal the batch's entry to the log's head (audit.Seal): want Seq %d and Prev %s, got Seq %d and Prev %s", first.Seq+1, first.Hash, e.Seq, e.Prev)
			}
			if e.Count != 2 || e.Action != "delete" {
				h.t.Errorf("Process must store the entry Batch.Audit built, but BatchResult.Entry has Action %q and Count %d", e.Action, e.Count)
			}
			log := h.log()
			if len(log) != 2 || log[1].Hash != e.Hash {
				h.t.Fatalf("Process must store the sealed entry returned in BatchResult.Entry as the next entry of the log, but the log holds %d entries", len(log))
			}
			if _, err := audit.Verify(log, &audit.Head{Seq: e.Seq, Hash: e.Hash}); err != nil {
				h.t.Errorf("the audit log must verify after Process (audit.Verify), but: %v", err)
			}
		}},
	}
}

func concurrencyContracts() []contract {
	return []contract{
		{"Process/ConcurrentCallsNeverProcessARecordTwice", func(h *harness) {
			const n, workers = 200, 4
			for i := int64(1); i <= n; i++ {
				h.insert(newBooking(i, 1000+i%7, T0.Add(-time.Duration(i)*time.Second)))
			}
			var mu sync.Mutex
			count := make(map[string]int)
			var wg sync.WaitGroup
			errs := make(chan error, workers)
			for range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					b := deleteBatch(T0)
					b.Delete, b.Transform, b.Apply, b.SetMarker, b.Marker = false, []string{"ip"}, maskIP, "anonymized_at", "anonymized_at"
					b.Limit = 7
					// n batches are more than enough; a backend that keeps
					// selecting processed records must not hang the suite.
					for range n {
						res, err := h.b.Process(h.ctx, b)
						if err != nil {
							if errors.Is(err, store.ErrConflict) {
								continue // a serialisation failure: retry
							}
							errs <- err
							return
						}
						if len(res.Processed) == 0 {
							return
						}
						mu.Lock()
						for _, r := range res.Processed {
							count[r.Key]++
						}
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				h.t.Errorf("concurrent Process calls must succeed (or fail with store.ErrConflict to be retried), but one returned: %v", err)
			}
			for k, c := range count {
				if c > 1 {
					h.t.Errorf("Process must never process a record twice when concurrent calls have overlapping selections, but key %s was processed %d times", k, c)
				}
			}
			if len(count) != n {
				h.t.Errorf("concurrent Process calls must together process every matching record once: processed %d of %d", len(count), n)
			}
			log := h.log()
			total := 0
			for _, e := range log {
				total += e.Count
			}
			if total != n {
				h.t.Errorf("the audit entries of concurrent batches must account for every record once: their counts sum to %d, want %d", total, n)
			}
			if _, err := audit.Verify(log, nil); err != nil {
				h.t.Errorf("the audit log must verify after concurrent Process calls, but: %v", err)
			}
		}},
	}
}
