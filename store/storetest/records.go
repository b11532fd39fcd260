package storetest

import (
	"slices"
	"time"

	"github.com/frist-go/frist/store"
)

// This file holds the contracts of the operations that keep frist's own
// records only as long as the declaration says:
// store.ConsentStore.ExpireConsents, store.RequestStore.PseudonymizeRequests
// and ExpireRequests. Each guarantee was seen failing against a broken
// memstore; the comment of each contract says how it was broken.

// endEvent returns a complete event number n of subject for purpose at t
// of kind (a withdrawal or refusal), without a reference.
func endEvent(n int, subject, purpose string, kind store.ConsentKind, t time.Time) store.ConsentEvent {
	ev := grantEvent(n, subject, purpose, t)
	ev.Kind, ev.Reference = kind, ""
	return ev
}

// expire calls ExpireConsents, which must succeed.
func (h *consentHarness) expire(endedBefore time.Time) int {
	h.t.Helper()
	n, err := h.c.ExpireConsents(h.ctx, endedBefore)
	if err != nil {
		h.t.Fatalf("ExpireConsents(%s) must succeed, but it returned: %v", endedBefore.Format(time.RFC3339Nano), err)
	}
	return n
}

func consentExpiryContracts() []consentContract {
	return []consentContract{
		// Broken by: deleting only the ending event, not the grants before it.
		{"ExpireConsents/DeletesEveryEventOfAConsentThatEndedBeforeTheCutoff", func(h *consentHarness) {
			h.appendOK(grantEvent(1, "1001", "booking", T0), endEvent(2, "1001", "booking", store.ConsentWithdrawn, T0.Add(time.Hour)),
				endEvent(3, "1002", "newsletter", store.ConsentRefused, T0.Add(time.Minute)))
			if n := h.expire(T0.Add(2 * time.Hour)); n != 3 {
				h.t.Errorf("ExpireConsents must return the number of events it deleted (3: a grant and its withdrawal, and a refusal), but it returned %d", n)
			}
			if evs := h.events("1001", ""); len(evs) != 0 {
				h.t.Errorf("after ExpireConsents, no event of a withdrawn consent may remain, but %v did", ids(evs))
			}
			if evs := h.events("1002", ""); len(evs) != 0 {
				h.t.Errorf("after ExpireConsents, a refusal before the cutoff may not remain, but %v did", ids(evs))
			}
		}},
		// Broken by: deleting every pair with a withdrawal before the cutoff,
		// whatever followed it.
		{"ExpireConsents/NeverTouchesAConsentWhoseLatestEventIsAGrant", func(h *consentHarness) {
			h.appendOK(grantEvent(1, "1001", "booking", T0), endEvent(2, "1001", "booking", store.ConsentWithdrawn, T0.Add(time.Hour)),
				grantEvent(3, "1001", "booking", T0.Add(2*time.Hour)), grantEvent(4, "1003", "booking", T0))
			if n := h.expire(T0.Add(1000 * 24 * time.Hour)); n != 0 {
				h.t.Errorf("ExpireConsents must delete nothing of a consent in force, but it returned %d", n)
			}
			if evs := h.events("1001", "booking"); len(evs) != 3 {
				h.t.Errorf("a consent granted again after a withdrawal keeps its whole history, but %v remain", ids(evs))
			}
			if evs := h.events("1003", "booking"); len(evs) != 1 {
				h.t.Errorf("a consent granted once and never withdrawn is kept, but %v remain", ids(evs))
			}
		}},
		// A refusal is a grant that was refused (store.ConsentRefused); it
		// ends no consent, so a grant followed by a refusal is a consent
		// still in force, whose proof is needed.
		// Broken by: the rule "the latest event is a withdrawal or a
		// refusal", which deleted the history of 1001 here.
		{"ExpireConsents/NeverTouchesAConsentStillInForceAfterARefusal", func(h *consentHarness) {
			h.appendOK(grantEvent(1, "1001", "booking", T0), endEvent(2, "1001", "booking", store.ConsentRefused, T0.Add(time.Hour)),
				grantEvent(3, "1004", "booking", T0), endEvent(4, "1004", "booking", store.ConsentWithdrawn, T0.Add(time.Hour)),
				endEvent(5, "1004", "booking", store.ConsentRefused, T0.Add(2*time.Hour)))
			if n := h.expire(T0.Add(1000 * 24 * time.Hour)); n != 3 {
				h.t.Errorf("ExpireConsents must delete the 3 events of the withdrawn consent and keep the 2 of the one in force, but it deleted %d", n)
			}
			if evs := h.events("1001", "booking"); len(evs) != 2 {
				h.t.Errorf("a grant followed by a refused grant is a consent in force and keeps its history, but %v remain", ids(evs))
			}
			if evs := h.events("1004", "booking"); len(evs) != 0 {
				h.t.Errorf("a withdrawn consent followed by a refused grant ended at the withdrawal and is expired, but %v remain", ids(evs))
			}
		}},
		// Broken by: comparing At <= endedBefore, and (SQL) by rounding the
		// cutoff down to the microsecond the columns keep.
		{"ExpireConsents/KeepsAConsentThatEndedAtExactlyTheCutoff", func(h *consentHarness) {
			end := T0.Add(time.Hour + 7*time.Microsecond)
			h.appendOK(grantEvent(1, "1001", "booking", T0), endEvent(2, "1001", "booking", store.ConsentWithdrawn, end))
			if n := h.expire(end); n != 0 || len(h.events("1001", "booking")) != 2 {
				h.t.Fatalf("ExpireConsents must keep a consent that ended at exactly the cutoff, but it deleted %d events", n)
			}
			if n := h.expire(end.Add(time.Nanosecond)); n != 2 {
				h.t.Fatalf("ExpireConsents must delete a consent that ended a nanosecond before the cutoff, but it deleted %d events", n)
			}
		}},
		// Broken by: deciding by the latest event of the subject over every
		// purpose, and (separately) by the event with the lowest ID among
		// those at the latest At.
		{"ExpireConsents/DecidesByTheLatestEventOfEachSubjectAndPurpose", func(h *consentHarness) {
			h.appendOK(grantEvent(1, "1001", "booking", T0), endEvent(2, "1001", "booking", store.ConsentWithdrawn, T0.Add(time.Hour)),
				grantEvent(3, "1001", "newsletter", T0),
				// at the same At, the event with the greater ID is the latest
				endEvent(4, "1004", "booking", store.ConsentWithdrawn, T0), grantEvent(5, "1004", "booking", T0),
				grantEvent(6, "1005", "booking", T0), endEvent(7, "1005", "booking", store.ConsentWithdrawn, T0))
			if n := h.expire(T0.Add(2 * time.Hour)); n != 4 {
				h.t.Errorf("ExpireConsents must delete the 4 events of the two consents that ended, but it deleted %d", n)
			}
			if evs := h.events("1001", ""); !slices.Equal(ids(evs), []string{consentID(3)}) {
				h.t.Errorf("the consent for another purpose, still granted, must remain alone, but %v remain", ids(evs))
			}
			if evs := h.events("1004", ""); len(evs) != 2 {
				h.t.Errorf("a grant at the same time as a withdrawal but with a greater ID is the latest event and keeps the pair, but %v remain", ids(evs))
			}
			if evs := h.events("1005", ""); len(evs) != 0 {
				h.t.Errorf("a withdrawal at the same time as a grant but with a greater ID ends the consent, but %v remain", ids(evs))
			}
		}},
		// Broken by: skipping subjects marked Erased.
		{"ExpireConsents/ExpiresTheEventsOfAnErasedSubjectLikeAnyOther", func(h *consentHarness) {
			h.appendOK(grantEvent(1, "1001", "booking", T0), endEvent(2, "1001", "booking", store.ConsentWithdrawn, T0.Add(time.Hour)))
			if _, err := h.c.EraseConsentSubject(h.ctx, "1001", pseudonym("1001")); err != nil {
				h.t.Fatalf("storetest: setup: EraseConsentSubject: %v", err)
			}
			if n := h.expire(T0.Add(2 * time.Hour)); n != 2 || len(h.events(pseudonym("1001"), "")) != 0 {
				h.t.Fatalf("ExpireConsents must delete the events of an erased subject whose consent ended, but it deleted %d", n)
			}
		}},
	}
}

