package storetest

import (
	"fmt"
	"strings"
	"time"

	"github.com/frist-go/frist/store"
)

// valueClass is what a stored time value means for a cutoff at T0.
type valueClass int

const (
	// due: a time at or before the cutoff under every reading of it. A
	// backend processes it, or, when it cannot read it in the column's
	// representation, reports it (store.Driver.Unreadable).
	due valueClass = iota
	// must: a value in the column's own representation at or before the
	// cutoff, which every backend must process.
	must
	// later: a time after the cutoff under every reading of it. It is
	// never processed; a backend that cannot read it may report it.
	later
	// garbage: not a time in the column's representation. It is never
	// processed (unless orDate allows it) and always reported.
	garbage
	// null: NULL, neither processed nor reported.
	null
)

// valueCase is one value of the time value table.
type valueCase struct {
	name  string
	value any
	class valueClass
	// orDate marks garbage that a database may store as a date before the
	// cutoff ("03/10/2025" is 10 March or 3 October 2025 to PostgreSQL):
	// it may then process it.
	orDate bool
}

// valueCases returns the table for a column in one representation: values
// just before, at and after the cutoff T0, the same instants written in
// other zones and forms, NULL, empty text, garbage, and values of other
// SQLite storage classes. A database whose column type refuses a value
// on insert leaves it out.
func valueCases(column string) []valueCase {
	switch column {
	case "booked_at": // timestamp
		return []valueCase{
			{"1s before the cutoff", T0.Add(-time.Second), must, false},
			{"at the cutoff", T0, must, false},
			{"30 years before", T0.AddDate(-30, 0, 0), must, false},
			{"1s after the cutoff", T0.Add(time.Second), later, false},
			{"modernc text of New York at the cutoff", "2026-01-10 07:00:00 -0500 EST", due, false},
			{"modernc text of New York 2h after", "2026-01-10 09:00:00 -0500 EST", later, false},
			{"text with offset -05:00 4h after", "2026-01-10 11:00:00-05:00", later, false},
			{"text with offset +01:00 1h before", "2026-01-10 12:00:00+01:00", due, false},
			{"modernc text of UTC 1s before", "2026-01-10 11:59:59 +0000 UTC", due, false},
			{"modernc text of time.Now() in UTC at the cutoff", "2026-01-10 12:00:00 +0000 UTC m=+0.002190859", due, false},
			{"modernc text of time.Now() in UTC 1.5s after", "2026-01-10 12:00:01.5 +0000 UTC m=+0.5", later, false},
			{"modernc text of Berlin with a fraction at the cutoff", "2026-01-10 13:00:00.000 +0100 CET", due, false},
			{"text with a fraction and an offset +02:00 1.5s after", "2026-01-10 14:00:01.5+02:00", later, false},
			{"text with fraction before", "2026-01-10 11:59:59.5", due, false},
			{"text with T 1h before", "2026-01-10T11:00:00", due, false},
			{"empty text", "", garbage, false},
			{"integer unix seconds", int64(1740484800), garbage, false},
			{"real julian day", 2460721.5, garbage, false},
			{"US date", "03/10/2025", garbage, true},
			{"German date", "10.03.2025", garbage, true},
			{"clock out of range", "2025-02-13 99:99:99", garbage, false},
			{"30 February", "2025-02-30 10:00:00", garbage, false},
			{"a word", "garbage", garbage, false},
			{"minus infinity", "-infinity", garbage, false},
			{"infinity", "infinity", garbage, false},
			{"NULL", nil, null, false},
		}
	case "seen_at": // rfc3339 text
		return []valueCase{
			{"1s before the cutoff", "2026-01-10T11:59:59Z", must, false},
			{"at the cutoff", "2026-01-10T12:00:00Z", must, false},
			{"1s after the cutoff", "2026-01-10T12:00:01Z", later, false},
			{"space instead of T 1h after", "2026-01-10 13:00:00", later, false},
			{"offset -05:00 4h after", "2026-01-10T11:00:00-05:00", later, false},
			{"offset -05:00 1s before", "2026-01-10T06:59:59-05:00", due, false},
			{"fraction before", "2026-01-10T11:59:59.5Z", due, false},
			{"lower case 1h before", "2026-01-10t11:00:00z", due, false},
			{"empty text", "", garbage, false},
			{"a word", "garbage", garbage, false},
			{"US date", "03/10/2025", garbage, false},
			{"30 February", "2025-02-30T10:00:00Z", garbage, false},
			{"clock out of range", "2025-02-13T99:99:99Z", garbage, false},
			{"integer unix seconds", int64(1740484800), garbage, false},
			{"real", 2460721.5, garbage, false},
			{"blob", []byte("garbage bytes"), garbage, false},
			{"NULL", nil, null, false},
		}
	default: // starts_at, unix seconds
		return []valueCase{
			{"1s before the cutoff", T0.Unix() - 1, must, false},
			{"at the cutoff", T0.Unix(), must, false},
			{"1s after the cutoff", T0.Unix() + 1, later, false},
			{"milliseconds in a seconds column", T0.UnixMilli(), later, false},
			{"real 0.5s before", float64(T0.Unix()) - 0.5, due, false},
			{"before 1970", int64(-5), due, false},
			{"empty text", "", garbage, false},
			{"a word", "garbage", garbage, false},
			{"blob", []byte("garbage bytes"), garbage, false},
			{"NULL", nil, null, false},
		}
	}
}

