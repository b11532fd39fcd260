package store

import (
	"context"
	"time"

	"github.com/frist-go/frist/audit"
)

// ConsentKind says what a consent event records.
type ConsentKind string

// The consent event kinds.
const (
	// ConsentGranted records a grant (Art. 7(1): the controller must be
	// able to demonstrate consent).
	ConsentGranted ConsentKind = "granted"
	// ConsentWithdrawn records a withdrawal (Art. 7(3)); it acts for the
	// future only.
	ConsentWithdrawn ConsentKind = "withdrawn"
	// ConsentRefused records a grant that was refused, e.g. a child's
	// consent without a guardian (Art. 8(1)).
	ConsentRefused ConsentKind = "refused"
)

// ConsentEvent is one entry of the append-only consent ledger.
type ConsentEvent struct {
	// ID is a UUIDv7 assigned by the caller.
	ID      string
	Subject string
	Purpose string
	Kind    ConsentKind
	At      time.Time
	// Version is the version of the consent text shown; TextSHA256 the
	// SHA-256 (hex) of that text.
	Version    string
	TextSHA256 string
	// Method is how consent was given or withdrawn: "web_form", "paper",
	// "phone", "email", "link", "cookie".
	Method string
	// Actor is "subject" or "guardian" (Art. 8(1)).
	Actor string
	// GuardianRelation and GuardianVerification describe a guardian's
	// consent: the relation ("parent") and how it was verified.
	GuardianRelation     string
	GuardianVerification string
	// Evidence is a keyed pseudonym of technical evidence such as the
	// request's IP address; never the raw value.
	Evidence string
	// Reason explains a refusal, citing the norm.
	Reason string
	// Reference identifies what caused the event, if anything, e.g. the ID
	// of the signed withdrawal link that was used, so that a used link can
	// be recognised and not used again. It holds no personal data.
	Reference string
	// Erased is true once the subject was erased and Subject replaced by a
	// keyed pseudonym (Art. 17 with Art. 7(1) accountability).
	Erased bool
}

// ConsentStore stores the consent ledger (tier 2 of the package
// documentation). consent.New takes it, so a backend without it cannot
// back a consent.Ledger: that is a compile error, not a failure at run
// time.
//
// Times are kept to the microsecond, the precision SQL timestamps keep
// (the ledger truncates At before appending), and returned in UTC. After
// Close every method returns ErrClosed.
type ConsentStore interface {
	// AppendConsent stores ev and appends entry, the event's audit entry,
	// to the audit log as AuditLog.AppendAudit does, in one atomic step:
	// both are stored or neither (docs/DESIGN.md, "Atomic batches"), so no
	// consent event is kept without the entry that records it and no entry
	// records an event that was not kept. It returns the sealed entry.
	// Events are never updated. It returns ErrConflict, storing neither,
	// when an event with ev.ID exists, or when ev.Reference is not empty
	// and an event with the same Reference exists (so a withdrawal link is
	// used once, even by two replicas at the same moment). ev has an ID,
	// Subject, Purpose, Kind and At, and entry passes audit.Entry.Validate:
	// the caller checks them (see the package documentation).
	AppendConsent(ctx context.Context, ev ConsentEvent, entry audit.Entry) (audit.Entry, error)
	// ConsentEvents returns the events of subject for purpose (every
	// purpose when purpose is ""), ordered by At, then ID, with every field
	// as appended. Events a microsecond apart are ordered by At whatever
	// their IDs say: the ledger records each event after the latest one of
	// its subject and purpose, and IDs come from replicas' clocks. It
	// returns no events, not an error, for an unknown subject. The events
	// are copies: changing them changes nothing stored.
	ConsentEvents(ctx context.Context, subject, purpose string) ([]ConsentEvent, error)
	// ScanConsents calls fn with each event of subject for purpose (every
	// purpose when purpose is "") whose At is not after until, newest
	// first: in the reverse of the order ConsentEvents returns them, until
	// fn returns false. A status question so reads a subject's events
	// backwards from the time asked about and stops at the grant in force:
	// asking costs a few rows, not a copy of the subject's history, however
	// large the ledger is. fn receives copies and must not call the
	// backend.
	ScanConsents(ctx context.Context, subject, purpose string, until time.Time, fn func(ConsentEvent) bool) error
	// EraseConsentSubject replaces subject by pseudonym in every event of
	// subject and marks them Erased, clearing Evidence and the guardian
	// fields and keeping every other field; it returns how many events it
	// changed (0, not an error, for an unknown subject). subject is not
	// empty and pseudonym is a keyed pseudonym: the caller checks them.
	// Afterwards the events are found under pseudonym and none under
	// subject. It is the only operation that changes stored events.
	EraseConsentSubject(ctx context.Context, subject, pseudonym string) (int, error)
	// ExpireConsents deletes every event of each subject and purpose that
	// has no consent in force and whose latest event (by At, then ID, the
	// order of ConsentEvents) has At before endedBefore, and returns how
	// many events it deleted (0, not an error, when none are due). A
	// consent is in force when a grant is not followed by a withdrawal; a
	// refusal (a grant that was refused) ends nothing, so a grant followed
	// by a refusal is in force. A subject and purpose with a consent in
	// force is never touched: the consent is still relied upon and its
	// proof is needed (Art. 7(1) GDPR). An event at exactly endedBefore is
	// kept. The latest event is
	// decided in the same atomic step as the deletion, so a grant appended
	// meanwhile is never deleted with the history it follows. endedBefore
	// is not zero: the caller checks it. It is the only operation that
	// deletes stored events: proof of a consent that ended is kept as long
	// as the declaration says and no longer (Art. 5(1)(e) GDPR).
	ExpireConsents(ctx context.Context, endedBefore time.Time) (int, error)
}
