package dsar

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Request is a data subject's request to exercise a right of Art. 15–21
// GDPR, with its lifecycle and its deadline. Its zero value is not usable;
// create one with New. A Request is changed only through Transition and
// Extend, which enforce the lifecycle described on State and record every
// change in the history. It is not safe for concurrent use.
//
// A Request holds the subject's identifier as the application knows it;
// String, errors and the history never contain it.
type Request struct {
	id         uuid.UUID
	kind       Kind
	subject    string
	receivedAt time.Time
	state      State
	deadline   Deadline
	extension  *Extension
	history    []Transition
	loc        *time.Location
	cal        Calendar
	// version is the store's version of the request (store.Request), 0
	// for a request not loaded from a store.
	version int
	// pseudonymized is true when the store replaced subject by its keyed
	// pseudonym (store.Request.Pseudonymized).
	pseudonymized bool
}

// Transition is one entry of a request's history: the move from one state
// to another at a time, with the reason given (required for Refused and
// Extended, optional otherwise). The first entry has the zero From and To
// Received, at the time of receipt.
type Transition struct {
	From   State     `json:"from,omitempty"`
	To     State     `json:"to"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason,omitempty"`
}

// Extension records the extension of the period to respond under
// Art. 12(3) sentence 2 GDPR: by how many months, why, when the data
// subject was told (sentence 3 requires it within the first month, together
// with the reasons for the delay), and the resulting deadline.
type Extension struct {
	Months int       `json:"months"`
	Reason string    `json:"reason"`
	ToldAt time.Time `json:"told_at"`
	// Due is the deadline worked to: the earliest of Readings.
	Due Deadline `json:"due"`
	// Readings are the defensible ends of the extended period, each with
	// the rule that gives it (see ExtendedReadings); Due is the earliest.
	Readings []Reading `json:"readings,omitempty"`
	// Pending is true when the extension was noted while the requester's
	// identity was not yet established (Received or IdentityPending): the
	// period runs from receipt all the same, so it may have to be extended
	// before the verification ends.
	Pending bool `json:"pending,omitempty"`
}

func (e *Extension) clone() *Extension {
	c := *e
	c.Due = cloneDeadline(e.Due)
	c.Readings = cloneReadings(e.Readings)
	return &c
}

// Reasons for refusing a request, each citing the norm it rests on; pass
// one to Transition(Refused, ...) or write another that cites its norm.
// Art. 12(4) GDPR requires telling the data subject the reasons and the
// possibility of lodging a complaint and seeking a judicial remedy.
const (
	// ReasonManifestlyUnfounded refuses a manifestly unfounded request.
	ReasonManifestlyUnfounded = "Art. 12(5)(b) GDPR: the request is manifestly unfounded"
	// ReasonExcessive refuses an excessive, in particular repetitive, request.
	ReasonExcessive = "Art. 12(5)(b) GDPR: the request is excessive, in particular because of its repetitive character"
	// ReasonIdentityNotEstablished refuses a request whose requester could
	// not be identified, even after being asked for additional information.
	ReasonIdentityNotEstablished = "Art. 11(2), 12(2) and 12(6) GDPR: the identity of the requester could not be established"
)

// New returns a request of the given kind by the subject (the application's
// identifier of the data subject), received at receivedAt, in state
// Received, with its deadline computed by Due with opts. The error wraps
// ErrInvalid for an invalid kind or an empty subject, ErrTime for a zero
// receivedAt, and whatever opts.NewID or the deadline computation returns.
func New(kind Kind, subject string, receivedAt time.Time, opts *Options) (*Request, error) {
	if !kind.Valid() {
		return nil, fmt.Errorf("%w: kind %d is not one of access, rectification, erasure, restriction, portability, objection", ErrInvalid, uint8(kind))
	}
	if strings.TrimSpace(subject) == "" {
		return nil, fmt.Errorf("%w: the subject is empty", ErrInvalid)
	}
	dl, err := Due(receivedAt, opts)
	if err != nil {
		return nil, err
	}
	newID := uuid.NewV7
	if opts != nil && opts.NewID != nil {
		newID = opts.NewID
	}
	id, err := newID()
	if err != nil {
		return nil, fmt.Errorf("dsar: new request ID: %w", err)
	}
	if id.Version() != 7 {
		return nil, fmt.Errorf("%w: request ID %s is a version %d UUID, want version 7", ErrInvalid, id, id.Version())
	}
	return &Request{
		id:         id,
		kind:       kind,
		subject:    subject,
		receivedAt: receivedAt,
		state:      Received,
		deadline:   dl,
		history:    []Transition{{To: Received, At: receivedAt}},
		loc:        opts.location(),
		cal:        opts.rawCalendar(),
	}, nil
}

