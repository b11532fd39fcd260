package dsar

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/consent"
	"github.com/frist-go/frist/internal/storecheck"
	"github.com/frist-go/frist/notify"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
)

// Identity verifies that a requester is the data subject the request names.
// The application implements it with what it knows of its users (a login,
// a letter to the postal address on file, an ID card shown at the counter).
// Art. 12(6) GDPR lets the controller ask for additional information when
// it has reasonable doubts; Art. 11(2) and 12(2) let it refuse when it
// cannot identify the subject.
type Identity interface {
	// Verify reports whether the identity of the requester of req is
	// established. false means "not yet": the request waits in
	// IdentityPending for additional information. An error means the check
	// could not be made; the request is left unchanged.
	Verify(ctx context.Context, req *Request) (bool, error)
}

// IdentityFunc adapts a function to Identity.
type IdentityFunc func(ctx context.Context, req *Request) (bool, error)

// Verify implements Identity.
func (f IdentityFunc) Verify(ctx context.Context, req *Request) (bool, error) { return f(ctx, req) }

// ServiceOptions configure a Service. Identity and AuditKey are required.
type ServiceOptions struct {
	// Now is the service's clock; nil means the engine's (Engine.Now).
	Now func() time.Time
	// Identity verifies requesters. Required: without it nothing could
	// ever be disclosed (Art. 12(6)).
	Identity Identity
	// Calendar names the public holidays at the controller's seat. Nil
	// means Germany with the Land of the declaration's controller.holidays
	// (nationwide holidays only when it names none).
	Calendar Calendar
	// AuditKey computes the keyed pseudonyms by which audit entries name
	// the subject. Use the engine's AuditKey, so that every entry about a
	// subject carries the same pseudonym. Required.
	AuditKey *anonymize.KeyRing
	// Within is how long before its deadline an open request counts as at
	// risk in Service.Overdue. Default: seven days.
	Within time.Duration
	// Notifier tells the recipients of a dataset of an erasure,
	// rectification or restriction (Art. 19). Default: the engine's
	// (retention.Options.Notifier), so that one Notifier tells of every
	// change, whether a request or a rule made it. When neither is set,
	// every such recipient is recorded, in the receipt and the audit log,
	// as one the controller must tell by other means. A notification the
	// engine's Notifier could not deliver is tried again by the engine's
	// sweeps (retention.RetryTellingFor); one a Notifier of the service's
	// own could not deliver is not, since the sweeps tell through the
	// engine's.
	Notifier notify.Notifier
}

// Service runs data-subject requests (Art. 15–21 GDPR) end to end against
// the datasets of one declaration on one store: it keeps the requests in
// the store (store.RequestStore), verifies requesters through Identity, and
// answers each kind of request: Access, Portability, Erase, Rectify,
// Restrict and Object. Nothing is disclosed or changed for a request whose
// requester is not verified (Art. 12(6)). Create it with NewService; it is
// safe for concurrent use.
type Service struct {
	decl     *policy.Declaration
	st       store.Driver
	rs       store.RequestStore
	eng      *retention.Engine
	ledger   *consent.Ledger
	now      func() time.Time
	identity Identity
	opts     *Options
	auditKey *anonymize.KeyRing
	within   time.Duration
	policy   string
	notifier notify.Notifier
	// retries is true when notifier is the engine's, whose sweeps try a
	// failed notification again (retention.Engine.TellLater).
	retries bool
	// mu serialises load-change-save of one request in this process; the
	// store's version check catches writers in other processes.
	mu sync.Mutex
}

