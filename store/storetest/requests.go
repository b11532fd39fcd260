package storetest

import (
	"errors"
	"fmt"
	"time"

	"github.com/frist-go/frist/store"
)

// requestHarness carries one request subtest's backend.
type requestHarness struct {
	*harness
	rs store.RequestStore
}

// requestContract is one subtest of the store.RequestStore group.
type requestContract struct {
	name string
	run  func(h *requestHarness)
}

// requestGroup returns the contracts of store.RequestStore as subtests of
// the suite, each given the backend as a RequestStore.
func requestGroup() []contract {
	var out []contract
	for _, c := range append(append(requestContracts(), requestRecordContracts()...), requestPurgeContracts()...) {
		out = append(out, contract{c.name, func(h *harness) {
			c.run(&requestHarness{harness: h, rs: h.b.(store.RequestStore)})
		}})
	}
	return out
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
		{"CreateRequest/StoresEveryFieldWithVersionOneInUTCToTheMicrosecond", func(h *requestHarness) {
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
		{"CreateRequest/ExistingIDReturnsErrConflict", func(h *requestHarness) {
			h.create(newRequest(1, "42", 30))
			err := h.rs.CreateRequest(h.ctx, newRequest(1, "43", 30))
			if !errors.Is(err, store.ErrConflict) {
				h.t.Fatalf("CreateRequest must return store.ErrConflict for an existing ID, but it returned: %v", err)
			}
		}},
		{"Request/UnknownIDReturnsErrNotFound", func(h *requestHarness) {
			if _, err := h.rs.Request(h.ctx, requestID(7)); !errors.Is(err, store.ErrNotFound) {
				h.t.Fatalf("Request must return store.ErrNotFound for an unknown ID, but it returned: %v", err)
			}
		}},
		{"UpdateRequest/ReplacesTheRequestAndIncrementsVersion", func(h *requestHarness) {
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
		{"UpdateRequest/StaleVersionReturnsErrConflictAndChangesNothing", func(h *requestHarness) {
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
		{"UpdateRequest/UnknownIDReturnsErrNotFound", func(h *requestHarness) {
			r := newRequest(1, "42", 30)
			r.Version = 1
			if _, err := h.rs.UpdateRequest(h.ctx, r); !errors.Is(err, store.ErrNotFound) {
				h.t.Fatalf("UpdateRequest must return store.ErrNotFound for an unknown ID, but it returned: %v", err)
			}
		}},
		{"UpdateRequest/RefusesToChangeSubjectKindOrReceivedAt", func(h *requestHarness) {
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
		{"ListRequests/FiltersBySubjectStateOpennessAndDueOrderedByDueThenID", func(h *requestHarness) {
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
		{"Request/ReturnsCopies", func(h *requestHarness) {
			h.create(newRequest(1, "42", 30))
			got, _ := h.rs.Request(h.ctx, requestID(1))
			got.Body[0] = 'X'
			again, _ := h.rs.Request(h.ctx, requestID(1))
			if again.Body[0] == 'X' {
				h.t.Fatalf("changing a returned request's Body must not change the stored request")
			}
		}},
		{"AddObjection/StoresAndListObjectionsReturnsTheSubjectsByAtThenID", func(h *requestHarness) {
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
		{"AddObjection/ExistingIDReturnsErrConflict", func(h *requestHarness) {
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
		{"LiftObjection/KeepsTheFirstLiftAndUnknownIDReturnsErrNotFound", func(h *requestHarness) {
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
		{"Close/RequestCallsAfterCloseReturnErrClosed", func(h *requestHarness) {
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
