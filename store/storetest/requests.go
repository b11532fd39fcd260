package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
)

// requestHarness carries one request subtest's backend.
type requestHarness struct {
	*harness
	rs store.RequestStore
}

// requestContract is one subtest of RunRequests.
type requestContract struct {
	name string
	run  func(h *requestHarness)
}

// RequestContracts returns the names of RunRequests' contracts, in order.
func RequestContracts() []string {
	var names []string
	for _, c := range requestContracts() {
		names = append(names, c.name)
	}
	return names
}

// RunRequests runs the contracts of store.RequestStore and of
// store.Driver.UpdateFields (store/requests.go, store/store.go), one
// subtest per sentence, against backends from open, each subtest with its
// own Backend. The Backend must implement store.RequestStore; the suite
// fails when it does not.
func RunRequests(t *testing.T, open Opener) {
	t.Helper()
	for _, c := range requestContracts() {
		t.Run(c.name, func(t *testing.T) {
			b := open(t, Declaration())
			t.Cleanup(func() { _ = b.Close() })
			rs, ok := b.(store.RequestStore)
			if !ok {
				t.Fatalf("storetest: RunRequests needs a backend that implements store.RequestStore, but %T does not", b)
			}
			c.run(&requestHarness{harness: &harness{t: t, b: b, ctx: context.Background()}, rs: rs})
		})
	}
}

// requestID returns the n-th request ID; IDs sort in the order of n.
func requestID(n int) string { return fmt.Sprintf("01900000-0000-7000-9000-%012d", n) }

// newRequest returns a complete request number n of subject, due after
// the given days.
func newRequest(n int, subject string, dueDays int) store.Request {
	return store.Request{
		ID: requestID(n), Subject: subject, Kind: "access", State: "received",
		ReceivedAt: T0.Add(time.Duration(n) * time.Second),
		Due:        T0.Add(time.Duration(dueDays) * 24 * time.Hour),
		Body:       []byte(fmt.Sprintf(`{"n":%d}`, n)),
	}
}

func (h *requestHarness) create(rs ...store.Request) {
	h.t.Helper()
	for _, r := range rs {
		if err := h.rs.CreateRequest(h.ctx, r); err != nil {
			h.t.Fatalf("storetest: setup: CreateRequest(%s): %v", r.ID, err)
		}
	}
}