// NewService returns the Service of the declaration eng enforces, on the
// records of eng's store (retention.Engine.Store), keeping requests and
// objections in rs; rs is usually that same store, and a backend that
// cannot keep them does not compile as a store.RequestStore. ledger may be
// nil when the declaration has no purpose resting on consent; the access
// report then says that no consent ledger is kept, and the subject's
// consent events are read through it otherwise. opts.Identity and
// opts.AuditKey are required.
func NewService(eng *retention.Engine, rs store.RequestStore, ledger *consent.Ledger, opts *ServiceOptions) (*Service, error) {
	switch {
	case eng == nil:
		return nil, fmt.Errorf("%w: the retention engine is nil; erasure and restriction act through it", ErrInvalid)
	case rs == nil:
		return nil, fmt.Errorf("%w: the request store is nil", ErrInvalid)
	case opts == nil || opts.Identity == nil:
		return nil, fmt.Errorf("%w: ServiceOptions.Identity is required; nothing may be disclosed to an unverified requester (Art. 12(6))", ErrInvalid)
	case opts.AuditKey == nil:
		return nil, fmt.Errorf("%w: ServiceOptions.AuditKey is required to pseudonymise subjects in the audit log", ErrInvalid)
	}
	decl := eng.Declaration()
	if ledger == nil {
		for i := range decl.Purposes {
			if decl.Purposes[i].HasBasis(policy.Consent) {
				return nil, fmt.Errorf("%w: purpose %s rests on consent, so the access report needs the consent ledger (Art. 7(1), 15(1))", ErrInvalid, decl.Purposes[i].ID)
			}
		}
	}
	cal := opts.Calendar
	if cal == nil {
		var err error
		if cal, err = Germany(Land(decl.Controller.Holidays)); err != nil {
			return nil, fmt.Errorf("dsar: controller.holidays: %w", err)
		}
	}
	s := &Service{
		decl: decl, st: eng.Store(), rs: rs, eng: eng, ledger: ledger,
		now: opts.Now, identity: opts.Identity, auditKey: opts.AuditKey,
		opts:   &Options{Location: decl.Location(), Calendar: cal},
		within: opts.Within, policy: decl.Hash(), notifier: opts.Notifier,
	}
	if s.now == nil {
		s.now = eng.Now
	}
	if s.notifier == nil {
		s.notifier, s.retries = eng.Notifier(), true
	}
	if s.within <= 0 {
		s.within = 7 * 24 * time.Hour
	}
	// Requests are kept as the declaration's records block says, and no
	// longer: every sweep pseudonymizes and deletes what is due
	// (ExpireRecords).
	eng.Keep(s)
	return s, nil
}

// clock returns the service's time to the microsecond that stores keep.
func (s *Service) clock() time.Time { return s.now().Truncate(time.Microsecond) }

// Open records a request of kind by subject received at receivedAt (zero
// means now) and returns it in state Received with its deadline under
// Art. 12(3): one month, computed in the controller's time zone with its
// public holidays. The opening is audited under the subject's pseudonym.
func (s *Service) Open(ctx context.Context, kind Kind, subject string, receivedAt time.Time) (*Request, error) {
	now := s.clock()
	if receivedAt.IsZero() {
		receivedAt = now
	}
	receivedAt = receivedAt.Truncate(time.Microsecond)
	if receivedAt.After(now) {
		return nil, fmt.Errorf("%w: a request cannot be received in the future (%s, now %s)", ErrTime, receivedAt.Format(time.RFC3339), now.Format(time.RFC3339))
	}
	r, err := New(kind, subject, receivedAt, s.opts)
	if err != nil {
		return nil, err
	}
	sr, err := toStore(r)
	if err != nil {
		return nil, err
	}
	if err := s.rs.CreateRequest(ctx, sr); err != nil {
		return nil, fmt.Errorf("dsar: storing %s: %w", r, err)
	}
	r.version = 1
	if err := s.audit(ctx, now, "dsar.open", r, "", 0, ""); err != nil {
		return r, err
	}
	return r, nil
}

// Get returns the request with id, or an error wrapping ErrNotFound.
func (s *Service) Get(ctx context.Context, id uuid.UUID) (*Request, error) {
	sr, err := s.rs.Request(ctx, id.String())
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("dsar: loading request %s: %w", id, err)
	}
	return s.fromStore(sr)
}

// Filter selects requests for List. The zero Filter selects all.
type Filter struct {
	// Subject selects the requests of one data subject.
	Subject string
	// States selects requests in one of these states.
	States []State
	// OpenOnly selects requests that are neither completed nor refused.
	OpenOnly bool
}