// ID returns the request's UUIDv7.
func (r *Request) ID() uuid.UUID { return r.id }

// Kind returns the right the request exercises.
func (r *Request) Kind() Kind { return r.kind }

// Subject returns the application's identifier of the data subject. It is
// personal data: never log it. For a Pseudonymized request it is the keyed
// pseudonym the identifier was replaced by.
func (r *Request) Subject() string { return r.subject }

// Pseudonymized reports whether the request names its subject only by the
// keyed pseudonym that the audit log uses: it was closed so long ago that
// the period to identify its subject ended (Service.ExpireRecords), and
// Subject returns that pseudonym, not the identifier.
func (r *Request) Pseudonymized() bool { return r.pseudonymized }

// ReceivedAt returns when the request was received.
func (r *Request) ReceivedAt() time.Time { return r.receivedAt }

// State returns the request's current state.
func (r *Request) State() State { return r.state }

// Deadline returns the deadline of Art. 12(3) sentence 1 GDPR, one month
// from receipt, whether or not the period was extended.
func (r *Request) Deadline() Deadline { return cloneDeadline(r.deadline) }

// Due returns the deadline in force: the extended one after Extend, the
// one-month deadline otherwise.
func (r *Request) Due() Deadline {
	if r.extension != nil {
		return cloneDeadline(r.extension.Due)
	}
	return cloneDeadline(r.deadline)
}

// Extension returns the request's extension and true, or the zero Extension
// and false when the period was not extended.
func (r *Request) Extension() (Extension, bool) {
	if r.extension == nil {
		return Extension{}, false
	}
	return *r.extension.clone(), true
}

// History returns a copy of the request's transitions, oldest first.
func (r *Request) History() []Transition { return slices.Clone(r.history) }

// ClosedAt returns when the request reached a final state (the time of
// its last transition), or the zero time while it is open. The periods for
// which frist keeps a closed request count from it.
func (r *Request) ClosedAt() time.Time {
	if !r.state.Final() || len(r.history) == 0 {
		return time.Time{}
	}
	return r.history[len(r.history)-1].At
}

// Late reports whether the request reached a final state at or after the
// end of the period in force, so that Art. 12(3) was not met.
func (r *Request) Late() bool {
	if !r.state.Final() {
		return false
	}
	return !r.history[len(r.history)-1].At.Before(r.Due().End)
}

// String describes the request by ID, kind and state, never by subject.
func (r *Request) String() string {
	return fmt.Sprintf("request %s (%s, %s)", r.id, r.kind, r.state)
}

// Transition moves the request to state to at time at, with a reason, and
// records the move in the history. It refuses, leaving the request
// unchanged, with an error that wraps
//   - ErrIllegalTransition when the lifecycle (see State) does not lead from
//     the current state to to: in particular Completed is reachable only
//     from Verified, InProgress or Extended, so nothing is disclosed or
//     changed before the requester is verified (Art. 12(6) GDPR), and no
//     transition leaves Completed or Refused; Extended is reached only
//     through Extend;
//   - ErrReasonRequired when to is Refused and the reason does not cite the
//     norm the refusal rests on (it must contain "Art." or "§", as the
//     Reason constants do; Art. 12(4) GDPR requires telling the reasons);
//   - ErrTime when at is zero or earlier than the last recorded transition.
//
// Errors name the request ID and the states, never the subject or the
// reason's text.
func (r *Request) Transition(to State, at time.Time, reason string) error {
	if err := r.checkMove(to, at); err != nil {
		return err
	}
	if to == Extended {
		return fmt.Errorf("%w: %s: use Extend to extend the period, which checks Art. 12(3) sentences 2 and 3", ErrIllegalTransition, r)
	}
	reason = strings.TrimSpace(reason)
	if to == Refused && !citesNorm(reason) {
		return fmt.Errorf("%w: %s: a refusal needs a reason that cites its norm, such as Art. 12(5)(b) or Art. 12(6) GDPR (Art. 12(4))", ErrReasonRequired, r)
	}
	r.record(to, at, reason)
	return nil
}