func (h *requestHarness) list(f store.RequestFilter) []string {
	h.t.Helper()
	rs, err := h.rs.ListRequests(h.ctx, f)
	if err != nil {
		h.t.Fatalf("ListRequests(%+v) must succeed, but it returned: %v", f, err)
	}
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func requestContracts() []requestContract {
	return []requestContract{
		{"CreateRequest stores every field, with Version 1, times in UTC to the microsecond", func(h *requestHarness) {
			r := newRequest(1, "42", 30)
			r.ReceivedAt = r.ReceivedAt.In(time.FixedZone("CET", 3600)).Add(1500 * time.Nanosecond)
			r.Version = 9
			r.Final = true
			h.create(r)
			got, err := h.rs.Request(h.ctx, r.ID)
			if err != nil {
				h.t.Fatalf("Request must return a created request, but it returned: %v", err)
			}
			want := r
			want.ReceivedAt = r.ReceivedAt.Truncate(time.Microsecond).UTC()
			want.Version = 1
			if got.ID != want.ID || got.Subject != want.Subject || got.Kind != want.Kind || got.State != want.State ||
				got.Final != want.Final || !got.ReceivedAt.Equal(want.ReceivedAt) || got.ReceivedAt.Location() != time.UTC ||
				!got.Due.Equal(want.Due) || got.Version != 1 || string(got.Body) != string(want.Body) {
				h.t.Fatalf("Request must return the request as created, with Version 1 and times in UTC to the microsecond; got %+v, want %+v", got, want)
			}
		}},
		{"CreateRequest returns ErrConflict for an existing ID", func(h *requestHarness) {
			h.create(newRequest(1, "42", 30))
			err := h.rs.CreateRequest(h.ctx, newRequest(1, "43", 30))
			if !errors.Is(err, store.ErrConflict) {
				h.t.Fatalf("CreateRequest must return store.ErrConflict for an existing ID, but it returned: %v", err)
			}
		}},
		{"Request returns ErrNotFound for an unknown ID", func(h *requestHarness) {
			if _, err := h.rs.Request(h.ctx, requestID(7)); !errors.Is(err, store.ErrNotFound) {
				h.t.Fatalf("Request must return store.ErrNotFound for an unknown ID, but it returned: %v", err)
			}
		}},
		{"UpdateRequest replaces the request and increments Version", func(h *requestHarness) {
			r := newRequest(1, "42", 30)
			h.create(r)
			r.Version, r.State, r.Final, r.Due, r.Body = 1, "completed", true, T0.Add(90*24*time.Hour), []byte(`{"n":2}`)
			v, err := h.rs.UpdateRequest(h.ctx, r)
			if err != nil || v != 2 {
				h.t.Fatalf("UpdateRequest at the stored version must succeed and return version 2, but it returned %d, %v", v, err)
			}
			got, _ := h.rs.Request(h.ctx, r.ID)
			if got.State != "completed" || !got.Final || !got.Due.Equal(r.Due) || string(got.Body) != `{"n":2}` || got.Version != 2 {
				h.t.Fatalf("after UpdateRequest, Request must return the new request at version 2, but it returned %+v", got)
			}
		}},
		{"UpdateRequest returns ErrConflict for a stale Version and changes nothing", func(h *requestHarness) {
			r := newRequest(1, "42", 30)
			h.create(r)
			r.Version, r.State = 1, "verified"
			if _, err := h.rs.UpdateRequest(h.ctx, r); err != nil {
				h.t.Fatalf("storetest: setup: UpdateRequest: %v", err)
			}
			r.State = "refused" // still based on version 1
			if _, err := h.rs.UpdateRequest(h.ctx, r); !errors.Is(err, store.ErrConflict) {
				h.t.Fatalf("UpdateRequest based on a stale Version must return store.ErrConflict, but it returned: %v", err)
			}
			if got, _ := h.rs.Request(h.ctx, r.ID); got.State != "verified" || got.Version != 2 {
				h.t.Fatalf("a refused UpdateRequest must change nothing, but the request is now %s at version %d", got.State, got.Version)
			}
		}},
		{"UpdateRequest returns ErrNotFound for an unknown ID", func(h *requestHarness) {
			r := newRequest(1, "42", 30)
			r.Version = 1
			if _, err := h.rs.UpdateRequest(h.ctx, r); !errors.Is(err, store.ErrNotFound) {
				h.t.Fatalf("UpdateRequest must return store.ErrNotFound for an unknown ID, but it returned: %v", err)
			}
		}},
		{"UpdateRequest refuses to change Subject, Kind or ReceivedAt", func(h *requestHarness) {
			r := newRequest(1, "42", 30)
			h.create(r)
			for _, tc := range []struct {
				field  string
				change func(*store.Request)
			}{
				{"Subject", func(r *store.Request) { r.Subject = "43" }},
				{"Kind", func(r *store.Request) { r.Kind = "erasure" }},
				{"ReceivedAt", func(r *store.Request) { r.ReceivedAt = r.ReceivedAt.Add(time.Hour) }},
			} {
				u := r
				u.Version = 1
				tc.change(&u)
				if _, err := h.rs.UpdateRequest(h.ctx, u); err == nil {
					h.t.Fatalf("UpdateRequest must refuse to change %s, but it returned nil", tc.field)
				}
			}
			if got, _ := h.rs.Request(h.ctx, r.ID); got.Subject != "42" || got.Kind != "access" || got.Version != 1 {
				h.t.Fatalf("a refused UpdateRequest must change nothing, but the request is now %+v", got)
			}
		}},
		{"ListRequests filters by subject, state, openness and due time, ordered by Due then ID", func(h *requestHarness) {
			a := newRequest(1, "42", 30)
			b := newRequest(2, "42", 10)
			c := newRequest(3, "7", 10)
			c.State = "verified"
			d := newRequest(4, "42", 5)
			d.State, d.Final = "completed", true
			h.create(a, b, c, d)
			for _, tc := range []struct {
				name string
				f    store.RequestFilter
				want []string
			}{
				{"no filter", store.RequestFilter{}, []string{requestID(4), requestID(2), requestID(3), requestID(1)}},
				{"subject", store.RequestFilter{Subject: "42"}, []string{requestID(4), requestID(2), requestID(1)}},
				{"states", store.RequestFilter{States: []string{"verified", "completed"}}, []string{requestID(4), requestID(3)}},
				{"open only", store.RequestFilter{OpenOnly: true}, []string{requestID(2), requestID(3), requestID(1)}},
				{"due before, inclusive", store.RequestFilter{DueBefore: T0.Add(10 * 24 * time.Hour)}, []string{requestID(4), requestID(2), requestID(3)}},
				{"limit", store.RequestFilter{Limit: 2}, []string{requestID(4), requestID(2)}},
				{"unknown subject", store.RequestFilter{Subject: "99"}, []string{}},
			} {
				if msg := sameKeys(h.list(tc.f), tc.want); msg != "" {
					h.t.Fatalf("ListRequests (%s) must return the matching requests ordered by Due then ID: %s", tc.name, msg)
				}
			}
		}},
		{"returned requests are copies", func(h *requestHarness) {
			h.create(newRequest(1, "42", 30))
			got, _ := h.rs.Request(h.ctx, requestID(1))
			got.Body[0] = 'X'
			again, _ := h.rs.Request(h.ctx, requestID(1))
			if again.Body[0] == 'X' {
				h.t.Fatalf("changing a returned request's Body must not change the stored request")
			}
		}},
		{"AddObjection stores an objection; ListObjections returns the subject's, ordered by At then ID", func(h *requestHarness) {
			obs := []store.Objection{
				{ID: requestID(3), Subject: "42", Purpose: "analysis", At: T0.Add(time.Hour), Request: requestID(9)},
				{ID: requestID(2), Subject: "42", Purpose: "security", At: T0},
				{ID: requestID(1), Subject: "7", Purpose: "analysis", At: T0},
			}
			for _, o := range obs {
				if err := h.rs.AddObjection(h.ctx, o); err != nil {
					h.t.Fatalf("AddObjection must store a complete objection, but it returned: %v", err)
				}
			}
			got, err := h.rs.ListObjections(h.ctx, "42")
			if err != nil || len(got) != 2 || got[0].ID != requestID(2) || got[1].ID != requestID(3) || got[1].Request != requestID(9) || got[1].Purpose != "analysis" {
				h.t.Fatalf("ListObjections must return exactly the subject's objections ordered by At, then ID, but it returned %+v, %v", got, err)
			}
			none, err := h.rs.ListObjections(h.ctx, "99")
			if err != nil || len(none) != 0 {
				h.t.Fatalf("ListObjections must return none, not an error, for an unknown subject, but it returned %v, %v", none, err)
			}
		}},
		{"AddObjection refuses an existing ID", func(h *requestHarness) {
			o := store.Objection{ID: requestID(1), Subject: "42", Purpose: "analysis", At: T0}
			if err := h.rs.AddObjection(h.ctx, o); err != nil {
				h.t.Fatalf("storetest: setup: AddObjection: %v", err)
			}
			if err := h.rs.AddObjection(h.ctx, o); !errors.Is(err, store.ErrConflict) {
				h.t.Fatalf("AddObjection must return store.ErrConflict for an existing ID, but it returned: %v", err)
			}
			if got, _ := h.rs.ListObjections(h.ctx, "42"); len(got) != 1 {
				h.t.Fatalf("a refused objection must not be stored, but the subject has %d", len(got))
			}
		}},
		{"LiftObjection keeps the first lift and returns ErrNotFound for an unknown ID", func(h *requestHarness) {
			o := store.Objection{ID: requestID(1), Subject: "42", Purpose: "analysis", At: T0}
			if err := h.rs.AddObjection(h.ctx, o); err != nil {
				h.t.Fatalf("storetest: setup: AddObjection: %v", err)
			}
			if err := h.rs.LiftObjection(h.ctx, o.ID, T0.Add(time.Hour), "Art. 21(1) sentence 2"); err != nil {
				h.t.Fatalf("LiftObjection must succeed, but it returned: %v", err)
			}
			if err := h.rs.LiftObjection(h.ctx, o.ID, T0.Add(2*time.Hour), "again"); err != nil {
				h.t.Fatalf("lifting twice must succeed, but it returned: %v", err)
			}
			got, _ := h.rs.ListObjections(h.ctx, "42")
			if len(got) != 1 || !got[0].LiftedAt.Equal(T0.Add(time.Hour)) || got[0].LiftReason != "Art. 21(1) sentence 2" {
				h.t.Fatalf("LiftObjection must keep the first time and reason, but the objection is %+v", got)
			}
			if got[0].Active(T0.Add(time.Hour)) || !got[0].Active(T0) {
				h.t.Fatalf("an objection lifted at T0+1h must be active at T0 and not at T0+1h")
			}
			if err := h.rs.LiftObjection(h.ctx, requestID(9), T0, "x"); !errors.Is(err, store.ErrNotFound) {
				h.t.Fatalf("LiftObjection must return store.ErrNotFound for an unknown ID, but it returned: %v", err)
			}
		}},
		{"UpdateFields changes the subject's record and appends the entry atomically", func(h *requestHarness) {
			rc := h.b
			h.insert(newBooking(1, 42, T0), newBooking(2, 43, T0))
			e, err := rc.UpdateFields(h.ctx, Bookings, "1", "42", map[string]any{"email": "new@example.org", "ip": nil},
				audit.Entry{Time: T0, Action: "rectify", Dataset: Bookings, Count: 1, Subjects: []string{pseudonym("42")}})
			if err != nil {
				h.t.Fatalf("UpdateFields must change a record of the subject, but it returned: %v", err)
			}
			row := h.get(Bookings, "1")
			if row["email"] != "new@example.org" || row["client_ip"] != nil {
				h.t.Fatalf("UpdateFields must write the values to the fields' columns, but the row is %v", row)
			}
			if diff := unchanged(row, newBooking(1, 42, T0), "email", "client_ip"); len(diff) > 0 {
				h.t.Fatalf("UpdateFields must not change other columns, but it changed %v", diff)
			}
			log := h.log()
			if len(log) != 1 || log[0].Action != "rectify" || log[0].Hash != e.Hash || log[0].Seq != 1 {
				h.t.Fatalf("UpdateFields must append the sealed entry to the audit log and return it, but the log is %+v", log)
			}
		}},
		{"UpdateFields refuses another subject's record, an unknown key or dataset, and changes nothing", func(h *requestHarness) {
			rc := h.b
			h.insert(newBooking(1, 42, T0), newBooking(2, 43, T0))
			good := audit.Entry{Time: T0, Action: "rectify", Count: 1}
			for _, tc := range []struct {
				name, dataset, key, subject string
				is                          error
			}{
				{"another subject's record", Bookings, "2", "42", store.ErrNotFound},
				{"an unknown key", Bookings, "99", "42", store.ErrNotFound},
				{"an empty subject", Bookings, "1", "", store.ErrNotFound},
				{"an unknown dataset", "nope", "1", "42", store.ErrUnknownDataset},
			} {
				_, err := rc.UpdateFields(h.ctx, tc.dataset, tc.key, tc.subject, map[string]any{"email": "x"}, good)
				if !errors.Is(err, tc.is) {
					h.t.Fatalf("UpdateFields must refuse %s (want %v), but it returned: %v", tc.name, tc.is, err)
				}
			}
			if diff := unchanged(h.get(Bookings, "1"), newBooking(1, 42, T0)); len(diff) > 0 {
				h.t.Fatalf("a refused UpdateFields must change nothing, but it changed %v", diff)
			}
			if diff := unchanged(h.get(Bookings, "2"), newBooking(2, 43, T0)); len(diff) > 0 {
				h.t.Fatalf("a refused UpdateFields must not touch another subject's record, but it changed %v", diff)
			}
			if log := h.log(); len(log) != 0 {
				h.t.Fatalf("a refused UpdateFields must append nothing to the audit log, but it appended %d entries", len(log))
			}
		}},
		{"every method returns ErrClosed after Close", func(h *requestHarness) {
			_ = h.b.Close()
			if err := h.rs.CreateRequest(h.ctx, newRequest(1, "42", 3)); !errors.Is(err, store.ErrClosed) {
				h.t.Fatalf("CreateRequest after Close must return store.ErrClosed, but it returned: %v", err)
			}
			if _, err := h.rs.ListRequests(h.ctx, store.RequestFilter{}); !errors.Is(err, store.ErrClosed) {
				h.t.Fatalf("ListRequests after Close must return store.ErrClosed, but it returned: %v", err)
			}
			if _, err := h.rs.ListObjections(h.ctx, "42"); !errors.Is(err, store.ErrClosed) {
				h.t.Fatalf("ListObjections after Close must return store.ErrClosed, but it returned: %v", err)
			}
		}},
	}
}