// List returns the requests that match f, ordered by the deadline in
// force, earliest first, then by ID. With f.Subject it also returns the
// subject's closed requests whose identifier was replaced by its keyed
// pseudonym (ExpireRecords): the pseudonym is computed again from
// f.Subject, under every key of ServiceOptions.AuditKey. Each request is
// matched the way it is stored: a pseudonymized request by the pseudonym
// only, any other by the identifier only, so that an identifier that
// happens to equal another person's pseudonym finds none of that person's
// requests.
func (s *Service) List(ctx context.Context, f Filter) ([]*Request, error) {
	sf := store.RequestFilter{Subject: f.Subject, OpenOnly: f.OpenOnly}
	for _, st := range f.States {
		sf.States = append(sf.States, st.String())
	}
	srs, err := s.rs.ListRequests(ctx, sf)
	if err != nil {
		return nil, fmt.Errorf("dsar: listing requests: %w", err)
	}
	if f.Subject != "" {
		srs = slices.DeleteFunc(srs, func(sr store.Request) bool { return sr.Pseudonymized })
	}
	if f.Subject != "" && !f.OpenOnly {
		var more []store.Request
		for _, p := range s.auditKey.Pseudonyms(f.Subject) {
			sf.Subject = p
			found, err := s.rs.ListRequests(ctx, sf)
			if err != nil {
				return nil, fmt.Errorf("dsar: listing requests: %w", err)
			}
			for _, sr := range found {
				if sr.Pseudonymized {
					more = append(more, sr)
				}
			}
		}
		if len(more) > 0 {
			srs = append(srs, more...)
			slices.SortFunc(srs, func(a, b store.Request) int {
				if c := a.Due.Compare(b.Due); c != 0 {
					return c
				}
				return strings.Compare(a.ID, b.ID)
			})
		}
	}
	out := make([]*Request, 0, len(srs))
	for _, sr := range srs {
		r, err := s.fromStore(sr)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Overdue returns the open requests whose deadline has passed at at or ends
// within ServiceOptions.Within of it (see the function Overdue), earliest
// deadline first, so that none misses Art. 12(3).
func (s *Service) Overdue(ctx context.Context, at time.Time) ([]Risk, error) {
	srs, err := s.rs.ListRequests(ctx, store.RequestFilter{OpenOnly: true, DueBefore: at.Add(s.within)})
	if err != nil {
		return nil, fmt.Errorf("dsar: listing open requests: %w", err)
	}
	reqs := make([]*Request, 0, len(srs))
	for _, sr := range srs {
		r, err := s.fromStore(sr)
		if err != nil {
			return nil, err
		}
		reqs = append(reqs, r)
	}
	return Overdue(reqs, at, s.within), nil
}

// Verify asks Identity whether the requester of the request with id is the
// data subject. When so, the request moves to Verified; when not, to
// IdentityPending (additional information is needed, Art. 12(6)) and the
// error wraps ErrUnverified. A request already verified is returned as it
// is. A refused request is not verified any more: the error wraps
// ErrIllegalTransition, and Identity is not asked (its subject may be a
// pseudonym by now, see Request.Pseudonymized).
func (s *Service) Verify(ctx context.Context, id uuid.UUID) (*Request, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.state.Verified() {
		return r, nil
	}
	if r.state.Final() {
		return r, fmt.Errorf("%w: %s is %s; a finished request is not verified any more", ErrIllegalTransition, r, r.state)
	}
	ok, err := s.identity.Verify(ctx, r)
	if err != nil {
		return r, fmt.Errorf("dsar: verifying the requester of %s: %w", r, err)
	}
	now := s.clock()
	if !ok {
		if r.state == Received {
			if err := s.move(ctx, r, now, func() error { return r.Transition(IdentityPending, now, "") }); err != nil {
				return r, err
			}
		}
		return r, fmt.Errorf("%w: %s; ask the requester for additional information (Art. 12(6)) or refuse (Art. 11(2), 12(2))", ErrUnverified, r)
	}
	reason := ""
	if at, ok := s.identity.(Attested); ok {
		m, note := at.Attestation(ctx, r)
		reason = string(m)
		if note != "" {
			reason += ": " + note
		}
	}
	if err := s.move(ctx, r, now, func() error { return r.Transition(Verified, now, reason) }); err != nil {
		return r, err
	}
	return r, nil
}

// Extend extends the period to respond to the request with id by months
// (1 or 2) for reason, the data subject having been told at toldAt
// (Art. 12(3) sentences 2 and 3); see Request.Extend.
//
// A toldAt later than the service's clock is refused with ErrTime: the
// extension records that the subject was told, which cannot lie ahead.
func (s *Service) Extend(ctx context.Context, id uuid.UUID, months int, reason string, toldAt time.Time) (*Request, error) {
	return s.change(ctx, id, func(r *Request, now time.Time) error {
		if toldAt.After(now) {
			return fmt.Errorf("%w: %s: the data subject cannot have been told in the future (%s, now %s)", ErrTime, r, toldAt.Format(time.RFC3339), now.Format(time.RFC3339))
		}
		return r.Extend(months, reason, toldAt)
	})
}

// Complete marks the request with id as answered or carried out; it
// refuses a request whose requester is not verified (ErrIllegalTransition).
// Access, Portability, Erase, Rectify, Restrict and Object complete their
// request themselves; Complete serves requests answered otherwise.
func (s *Service) Complete(ctx context.Context, id uuid.UUID, note string) (*Request, error) {
	return s.change(ctx, id, func(r *Request, now time.Time) error { return r.Transition(Completed, now, note) })
}

// Refuse refuses the request with id for reason, which must cite the norm
// it rests on (Art. 12(4), see the Reason constants).
func (s *Service) Refuse(ctx context.Context, id uuid.UUID, reason string) (*Request, error) {
	return s.change(ctx, id, func(r *Request, now time.Time) error { return r.Transition(Refused, now, reason) })
}

// change loads a request, applies fn and saves it.
func (s *Service) change(ctx context.Context, id uuid.UUID, fn func(*Request, time.Time) error) (*Request, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	if err := s.move(ctx, r, now, func() error { return fn(r, now) }); err != nil {
		return r, err
	}
	return r, nil
}

// move applies fn to r and saves and audits the new state; when fn fails
// nothing is saved. On a save error the request in memory is reloaded.
func (s *Service) move(ctx context.Context, r *Request, now time.Time, fn func() error) error {
	before := len(r.history)
	if err := fn(); err != nil {
		return err
	}
	if err := s.save(ctx, r); err != nil {
		return err
	}
	tr := r.history[len(r.history)-1]
	if len(r.history) == before {
		return nil
	}
	action := "dsar." + tr.To.String()
	if tr.From == tr.To {
		// An extension noted before verification leaves the state as it is.
		action = "dsar." + Extended.String()
	}
	return s.audit(ctx, now, action, r, "", 0, "")
}

// records reads the records of subject in ds (store.Driver.Records),
// which is promised a dataset with a subject column and declared fields.
func (s *Service) records(ctx context.Context, ds *policy.Dataset, subject string, fields []string) ([]store.Record, error) {
	if err := storecheck.Records(ds, fields); err != nil {
		return nil, err
	}
	return s.st.Records(ctx, ds.ID, subject, fields)
}

// save writes r back at its version.
func (s *Service) save(ctx context.Context, r *Request) error {
	sr, err := toStore(r)
	if err != nil {
		return err
	}
	v, err := s.rs.UpdateRequest(ctx, sr)
	if err != nil {
		return fmt.Errorf("dsar: saving %s: %w", r, err)
	}
	r.version = v
	return nil
}

// toStore encodes r for the store.
func toStore(r *Request) (store.Request, error) {
	// The body does not hold the subject: the store keeps it in a column
	// of its own, which PseudonymizeRequests replaces by its keyed
	// pseudonym once the period to identify the subject ends.
	rec := r.Record()
	rec.Subject = ""
	body, err := json.Marshal(rec)
	if err != nil {
		return store.Request{}, fmt.Errorf("dsar: encoding %s: %w", r, err)
	}
	sr := store.Request{
		ID: r.id.String(), Subject: r.subject, Kind: r.kind.String(), State: r.state.String(),
		Final: r.state.Final(), ReceivedAt: r.receivedAt, Due: r.Due().End, ClosedAt: r.ClosedAt(),
		Version: r.version, Body: body,
	}
	// The store is promised a complete request (store.RequestStore).
	if err := storecheck.Request(sr); err != nil {
		return store.Request{}, fmt.Errorf("dsar: %s cannot be stored: %w", r, err)
	}
	return sr, nil
}

// fromStore decodes and checks a stored request (Restore replays its
// history through the lifecycle).
func (s *Service) fromStore(sr store.Request) (*Request, error) {
	var rec Record
	if err := json.Unmarshal(sr.Body, &rec); err != nil {
		return nil, fmt.Errorf("%w: stored request %s does not decode: %w", ErrInvalid, sr.ID, err)
	}
	// A body written by an earlier version holds the subject; it must be
	// the request's own, unless the store has since pseudonymized it.
	if rec.ID.String() != sr.ID || (rec.Subject != "" && rec.Subject != sr.Subject && !sr.Pseudonymized) {
		return nil, fmt.Errorf("%w: stored request %s: its body belongs to another request", ErrInvalid, sr.ID)
	}
	rec.Subject = sr.Subject
	r, err := Restore(rec, s.opts)
	if err != nil {
		return nil, err
	}
	r.version = sr.Version
	r.pseudonymized = sr.Pseudonymized
	return r, nil
}

// AuditPseudonym returns the keyed pseudonym by which audit entries name
// the subject of r (Art. 4(5) GDPR; docs/DESIGN.md, "Pseudonyms only"):
// the pseudonym of its identifier under ServiceOptions.AuditKey, or, for a
// Pseudonymized request, its subject as stored, which already is that
// pseudonym. An Identity that writes audit entries of its own names the
// subject by it, so that every entry about the request carries the same
// pseudonym.
func (s *Service) AuditPseudonym(r *Request) string {
	if r.pseudonymized {
		return r.subject
	}
	return s.auditKey.Pseudonym(r.subject)
}

// audit appends a dsar entry naming the request and the subject's
// pseudonym, never the subject.
func (s *Service) audit(ctx context.Context, at time.Time, action string, r *Request, dataset string, count int, note string) error {
	_, err := storecheck.AppendAudit(ctx, s.st, s.auditEntry(at, action, r, dataset, count, note).SignedBy(s.eng.AuditSigner()))
	if err != nil {
		return fmt.Errorf("dsar: audit entry %s for %s: %w", action, r, err)
	}
	return nil
}

// auditEntry returns the audit entry audit appends, unsigned: its note is
// "request <ID> (<kind>)", followed by ": " and note unless note is empty.
func (s *Service) auditEntry(at time.Time, action string, r *Request, dataset string, count int, note string) audit.Entry {
	n := "request " + r.id.String() + " (" + r.kind.String() + ")"
	if note != "" {
		n += ": " + note
	}
	return audit.Entry{
		Time: at, Action: action, Dataset: dataset, Count: count,
		Subjects: []string{s.AuditPseudonym(r)}, Policy: s.policy, Note: n,
	}
}

// begin loads the request with id for an operation serving kind: it must be
// of that kind, verified and open. It moves a Verified request to
// InProgress. The caller holds s.mu.
func (s *Service) begin(ctx context.Context, id uuid.UUID, kind Kind) (*Request, error) {
	r, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	switch {
	case r.kind != kind:
		return r, fmt.Errorf("%w: %s is a request for %s, not %s", ErrWrongKind, r, strings.ToLower(r.kind.Title("en")), strings.ToLower(kind.Title("en")))
	case r.state.Final():
		return r, fmt.Errorf("%w: %s is already %s", ErrIllegalTransition, r, r.state)
	case !r.state.Verified():
		return r, fmt.Errorf("%w: %s; nothing is disclosed or changed before the requester is verified (Art. 12(6))", ErrUnverified, r)
	}
	if r.state == Verified {
		now := s.clock()
		if err := s.move(ctx, r, now, func() error { return r.Transition(InProgress, now, "") }); err != nil {
			return r, err
		}
	}
	return r, nil
}

// finish completes r with note.
func (s *Service) finish(ctx context.Context, r *Request, note string) error {
	now := s.clock()
	return s.move(ctx, r, now, func() error { return r.Transition(Completed, now, note) })
}