// Extend extends the period to respond by months further months (1 or 2)
// for the given reason, the data subject having been told of the extension
// and its reasons at toldAt, as Art. 12(3) sentences 2 and 3 GDPR require.
// The new deadline is the earliest of ExtendedReadings of the original one,
// which the Extension keeps with every reading.
//
// A Verified or InProgress request moves to Extended. A request whose
// requester is not verified yet (Received, IdentityPending) keeps its
// state: the period runs from receipt whether or not the identity is
// established, so the controller may have to extend it while it waits for
// additional information (Art. 12(6)); the history records the extension
// as an entry that leaves the state as it is, and nothing may be disclosed
// until the request is Verified.
//
// Extend refuses, leaving the request unchanged, with an error that wraps
//   - ErrIllegalTransition when the request is final;
//   - ErrExtension when it was already extended, when months is not 1 or 2,
//     or when toldAt is not before the end of the first month (the
//     one-month deadline of Deadline);
//   - ErrReasonRequired when the reason is empty;
//   - ErrTime when toldAt is zero or earlier than the last transition.
func (r *Request) Extend(months int, reason string, toldAt time.Time) error {
	if r.extension != nil {
		return fmt.Errorf("%w: %s was already extended by %d months; Art. 12(3) allows two further months at most", ErrExtension, r, r.extension.Months)
	}
	pending := r.state == Received || r.state == IdentityPending
	to := Extended
	if pending {
		to = r.state
	}
	if err := r.checkExtend(to, toldAt); err != nil {
		return err
	}
	if months < 1 || months > MaxExtension {
		return fmt.Errorf("%w: %s: %d months requested; Art. 12(3) allows 1 or 2 further months", ErrExtension, r, months)
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return fmt.Errorf("%w: %s: an extension needs its reasons, which the data subject must be told (Art. 12(3) sentence 3)", ErrReasonRequired, r)
	}
	if !toldAt.Before(r.deadline.End) {
		return fmt.Errorf("%w: %s: the data subject was told at %s, not within one month of receipt, which ended at %s (Art. 12(3) sentence 3)",
			ErrExtension, r, toldAt.In(r.loc).Format(time.RFC3339), r.deadline.End.Format(time.RFC3339))
	}
	readings, earliest, err := ExtendedReadings(r.deadline, months, &Options{Location: r.loc, Calendar: r.cal})
	if err != nil {
		return err
	}
	r.extension = &Extension{Months: months, Reason: reason, ToldAt: toldAt, Due: cloneDeadline(readings[earliest].Due), Readings: readings, Pending: pending}
	r.record(to, toldAt, reason)
	return nil
}

// checkExtend checks that the lifecycle allows an extension that moves the
// request to to (Extended, or its own state while it is not verified).
func (r *Request) checkExtend(to State, at time.Time) error {
	if to != Extended {
		if r.state.Final() {
			return fmt.Errorf("%w: %s is final; it cannot be extended", ErrIllegalTransition, r)
		}
		return r.checkTime(to, at)
	}
	return r.checkMove(Extended, at)
}

// checkMove checks that the lifecycle allows moving to to at time at.
func (r *Request) checkMove(to State, at time.Time) error {
	if r.state.Final() {
		return fmt.Errorf("%w: %s is final; it cannot move to %s", ErrIllegalTransition, r, to)
	}
	if !r.state.CanMoveTo(to) {
		why := ""
		if to.Verified() && !r.state.Verified() {
			why = "; the requester's identity must be verified first, nothing is disclosed or changed before (Art. 12(6) GDPR)"
		}
		return fmt.Errorf("%w: %s cannot move to %s (allowed: %s)%s", ErrIllegalTransition, r, to, allowed(r.state), why)
	}
	return r.checkTime(to, at)
}

// checkTime checks that a move to to at time at is not earlier than the
// last recorded change.
func (r *Request) checkTime(to State, at time.Time) error {
	if at.IsZero() {
		return fmt.Errorf("%w: %s: the time of the move to %s is missing", ErrTime, r, to)
	}
	if last := r.history[len(r.history)-1].At; at.Before(last) {
		return fmt.Errorf("%w: %s: the move to %s at %s is earlier than the last recorded change at %s",
			ErrTime, r, to, at.In(r.loc).Format(time.RFC3339), last.In(r.loc).Format(time.RFC3339))
	}
	return nil
}

func (r *Request) record(to State, at time.Time, reason string) {
	r.history = append(r.history, Transition{From: r.state, To: to, At: at, Reason: reason})
	r.state = to
}

// allowed lists the states reachable from s, for error messages.
func allowed(s State) string {
	var names []string
	for _, n := range next[s] {
		names = append(names, n.String())
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// citesNorm reports whether a reason names the norm it rests on.
func citesNorm(reason string) bool {
	return strings.Contains(reason, "Art.") ||
		strings.Contains(reason, "Artikel") || strings.Contains(reason, "§")
}
