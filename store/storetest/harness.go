package storetest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
)

// T0 is the suite's reference time: every record and cutoff is placed
// relative to it, in whole seconds, so that every time format holds it
// exactly.
var T0 = time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)

// harness carries one subtest's backend and helpers.
type harness struct {
	t   *testing.T
	b   Backend
	ctx context.Context
}

// booking is a Bookings row with defaults; tests change it before insert.
type booking map[string]any

// newBooking returns a row of Bookings for key id and subject citizen
// (0 for NULL), booked at booked; starts_at is one day later, cancelled_at
// NULL.
func newBooking(id, citizen int64, booked time.Time) booking {
	r := booking{
		"id":            id,
		"booked_at":     booked,
		"starts_unix":   booked.Add(24 * time.Hour).Unix(),
		"cancelled_ms":  nil,
		"name":          fmt.Sprintf("Name %d", id),
		"email":         fmt.Sprintf("person%d@example.org", id),
		"client_ip":     fmt.Sprintf("192.0.2.%d", id%250),
		"note":          fmt.Sprintf("note %d", id),
		"service":       "Personalausweis",
		"anonymized_at": nil,
		"citizen_id":    nil,
	}
	if citizen != 0 {
		r["citizen_id"] = citizen
	}
	return r
}

// insert inserts rows into Bookings.
func (h *harness) insert(rows ...booking) {
	h.t.Helper()
	for _, r := range rows {
		if err := h.b.Insert(h.ctx, Bookings, r); err != nil {
			h.t.Fatalf("storetest: setup: inserting booking %v: %v", r["id"], err)
		}
	}
}

// insertVisit inserts a Visits row with key id seen at seen.
func (h *harness) insertVisit(id string, seen time.Time) {
	h.t.Helper()
	row := map[string]any{"id": id, "seen_at": seen.UTC().Format(time.RFC3339), "ip": "198.51.100.7", "user_agent": "Mozilla/5.0"}
	if err := h.b.Insert(h.ctx, Visits, row); err != nil {
		h.t.Fatalf("storetest: setup: inserting visit %s: %v", id, err)
	}
}

// get returns a row that must exist.
func (h *harness) get(dataset, key string) map[string]any {
	h.t.Helper()
	row, ok, err := h.b.Get(h.ctx, dataset, key)
	if err != nil || !ok {
		h.t.Fatalf("storetest: reading %s key %s back: found=%v err=%v", dataset, key, ok, err)
	}
	return row
}

// exists reports whether a row exists.
func (h *harness) exists(dataset, key string) bool {
	h.t.Helper()
	_, ok, err := h.b.Get(h.ctx, dataset, key)
	if err != nil {
		h.t.Fatalf("storetest: reading %s key %s back: %v", dataset, key, err)
	}
	return ok
}

// process runs a batch that must succeed, and checks that its result
// reports the count as store.BatchResult says.
func (h *harness) process(b store.Batch) store.BatchResult {
	h.t.Helper()
	res, err := h.b.Process(h.ctx, b)
	if err != nil {
		h.t.Fatalf("Process must succeed for a valid batch, but it returned: %v", err)
	}
	h.checkCount(b.Dataset, res)
	return res
}

// checkCount checks BatchResult.Count against Processed: equal when the
// records are listed, and listed always on a dataset with a subject
// column.
func (h *harness) checkCount(dataset string, res store.BatchResult) {
	h.t.Helper()
	switch {
	case res.Processed == nil && res.Count > 0 && dataset == Bookings:
		h.t.Errorf("Process must list the processed records (store.BatchResult.Processed) on a dataset with a subject column, but it reported only Count %d", res.Count)
	case res.Processed != nil && res.Count != len(res.Processed):
		h.t.Errorf("Process must set store.BatchResult.Count to len(Processed) when it lists the records, but Count is %d for %d records", res.Count, len(res.Processed))
	case res.Count < 0:
		h.t.Errorf("Process must report a Count that is not negative, but it reported %d", res.Count)
	}
}

// processedKeys returns the keys a deleting batch processed among
// candidates: those of res.Processed when the backend listed them, or,
// when it reported only a count (which store.BatchResult allows on a
// dataset without a subject column), the candidates that no longer exist,
// which must be as many as the count.
func (h *harness) processedKeys(res store.BatchResult, dataset string, candidates ...string) []string {
	h.t.Helper()
	if res.Processed != nil || res.Count == 0 {
		return keys(res.Processed)
	}
	var gone []string
	for _, k := range candidates {
		if !h.exists(dataset, k) {
			gone = append(gone, k)
		}
	}
	if len(gone) != res.Count {
		h.t.Errorf("Process must report in store.BatchResult.Count the number of records it processed, but it reported %d and %d records are gone", res.Count, len(gone))
	}
	return gone
}

