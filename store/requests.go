package store

import (
	"context"
	"time"
)

// Request is a data-subject request (Art. 15–21 GDPR) as a backend stores
// it. The backend does not know the request lifecycle: Body is the request
// as package dsar encodes it (dsar.Record in JSON), opaque to the backend,
// and the other fields are copies of parts of it that a backend indexes so
// that requests can be found by subject, state and deadline.
type Request struct {
	// ID is a UUIDv7 assigned by the caller.
	ID string
	// Subject is the application's identifier of the data subject. It is
	// personal data.
	Subject string
	// Kind is the right exercised ("access", "erasure", ...).
	Kind string
	// State is the lifecycle state ("received", "completed", ...).
	State string
	// Final is true when State is one from which no transition leads
	// (completed, refused): such a request is no longer open.
	Final bool
	// ReceivedAt is when the request was received.
	ReceivedAt time.Time
	// Due is the end of the period to respond that is in force
	// (Art. 12(3)).
	Due time.Time
	// ClosedAt is when the request became Final; it is zero while the
	// request is open. The caller sets it (the store keeps it as given):
	// the periods of frist's own records count from it.
	ClosedAt time.Time
	// Pseudonymized is true once PseudonymizeRequests replaced Subject by
	// its keyed pseudonym. Only the store sets it; CreateRequest and
	// UpdateRequest ignore the value they are given.
	Pseudonymized bool
	// Version counts the saves of the request, starting at 1 when it is
	// created; UpdateRequest increments it. It detects lost updates.
	Version int
	// Body is the caller's encoding of the whole request. It must not
	// contain Subject: PseudonymizeRequests replaces the Subject column
	// only, and cannot see into Body.
	Body []byte
}

// RequestFilter selects requests. All its conditions must hold.
type RequestFilter struct {
	// Subject, when non-empty, selects the requests of this subject only.
	Subject string
	// States, when non-empty, selects requests in one of these states.
	States []string
	// OpenOnly selects requests that are not Final.
	OpenOnly bool
	// DueBefore, when non-zero, selects requests whose Due is not later
	// than DueBefore.
	DueBefore time.Time
	// Limit bounds the number of requests returned; 0 means no limit.
	Limit int
}

// Objection records that a data subject objected to processing for a
// purpose (Art. 21 GDPR).
type Objection struct {
	// ID is a UUIDv7 assigned by the caller.
	ID string
	// Subject is the application's identifier of the data subject.
	Subject string
	// Purpose is the ID of the declared purpose objected to.
	Purpose string
	// At is when the objection took effect.
	At time.Time
	// Request is the ID of the data-subject request that raised it, if any.
	Request string
	// LiftedAt, when non-zero, is when the objection stopped applying
	// (the controller demonstrated compelling legitimate grounds under
	// Art. 21(1) sentence 2, or the subject withdrew the objection).
	LiftedAt time.Time
	// LiftReason cites why it was lifted; it holds no personal data.
	LiftReason string
}

// Active reports whether o applies at t: it took effect at or before t
// and was not lifted at or before t.
func (o Objection) Active(t time.Time) bool {
	if t.Before(o.At) {
		return false
	}
	return o.LiftedAt.IsZero() || t.Before(o.LiftedAt)
}

// RequestStore stores data-subject requests (Art. 15–21 GDPR) and Art. 21
// objections (tier 2 of the package documentation). dsar.NewService takes
// it, so a backend without it cannot back a dsar.Service: that is a
// compile error, not a failure at run time.
//
// Times are kept to the microsecond, the precision SQL timestamps keep,
// and returned in UTC. Returned requests and objections are copies:
// changing them changes nothing stored. After Close every method returns
// ErrClosed.
type RequestStore interface {
	// CreateRequest stores r with Version 1 (whatever r.Version says). It
	// returns ErrConflict when a request with r.ID exists. r has an ID,
	// Subject, Kind, State, ReceivedAt, Due and Body, here and in
	// UpdateRequest: the caller checks it (see the package documentation).
	CreateRequest(ctx context.Context, r Request) error
	// UpdateRequest replaces the stored request with r.ID by r, provided
	// the stored Version equals r.Version; the stored Version becomes
	// r.Version+1, which it returns. It returns ErrNotFound for an unknown
	// ID and ErrConflict, changing nothing, when the stored Version differs
	// (another writer saved the request in between). Subject, Kind and
	// ReceivedAt never change: an update that changes them is refused
	// with an error and changes nothing.
	UpdateRequest(ctx context.Context, r Request) (int, error)
	// Request returns the request with id, or ErrNotFound.
	Request(ctx context.Context, id string) (Request, error)
	// ListRequests returns the requests that match f, ordered by Due, then
	// ID. It returns no requests, not an error, when none match.
	ListRequests(ctx context.Context, f RequestFilter) ([]Request, error)

	// AddObjection stores o. It returns ErrConflict when an objection with
	// o.ID exists. o has an ID, Subject, Purpose and At and is not lifted:
	// the caller checks it.
	AddObjection(ctx context.Context, o Objection) error
	// LiftObjection sets LiftedAt and LiftReason of the objection with id.
	// It returns ErrNotFound for an unknown id; lifting twice keeps the
	// first time and reason.
	LiftObjection(ctx context.Context, id string, at time.Time, reason string) error
	// ListObjections returns the objections of subject (lifted or not),
	// ordered by At, then ID; none, not an error, for an unknown subject.
	ListObjections(ctx context.Context, subject string) ([]Objection, error)

	// PseudonymizeRequests replaces the Subject of every Final request
	// whose ClosedAt is before closedBefore and that is not yet
	// Pseudonymized by pseudonym(Subject), marks it Pseudonymized, and
	// returns how many requests it changed. Afterwards the old subject
	// appears nowhere in what the store keeps of those requests, and they
	// are found by ListRequests under the pseudonym (the controller
	// recomputes it from the identifier a person gives). A request closed
	// at exactly closedBefore, an open request and an objection are never
	// touched. It may change the requests of one subject at a time, so an
	// error can leave some changed; calling it again finishes the rest and
	// changes nothing twice. closedBefore is not zero and pseudonym
	// returns a keyed pseudonym, never its argument or "": the caller
	// checks them. pseudonym must not call the store.
	PseudonymizeRequests(ctx context.Context, closedBefore time.Time, pseudonym func(subject string) string) (int, error)
	// ExpireRequests deletes every Final request whose ClosedAt is before
	// closedBefore and every lifted objection whose LiftedAt is before
	// closedBefore, in one atomic step, and returns how many requests and
	// objections it deleted together. Open requests, objections in force
	// (not lifted), and those closed or lifted at exactly closedBefore are
	// kept. closedBefore is not zero: the caller checks it.
	ExpireRequests(ctx context.Context, closedBefore time.Time) (int, error)
}
