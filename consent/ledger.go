package consent

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/internal/storecheck"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
)

// Event is one entry of the consent ledger: a grant, a refused grant or a
// withdrawal (store.ConsentEvent).
type Event = store.ConsentEvent

// Options configure a Ledger. Keys is required.
type Options struct {
	// Now is the ledger's clock; nil means the engine's clock
	// (retention.Engine.Now), so that the withdrawal time and the engine's
	// cutoffs agree.
	Now func() time.Time
	// Keys makes the keyed pseudonyms of subjects in audit entries and in
	// erased events, and of grant evidence (Art. 4(5)). Use the engine's
	// audit key ring so that consent and retention audit entries name a
	// subject by the same pseudonym.
	Keys *anonymize.KeyRing
	// LinkKeys signs withdrawal links (HMAC-SHA-256 under the current key,
	// whose ID the link carries; links signed under an older key of the
	// ring stay valid until they expire). It must be a ring of its own,
	// not Keys. Nil disables withdrawal links.
	LinkKeys *anonymize.KeyRing
	// Logger receives operational messages, never subjects or evidence;
	// nil discards them.
	Logger *slog.Logger
}

// Ledger is the consent ledger of one declaration on one store. It is
// safe for concurrent use. Create it with New.
type Ledger struct {
	decl       *policy.Declaration
	st         store.Driver
	cs         store.ConsentStore
	eng        *retention.Engine
	now        func() time.Time
	keys       *anonymize.KeyRing
	linkKeys   *anonymize.KeyRing
	log        *slog.Logger
	policyHash string
	// mu serialises the read-check-append of grants and withdrawals in this
	// process, so that a link is used once and a withdrawal is recorded
	// once.
	mu sync.Mutex
}

// New returns the Ledger of the declaration eng enforces, keeping its
// events in cs, whose withdrawals trigger eng. Its audit entries go to the
// audit log of eng's store (retention.Engine.Store), and the records a
// withdrawal concerns are read there. cs is usually that same store; a
// backend that cannot hold the ledger does not compile as a
// store.ConsentStore. opts.Keys is required (ErrNoKeys).
func New(eng *retention.Engine, cs store.ConsentStore, opts *Options) (*Ledger, error) {
	switch {
	case eng == nil:
		return nil, fmt.Errorf("%w: the retention engine is nil; a withdrawal must be able to trigger its rules (Art. 7(3))", ErrInvalid)
	case cs == nil:
		return nil, fmt.Errorf("%w: the consent store is nil", ErrInvalid)
	case opts == nil || opts.Keys == nil:
		return nil, ErrNoKeys
	case opts.LinkKeys != nil && opts.LinkKeys == opts.Keys:
		return nil, fmt.Errorf("%w: Options.LinkKeys must be a key ring of its own, not Options.Keys", ErrInvalid)
	}
	decl := eng.Declaration()
	l := &Ledger{
		decl: decl, st: eng.Store(), cs: cs, eng: eng,
		now: opts.Now, keys: opts.Keys, linkKeys: opts.LinkKeys, log: opts.Logger,
		policyHash: decl.Hash(),
	}
	if l.now == nil {
		l.now = eng.Now
	}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	// Proof of consent is kept as the declaration's records block says,
	// and no longer: every sweep expires what is due (ExpireRecords).
	eng.Keep(l)
	return l, nil
}

// Pseudonym returns the keyed pseudonym under which the ledger names
// subject in audit entries and under which EraseSubject files the erased
// subject's events. A person who identifies again can so be shown the
// proof of their consent and its withdrawal (History with the pseudonym).
func (l *Ledger) Pseudonym(subject string) string { return l.keys.Pseudonym(subject) }

// Pseudonyms returns the pseudonyms of subject under every key of the
// ledger's ring, the current one (Pseudonym's) last: the events of a
// subject erased before a key rotation are filed under an older one.
func (l *Ledger) Pseudonyms(subject string) []string { return l.keys.Pseudonyms(subject) }

// clock returns the ledger's current time, to the microsecond that stores
// keep.
func (l *Ledger) clock() time.Time { return l.now().Truncate(time.Microsecond) }

// endOfTime is later than any event's time: a scan up to it sees every
// event.
var endOfTime = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// stamp returns the time a new event with ID id of a subject and purpose
// is recorded at: now, unless the latest event of theirs already in the
// ledger, last (nil when there is none), would sort after it in the
// ledger's order (At, then ID), being dated after now by a replica whose
// clock is ahead or before this clock was set back, or dated now with a
// greater ID by another replica; then the microsecond after last (see
// Order of events in the package documentation). An event dated now in
// the same microsecond as the latest one of this process stays at now:
// IDs (UUIDv7) of one process grow, so it sorts after it.
func stamp(now time.Time, id string, last *Event) time.Time {
	if last == nil || last.At.Before(now) || last.At.Equal(now) && last.ID < id {
		return now
	}
	return last.At.Add(time.Microsecond)
}