// closedRequest returns request n of subject, final and closed at closed.
func closedRequest(n int, subject string, closed time.Time) store.Request {
	r := newRequest(n, subject, 30)
	r.State, r.Final, r.ClosedAt = "completed", true, closed
	return r
}

func (h *requestHarness) pseudonymize(closedBefore time.Time) int {
	h.t.Helper()
	n, err := h.rs.PseudonymizeRequests(h.ctx, closedBefore, pseudonym)
	if err != nil {
		h.t.Fatalf("PseudonymizeRequests(%s) must succeed, but it returned: %v", closedBefore.Format(time.RFC3339Nano), err)
	}
	return n
}

func (h *requestHarness) expire(closedBefore time.Time) int {
	h.t.Helper()
	n, err := h.rs.ExpireRequests(h.ctx, closedBefore)
	if err != nil {
		h.t.Fatalf("ExpireRequests(%s) must succeed, but it returned: %v", closedBefore.Format(time.RFC3339Nano), err)
	}
	return n
}

func (h *requestHarness) get(id string) store.Request {
	h.t.Helper()
	r, err := h.rs.Request(h.ctx, id)
	if err != nil {
		h.t.Fatalf("Request(%s) must succeed, but it returned: %v", id, err)
	}
	return r
}

func (h *requestHarness) objection(n int, subject string, lifted time.Time) store.Objection {
	h.t.Helper()
	o := store.Objection{ID: requestID(100 + n), Subject: subject, Purpose: "marketing", At: T0}
	if err := h.rs.AddObjection(h.ctx, o); err != nil {
		h.t.Fatalf("storetest: setup: AddObjection: %v", err)
	}
	if !lifted.IsZero() {
		if err := h.rs.LiftObjection(h.ctx, o.ID, lifted, "Art. 21(1) Satz 2 DSGVO"); err != nil {
			h.t.Fatalf("storetest: setup: LiftObjection: %v", err)
		}
	}
	return o
}

