package consent

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
)

// Who gave consent (store.ConsentEvent.Actor).
const (
	// ActorSubject: the data subject consented.
	ActorSubject = "subject"
	// ActorGuardian: a holder of parental responsibility consented or
	// authorised the child's consent (Art. 8(1)).
	ActorGuardian = "guardian"
)

// Grant is a consent to record.
type Grant struct {
	// Subject identifies the data subject, as the application's subject
	// columns do (a surrogate ID, not an e-mail address).
	Subject string
	// Purpose is the ID of a purpose resting on consent (Art. 6(1)(a)).
	Purpose string
	// Version is the consent version shown; it must be the declaration's
	// current one.
	Version string
	// TextSHA256 is the SHA-256 (hex, see TextHash) of the consent text
	// shown. When the declaration gives the text or its hash, it must
	// match: what the subject agreed to must be demonstrable (Art. 7(1)).
	TextSHA256 string
	// Method is how consent was given: "web_form", "paper", "phone", ...
	Method string
	// Actor is ActorSubject or ActorGuardian; empty means ActorGuardian
	// when Guardian is set and ActorSubject otherwise.
	Actor string
	// At is when consent was given; zero means now, or just after the
	// latest event of the subject and purpose when that lies at or after
	// now (see Order of events in the package documentation). A consent
	// given on paper may be recorded later, with its own date, but never
	// in the future.
	At time.Time
	// BirthDate (its year, month and day) or Age tells the subject's age
	// for Art. 8(1); BirthDate wins and Age must then agree. With neither,
	// the grant is recorded as from a subject of age: asking is the
	// controller's reasonable effort (Art. 8(2)).
	BirthDate time.Time
	Age       int
	// Guardian is the consent of a holder of parental responsibility,
	// required below the purpose's minimum age.
	Guardian *Guardian
	// Evidence is technical evidence of the grant such as the request's IP
	// address. Only its keyed pseudonym is stored.
	Evidence string
}

// Guardian describes the consent of a holder of parental responsibility
// (Art. 8(1)) and how the controller verified it (Art. 8(2)).
type Guardian struct {
	// Relation is the guardian's relation to the child: "parent",
	// "legal_guardian", ...
	Relation string
	// Verification says how the controller made sure the guardian holds
	// parental responsibility: "id_card_checked", "signed_form", ...
	Verification string
}

// TextHash returns the SHA-256 of a consent text in lower-case hex, the
// form Grant.TextSHA256 and policy.ConsentSpec.TextSHA256 take.
func TextHash(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:])
}