// timeValueContracts turn "a time rule selects only records whose time
// value is a valid time in the column's representation and at or before
// the cutoff" (store.Bound, store.Driver.Unreadable) into one contract per
// representation.
//
// Each fails on the backends before they told valid values from the rest:
// SQLite deleted ”, 1740484800 and 2460721.5 from a timestamp column
// (they sort below every text value), text in New York time hours early,
// and Earliest failed on '03/10/2025'; PostgreSQL deleted '2026-01-10
// 13:00:00' from an rfc3339 text column (' ' sorts before 'T').
func timeValueContracts() []contract {
	var cs []contract
	for _, col := range []string{"booked_at", "starts_at", "seen_at"} {
		cs = append(cs, contract{"Process/SelectsOnlyValidTimesAndReportsTheRest/" + col, func(h *harness) {
			h.timeValues(col)
		}})
	}
	return cs
}

// timeValues inserts one record per case, then checks that Count, Earliest,
// Unreadable and Process agree on which records are due.
func (h *harness) timeValues(column string) {
	dataset, sqlCol := Bookings, map[string]string{"booked_at": "booked_at", "starts_at": "starts_unix"}[column]
	if column == "seen_at" {
		dataset, sqlCol = Visits, "seen_at"
	}
	cases := valueCases(column)
	inserted := map[string]valueCase{}
	for i, c := range cases {
		key := fmt.Sprint(i + 1)
		var row map[string]any
		if dataset == Visits {
			row = map[string]any{"id": "v" + key, "seen_at": c.value, "ip": "198.51.100.7", "user_agent": "Mozilla/5.0"}
			key = "v" + key
		} else {
			row = newBooking(int64(i+1), 0, T0)
			row["booked_at"], row["starts_unix"] = nil, nil
			row[sqlCol] = c.value
		}
		if err := h.b.Insert(h.ctx, dataset, row); err != nil {
			if c.class == must {
				h.t.Fatalf("storetest: setup: inserting %s (%v) into %s: %v", c.name, c.value, sqlCol, err)
			}
			continue // the column's type refuses it: it cannot be stored
		}
		inserted[key] = c
	}
	sel := store.Selection{Dataset: dataset, Bounds: []store.Bound{{Column: column, Cutoff: T0}}, Now: T0}
	free, held, err := h.b.Count(h.ctx, sel)
	if err != nil {
		h.t.Errorf("Count must not fail on values that are not times in %s, but it returned: %v", column, err)
	}
	first, found, err := h.b.Earliest(h.ctx, sel, column, time.Time{})
	if err != nil {
		h.t.Errorf("Earliest must not fail on values that are not times in %s (one unreadable value must not block a rule), but it returned: %v", column, err)
	}
	next, foundNext, err := h.b.Earliest(h.ctx, store.Selection{Dataset: dataset, Now: T0}, column, T0)
	if err != nil {
		h.t.Errorf("Earliest after the cutoff must not fail on values that are not times in %s, but it returned: %v", column, err)
	}
	unreadable, _, err := h.b.Unreadable(h.ctx, sel)
	if err != nil {
		h.t.Fatalf("Unreadable must count values that are not times in %s, but it returned: %v", column, err)
	}
	batch := store.Batch{Selection: sel, Action: store.Action{Delete: true}, Audit: auditAs("delete", nil)}
	batch.Limit = 2 // several batches, each starting behind the last
	for range len(cases) {
		res, err := h.b.Process(h.ctx, batch)
		if err != nil {
			h.t.Errorf("Process must not fail on values that are not times in %s (one unreadable value must not block a rule), but it returned: %v", column, err)
			break
		}
		if res.Count < batch.Limit {
			break
		}
		batch.After = res.Next
	}
	var processed, mayReport, mustReport []string
	for key, c := range inserted {
		gone := !h.exists(dataset, key)
		switch {
		case gone && (c.class == later || c.class == null || c.class == garbage && !c.orDate):
			h.t.Errorf("Process must select only records whose %s is a valid time at or before the cutoff %s, but it deleted %q (%v)", column, T0.Format(time.RFC3339), c.name, c.value)
		case !gone && c.class == must:
			h.t.Errorf("Process must select a record whose %s is %v, a valid time at or before the cutoff %s, but it left %q", column, c.value, T0.Format(time.RFC3339), c.name)
		case gone:
			processed = append(processed, key)
		case c.class == due || c.class == garbage:
			mustReport = append(mustReport, c.name)
		case c.class == later:
			mayReport = append(mayReport, c.name)
		}
	}
	if free != len(processed) || held != 0 {
		h.t.Errorf("Count must count exactly the records Process selects (valid times at or before the cutoff): got free=%d held=%d, Process deleted %d", free, held, len(processed))
	}
	if found != (len(processed) > 0) || found && first.After(T0) {
		h.t.Errorf("Earliest must find a due value exactly when Process selects records, and none after the cutoff: got %v, %v with %d deleted", first, found, len(processed))
	}
	if !foundNext || !next.Equal(T0.Add(time.Second)) {
		h.t.Errorf("Earliest after the cutoff must return the smallest valid value after it (%s), passing over values that are not times: got %v, %v", T0.Add(time.Second).Format(time.RFC3339), next, foundNext)
	}
	if unreadable < len(mustReport) || unreadable > len(mustReport)+len(mayReport) {
		h.t.Errorf("Unreadable must count every stored value of %s that is not a valid time and sorts outside the valid values or at or before the cutoff: got %d; want %d (%s), plus at most %d of %s",
			column, unreadable, len(mustReport), strings.Join(mustReport, "; "), len(mayReport), strings.Join(mayReport, "; "))
	}
}