// latest returns the latest event of subject for purpose in the ledger's
// order, nil when there is none: one row (store.ConsentStore.ScanConsents).
func (l *Ledger) latest(ctx context.Context, subject, purpose string) (*Event, error) {
	var last *Event
	err := l.cs.ScanConsents(ctx, subject, purpose, endOfTime, func(ev Event) bool { last = &ev; return false })
	return last, err
}

// consentPurpose returns the purpose with id, which must rest on consent.
func (l *Ledger) consentPurpose(id string) (*policy.Purpose, error) {
	if id == "" {
		return nil, fmt.Errorf("%w: the purpose is empty", ErrInvalid)
	}
	p := l.decl.Purpose(id)
	if p == nil {
		return nil, fmt.Errorf("%w: %q", ErrUnknownPurpose, id)
	}
	if !p.HasBasis(policy.Consent) || p.Consent == nil {
		return nil, fmt.Errorf("%w: purpose %s", ErrNotConsentBased, id)
	}
	return p, nil
}

// newID returns a UUIDv7 for a ledger event.
func newID() (string, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return "", fmt.Errorf("consent: generating an event ID: %w", err)
	}
	return id.String(), nil
}

// appendEvent stores ev, with a new ID unless it has one, together with
// its audit entry (store.ConsentStore.AppendConsent): both are stored or
// neither, and on an error the returned Event is the zero Event.
func (l *Ledger) appendEvent(ctx context.Context, ev Event, note string) (Event, error) {
	if ev.ID == "" {
		id, err := newID()
		if err != nil {
			return Event{}, err
		}
		ev.ID = id
	}
	ev.At = ev.At.Truncate(time.Microsecond).UTC()
	if err := storecheck.ConsentEvent(ev); err != nil {
		return Event{}, fmt.Errorf("consent: the %s event for purpose %s is refused: %w", ev.Kind, ev.Purpose, err)
	}
	// The audit entry is dated when the event is recorded; an event dated
	// earlier (a paper consent entered later) says so in the note, so a
	// backdated grant stays visible as such.
	recorded := l.clock()
	if !ev.At.Equal(recorded) {
		note += " dated " + ev.At.Format(time.RFC3339Nano)
	}
	entry := l.entry(recorded, "consent."+auditAction(ev.Kind), ev.Subject, note)
	if _, err := storecheck.AppendConsent(ctx, l.cs, ev, entry); err != nil {
		return Event{}, fmt.Errorf("consent: recording the %s event for purpose %s: %w", ev.Kind, ev.Purpose, err)
	}
	return ev, nil
}

// auditAction names the audit action of an event kind.
func auditAction(k store.ConsentKind) string {
	switch k {
	case store.ConsentGranted:
		return "grant"
	case store.ConsentWithdrawn:
		return "withdraw"
	case store.ConsentRefused:
		return "refuse"
	}
	return string(k)
}

// entry is an audit entry of the ledger naming subject by its pseudonym.
func (l *Ledger) entry(at time.Time, action, subject, note string) audit.Entry {
	return audit.Entry{
		Time: at, Action: action, Count: 1, Subjects: []string{l.keys.Pseudonym(subject)},
		Policy: l.policyHash, Note: note,
	}.SignedBy(l.eng.AuditSigner())
}

// audit appends an audit entry naming subject by its pseudonym.
func (l *Ledger) audit(ctx context.Context, at time.Time, action, subject, note string) error {
	_, err := storecheck.AppendAudit(ctx, l.st, l.entry(at, action, subject, note))
	if err != nil {
		return fmt.Errorf("consent: writing the audit entry %s: %w", action, err)
	}
	return nil
}

// checkSubject refuses an empty subject.
func checkSubject(subject string) error {
	if subject == "" {
		return fmt.Errorf("%w: the subject is empty", ErrInvalid)
	}
	return nil
}

// ExpireRecords implements retention.RecordKeeper: it deletes the events
// of every consent that ended (was withdrawn or refused) so long before
// now that the declaration's consent period
// (policy.Declaration.RecordRetention, Records.Consent) has run out,
// counted in the controller's time zone. A consent in force is never
// touched: its proof is needed as long as it is relied upon (Art. 7(1)
// GDPR). consent.New registers the ledger with the engine, so every sweep
// calls it.
func (l *Ledger) ExpireRecords(ctx context.Context, now time.Time) (retention.RecordsReport, error) {
	rep := retention.RecordsReport{Kind: "consent", Own: store.ConsentRecords}
	cutoff := l.decl.RecordRetention().Consent.EndedBefore(now, l.decl.Location())
	if cutoff.IsZero() {
		return rep, nil // nothing ended before the zero time
	}
	if err := storecheck.Cutoff("ExpireConsents", cutoff); err != nil {
		return rep, err
	}
	n, err := l.cs.ExpireConsents(ctx, cutoff)
	rep.Deleted = n
	if err != nil {
		return rep, fmt.Errorf("consent: expiring consent events: %w", err)
	}
	return rep, nil
}