func requestRecordContracts() []requestContract {
	closed := T0.Add(time.Hour + 3*time.Microsecond)
	return []requestContract{
		// Broken by: not storing ClosedAt, and (separately) storing the
		// Pseudonymized flag a caller passes.
		{"CreateRequest/KeepsClosedAtAndNeverTakesPseudonymizedFromTheCaller", func(h *requestHarness) {
			r := closedRequest(1, "42", closed.In(time.FixedZone("CET", 3600)).Add(500*time.Nanosecond))
			r.Pseudonymized = true
			h.create(r, newRequest(2, "42", 30))
			got := h.get(r.ID)
			if !got.ClosedAt.Equal(closed) || got.ClosedAt.Location() != time.UTC {
				h.t.Errorf("Request must return ClosedAt as created, in UTC to the microsecond: got %s, want %s", got.ClosedAt, closed)
			}
			if got.Pseudonymized {
				h.t.Errorf("CreateRequest must ignore Pseudonymized; only PseudonymizeRequests sets it")
			}
			if open := h.get(requestID(2)); !open.ClosedAt.IsZero() {
				h.t.Errorf("an open request has no ClosedAt, but Request returned %s", open.ClosedAt)
			}
		}},
		// Broken by: UpdateRequest not writing closed_at.
		{"UpdateRequest/SetsClosedAt", func(h *requestHarness) {
			r := newRequest(1, "42", 30)
			h.create(r)
			r.Version, r.State, r.Final, r.ClosedAt = 1, "completed", true, closed
			if _, err := h.rs.UpdateRequest(h.ctx, r); err != nil {
				h.t.Fatalf("storetest: setup: UpdateRequest: %v", err)
			}
			if got := h.get(r.ID); !got.ClosedAt.Equal(closed) {
				h.t.Errorf("after UpdateRequest, Request must return the new ClosedAt %s, but it returned %s", closed, got.ClosedAt)
			}
		}},
		// Broken by: replacing the subject but leaving ListRequests' index (in
		// memstore: updating a copy instead of the stored request).
		{"PseudonymizeRequests/ReplacesTheSubjectOfARequestClosedBeforeTheCutoff", func(h *requestHarness) {
			r := closedRequest(1, "citizen-4711", closed)
			h.create(r)
			if n := h.pseudonymize(closed.Add(time.Microsecond)); n != 1 {
				h.t.Errorf("PseudonymizeRequests must return the number of requests it changed (1), but it returned %d", n)
			}
			got := h.get(r.ID)
			if got.Subject != pseudonym("citizen-4711") || !got.Pseudonymized {
				h.t.Errorf("a request closed before the cutoff must have its subject's pseudonym and be Pseudonymized, but it has subject %q, Pseudonymized %v", got.Subject, got.Pseudonymized)
			}
			if string(got.Body) != string(r.Body) || got.Kind != r.Kind || !got.ClosedAt.Equal(closed) || got.Version != 1 {
				h.t.Errorf("PseudonymizeRequests must change only the subject, but the request is now %+v", got)
			}
			if ids := h.list(store.RequestFilter{Subject: "citizen-4711"}); len(ids) != 0 {
				h.t.Errorf("after PseudonymizeRequests, no request may be found under the old subject, but %v were", ids)
			}
			if ids := h.list(store.RequestFilter{Subject: pseudonym("citizen-4711")}); !slices.Equal(ids, []string{r.ID}) {
				h.t.Errorf("after PseudonymizeRequests, the request must be found under the pseudonym, but ListRequests returned %v", ids)
			}
		}},
		// Broken by: comparing ClosedAt <= closedBefore, (separately) by
		// not checking Final, and (SQL) by rounding the cutoff down to the
		// microsecond.
		{"PseudonymizeRequests/LeavesOpenRequestsAndThoseClosedAtTheCutoff", func(h *requestHarness) {
			h.create(closedRequest(1, "citizen-4711", closed), newRequest(2, "citizen-4711", 30))
			if n := h.pseudonymize(closed); n != 0 {
				h.t.Errorf("PseudonymizeRequests must change no request closed at exactly the cutoff and no open one, but it changed %d", n)
			}
			for _, id := range []string{requestID(1), requestID(2)} {
				if got := h.get(id); got.Subject != "citizen-4711" || got.Pseudonymized {
					h.t.Errorf("request %s must keep its subject, but it has %q", id, got.Subject)
				}
			}
			if n := h.pseudonymize(closed.Add(time.Nanosecond)); n != 1 {
				h.t.Errorf("PseudonymizeRequests must change a request closed a nanosecond before the cutoff, but it changed %d", n)
			}
		}},
		// Broken by: not checking Pseudonymized, so the pseudonym was
		// pseudonymized again.
		{"PseudonymizeRequests/ChangesNothingTwice", func(h *requestHarness) {
			h.create(closedRequest(1, "citizen-4711", closed))
			h.pseudonymize(closed.Add(time.Hour))
			if n := h.pseudonymize(closed.Add(2 * time.Hour)); n != 0 {
				h.t.Errorf("a second PseudonymizeRequests must change nothing, but it changed %d", n)
			}
			if got := h.get(requestID(1)); got.Subject != pseudonym("citizen-4711") {
				h.t.Errorf("a pseudonymized request keeps its subject's pseudonym, not a pseudonym of it: got %q", got.Subject)
			}
		}},
		// Broken by: pseudonymizing the subject's objections too.
		{"PseudonymizeRequests/LeavesObjectionsAlone", func(h *requestHarness) {
			h.create(closedRequest(1, "citizen-4711", closed))
			h.objection(1, "citizen-4711", closed)
			h.pseudonymize(closed.Add(time.Hour))
			if os, err := h.rs.ListObjections(h.ctx, "citizen-4711"); err != nil || len(os) != 1 {
				h.t.Errorf("PseudonymizeRequests must leave objections as they are, but ListObjections returned %v, %v", os, err)
			}
		}},
		// Broken by: not deleting lifted objections.
		{"ExpireRequests/DeletesClosedRequestsAndLiftedObjectionsBeforeTheCutoff", func(h *requestHarness) {
			h.create(closedRequest(1, "42", closed), closedRequest(2, "43", closed))
			h.objection(1, "42", closed)
			if _, err := h.rs.PseudonymizeRequests(h.ctx, closed.Add(time.Microsecond), pseudonym); err != nil {
				h.t.Fatalf("storetest: setup: PseudonymizeRequests: %v", err)
			}
			if n := h.expire(closed.Add(time.Microsecond)); n != 3 {
				h.t.Errorf("ExpireRequests must return the number of requests and objections it deleted (3), but it returned %d", n)
			}
			for _, id := range []string{requestID(1), requestID(2)} {
				if _, err := h.rs.Request(h.ctx, id); err == nil {
					h.t.Errorf("request %s, closed before the cutoff, must be gone", id)
				}
			}
			if os, _ := h.rs.ListObjections(h.ctx, "42"); len(os) != 0 {
				h.t.Errorf("an objection lifted before the cutoff must be gone, but %d remain", len(os))
			}
		}},
		// Broken by: comparing <= the cutoff, (separately) deleting
		// objections whatever their LiftedAt (active ones included), and
		// (SQL) by rounding the cutoff down to the microsecond.
		{"ExpireRequests/KeepsOpenRequestsObjectionsInForceAndThoseClosedAtTheCutoff", func(h *requestHarness) {
			h.create(closedRequest(1, "42", closed), newRequest(2, "42", 30))
			h.objection(1, "42", closed)
			h.objection(2, "42", time.Time{})
			if n := h.expire(closed); n != 0 {
				h.t.Errorf("ExpireRequests must delete nothing closed or lifted at exactly the cutoff, nothing open and no objection in force, but it deleted %d", n)
			}
			if n := h.expire(closed.Add(time.Nanosecond)); n != 2 {
				h.t.Errorf("ExpireRequests must delete the request closed and the objection lifted a nanosecond before the cutoff, but it deleted %d", n)
			}
			if ids := h.list(store.RequestFilter{}); !slices.Equal(ids, []string{requestID(2)}) {
				h.t.Errorf("an open request is never deleted, but the requests left are %v", ids)
			}
			if os, _ := h.rs.ListObjections(h.ctx, "42"); len(os) != 1 || os[0].ID != requestID(102) {
				h.t.Errorf("an objection in force is never deleted, but %v remain", os)
			}
		}},
	}
}