// Grant records a consent and returns the recorded event.
//
// It refuses, with an error and nothing recorded, a grant that names no
// subject or method, an unknown purpose (ErrUnknownPurpose), a purpose not
// resting on consent (ErrNotConsentBased) or a time in the future
// (ErrInvalid). It refuses and records the refusal, with the norm as its
// reason, a grant for another version than the declaration's current one
// (ErrVersion), for a text other than the declared one (ErrTextMismatch),
// and a grant for a subject younger than the purpose's minimum age without
// a guardian's relation and verification (ErrUnderAge, Art. 8(1) and
// 8(2)); the refused event is returned with the error.
//
// The age is counted in the controller's time zone at the time of the
// grant as German law counts it (§ 187(2), § 188(2) BGB): a person turns a
// year older at the start of their birthday, and a person born on 29
// February at the start of 1 March in common years.
//
// Every grant and refusal is stored together with its audit entry, which
// names the subject only by its keyed pseudonym: both or neither
// (store.ConsentStore.AppendConsent).
func (l *Ledger) Grant(ctx context.Context, g Grant) (Event, error) {
	p, err := l.consentPurpose(g.Purpose)
	if err != nil {
		return Event{}, err
	}
	now := l.clock()
	at := g.At
	if at.IsZero() {
		at = now
	}
	switch {
	case g.Subject == "":
		return Event{}, fmt.Errorf("%w: the grant names no subject", ErrInvalid)
	case strings.TrimSpace(g.Method) == "":
		return Event{}, fmt.Errorf("%w: the grant names no method (web_form, paper, phone, ...), which Art. 7(1) needs to demonstrate consent", ErrInvalid)
	case at.After(now):
		return Event{}, fmt.Errorf("%w: the grant's time %s lies in the future", ErrInvalid, at.Format(time.RFC3339))
	case g.Actor != "" && g.Actor != ActorSubject && g.Actor != ActorGuardian:
		return Event{}, fmt.Errorf("%w: actor %q is neither %q nor %q", ErrInvalid, g.Actor, ActorSubject, ActorGuardian)
	case g.Actor == ActorGuardian && g.Guardian == nil:
		return Event{}, fmt.Errorf("%w: the actor is a guardian, but the grant describes no Guardian", ErrInvalid)
	case g.Age < 0:
		return Event{}, fmt.Errorf("%w: age %d is negative", ErrInvalid, g.Age)
	}
	age, known, err := ageOf(g, at, l.decl.Location())
	if err != nil {
		return Event{}, err
	}
	ev := Event{
		Subject: g.Subject, Purpose: g.Purpose, Kind: store.ConsentGranted, At: at,
		Version: g.Version, TextSHA256: strings.ToLower(g.TextSHA256), Method: g.Method, Actor: g.Actor,
	}
	if ev.Actor == "" {
		ev.Actor = ActorSubject
		if g.Guardian != nil {
			ev.Actor = ActorGuardian
		}
	}
	if g.Guardian != nil {
		ev.GuardianRelation, ev.GuardianVerification = g.Guardian.Relation, g.Guardian.Verification
	}
	if g.Evidence != "" {
		ev.Evidence = l.keys.Pseudonym(g.Evidence)
	}
	spec := p.Consent
	// Art. 8(1) applies only to an information-society service offered
	// directly to a child; elsewhere national law on capacity governs, and
	// no age is checked here.
	minAge := 0
	if p.OfferedToChildren {
		minAge = cmp.Or(spec.MinAge, policy.DefaultMinAge)
	}
	var refusal error
	switch {
	case g.Version != spec.Version:
		refusal = fmt.Errorf("%w: purpose %s is at version %q, the grant is for %q", ErrVersion, p.ID, spec.Version, g.Version)
		ev.Reason = fmt.Sprintf("Art. 7(1), Art. 4(11) DSGVO: consent to version %q, but version %q is in force", g.Version, spec.Version)
	case !textMatches(spec, ev.TextSHA256):
		refusal = fmt.Errorf("%w (purpose %s, version %s)", ErrTextMismatch, p.ID, spec.Version)
		ev.Reason = "Art. 7(1) DSGVO: the text shown does not match the declared consent text"
	case known && minAge > 0 && age < minAge && !guardianComplete(g.Guardian):
		refusal = fmt.Errorf("%w: purpose %s requires age %d", ErrUnderAge, p.ID, minAge)
		ev.Reason = fmt.Sprintf("Art. 8(1) DSGVO: under %d, and no consent of a holder of parental responsibility with relation and verification (Art. 8(2))", minAge)
	}
	if refusal != nil {
		ev.Kind = store.ConsentRefused
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if g.At.IsZero() {
		// Dated now: after every event already recorded, also one dated
		// after now by a replica whose clock is ahead (stamp), so that a
		// grant after a withdrawal is in force after it.
		last, err := l.latest(ctx, g.Subject, g.Purpose)
		if err != nil {
			return Event{}, fmt.Errorf("consent: reading the ledger for purpose %s: %w", p.ID, err)
		}
		if ev.ID, err = newID(); err != nil {
			return Event{}, err
		}
		ev.At = stamp(at, ev.ID, last)
	}
	rec, err := l.appendEvent(ctx, ev, fmt.Sprintf("purpose %s version %s method %s actor %s", p.ID, g.Version, g.Method, ev.Actor))
	if err != nil {
		return rec, err
	}
	if refusal != nil {
		l.log.InfoContext(ctx, "consent: grant refused", "purpose", p.ID, "event", rec.ID, "reason", rec.Reason)
		return rec, refusal
	}
	return rec, nil
}

// textMatches reports whether sum is the hash of the declared consent
// text. A declaration that gives neither text nor hash accepts any hash.
func textMatches(spec *policy.ConsentSpec, sum string) bool {
	if spec.TextSHA256 != "" {
		return sum == strings.ToLower(spec.TextSHA256)
	}
	if spec.Text.IsZero() {
		return true
	}
	return spec.Text.DE != "" && sum == TextHash(spec.Text.DE) || spec.Text.EN != "" && sum == TextHash(spec.Text.EN)
}

// guardianComplete reports whether g names a relation and a verification
// method (Art. 8(1), Art. 8(2)).
func guardianComplete(g *Guardian) bool {
	return g != nil && strings.TrimSpace(g.Relation) != "" && strings.TrimSpace(g.Verification) != ""
}

// ageOf returns the subject's age at time at in loc and whether it is
// known.
func ageOf(g Grant, at time.Time, loc *time.Location) (int, bool, error) {
	if g.BirthDate.IsZero() {
		return g.Age, g.Age > 0, nil
	}
	age, err := Age(g.BirthDate, at, loc)
	if err != nil {
		return 0, false, err
	}
	if g.Age > 0 && g.Age != age {
		return 0, false, fmt.Errorf("%w: the grant gives both a birth date and an age, and they disagree", ErrInvalid)
	}
	return age, true, nil
}

// Age returns the completed years of a person born on birth's calendar
// date (its year, month and day as written) at the instant at, read as a
// date in loc (nil means UTC). A person turns a year older at the start
// of their birthday; one born on 29 February at the start of 1 March in
// common years (§ 187(2), § 188(2) and (3) BGB). It returns an error when
// at lies before the birth date.
func Age(birth, at time.Time, loc *time.Location) (int, error) {
	if loc == nil {
		loc = time.UTC
	}
	by, bm, bd := birth.Date()
	y, m, d := at.In(loc).Date()
	if y < by || y == by && (m < bm || m == bm && d < bd) {
		return 0, fmt.Errorf("%w: the birth date lies after the time of the grant", ErrInvalid)
	}
	age := y - by
	// The birthday in year y; 29 February becomes 1 March in common years.
	birthday := time.Date(y, bm, bd, 0, 0, 0, 0, time.UTC)
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if today.Before(birthday) {
		age--
	}
	return age, nil
}