// placeHold places a hold that must succeed.
func (h *harness) placeHold(hold store.Hold) {
	h.t.Helper()
	if hold.Reason == "" {
		hold.Reason = store.HoldLegalClaims
	}
	if _, err := h.b.PlaceHold(h.ctx, hold, HoldEntry("hold.place")); err != nil {
		h.t.Fatalf("storetest: setup: PlaceHold(%s): %v", hold.ID, err)
	}
}

// releaseHold releases a hold, which must succeed.
func (h *harness) releaseHold(id string, at time.Time) {
	h.t.Helper()
	if _, err := h.b.ReleaseHold(h.ctx, id, at, HoldEntry("hold.release")); err != nil {
		h.t.Fatalf("storetest: setup: ReleaseHold(%s): %v", id, err)
	}
}

// HoldEntry returns a store.HoldAudit for tests that place or release
// holds on a backend directly, as the contracts do: an entry with action,
// the hold's dataset and a note naming the hold by ID, timed at its
// release or placement (T0 when it has neither).
func HoldEntry(action string) store.HoldAudit {
	return func(hd store.Hold) (audit.Entry, error) {
		at := hd.ReleasedAt
		if at.IsZero() {
			at = hd.PlacedAt
		}
		if at.IsZero() {
			at = T0
		}
		return audit.Entry{Time: at, Action: action, Dataset: hd.Dataset, Note: "hold " + hd.ID}, nil
	}
}

// log reads the whole audit log.
func (h *harness) log() []audit.Entry {
	h.t.Helper()
	es, err := h.b.ReadAudit(h.ctx, 0, 0)
	if err != nil {
		h.t.Fatalf("ReadAudit(0, 0) must return the whole log, but it returned: %v", err)
	}
	return es
}

// keys returns the keys of records, in order.
func keys(rs []store.Record) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Key
	}
	return out
}

// ks turns integer keys into their text form.
func ks(ids ...int64) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strconv.FormatInt(id, 10)
	}
	return out
}

// pseudonym is a keyed pseudonym in the form audit.Entry.Validate accepts.
func pseudonym(v string) string {
	m := hmac.New(sha256.New, []byte("storetest key, thirty-two bytes!"))
	m.Write([]byte(v))
	return "st:" + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// auditCall is one call of a Batch.Audit callback.
type auditCall struct {
	records []store.Record
	count   int
}

// auditAs returns an Audit callback that records its calls in *calls and
// builds a valid entry with pseudonymized subjects.
func auditAs(action string, calls *[]auditCall) func([]store.Record, int) (audit.Entry, error) {
	return func(rs []store.Record, n int) (audit.Entry, error) {
		if calls != nil {
			*calls = append(*calls, auditCall{records: slices.Clone(rs), count: n})
		}
		var subs []string
		for _, r := range rs {
			if r.Subject != "" {
				subs = append(subs, pseudonym(r.Subject))
			}
		}
		return audit.Entry{Time: T0, Action: action, Dataset: Bookings, Rule: "storetest", Count: n, Subjects: subs}, nil
	}
}

// deleteBatch returns a Batch deleting Bookings records booked up to
// cutoff.
func deleteBatch(cutoff time.Time) store.Batch {
	return store.Batch{
		Selection: store.Selection{Dataset: Bookings, Bounds: []store.Bound{{Column: "booked_at", Cutoff: cutoff}}, Now: T0},
		Action:    store.Action{Delete: true},
		Audit:     auditAs("delete", nil),
	}
}

// sameKeys reports a difference between two key lists, "" when equal.
func sameKeys(got, want []string) string {
	if slices.Equal(got, want) {
		return ""
	}
	return fmt.Sprintf("got keys [%s], want [%s]", strings.Join(got, " "), strings.Join(want, " "))
}

// sameValue compares a column value read back with what was written,
// allowing for time.Time in another zone.
func sameValue(got, want any) bool {
	if gt, ok := got.(time.Time); ok {
		wt, ok := want.(time.Time)
		return ok && gt.Equal(wt)
	}
	if gb, ok := got.([]byte); ok {
		if ws, ok := want.(string); ok {
			return string(gb) == ws
		}
	}
	return fmt.Sprint(got) == fmt.Sprint(want) && (got == nil) == (want == nil)
}

// unchanged reports the columns of got that differ from want, except
// those in skip.
func unchanged(got, want map[string]any, skip ...string) []string {
	var diff []string
	for col, w := range want {
		if slices.Contains(skip, col) {
			continue
		}
		if !sameValue(got[col], w) {
			diff = append(diff, fmt.Sprintf("%s: %v -> %v", col, w, got[col]))
		}
	}
	slices.Sort(diff)
	return diff
}

// isErr reports whether err matches target.
func isErr(err, target error) bool { return errors.Is(err, target) }
