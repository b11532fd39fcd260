package consent

import (
	"context"
	"fmt"
	"time"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
)

// Status is the state of a subject's consent to a purpose at one time.
type Status struct {
	// Purpose and At are what was asked.
	Purpose string
	At      time.Time
	// Valid is true when a grant precedes At and no withdrawal came
	// between that grant and At: processing on consent was lawful at At.
	Valid bool
	// GrantedAt, Version, Method and Actor describe the grant in force at
	// At, or the last grant before a withdrawal; GrantID is its event ID.
	GrantedAt time.Time
	GrantID   string
	Version   string
	Method    string
	Actor     string
	// WithdrawnAt is the withdrawal that ended the last grant, zero when
	// consent was not withdrawn before At.
	WithdrawnAt time.Time
	// CurrentVersion is the declaration's consent version.
	CurrentVersion string
	// NeedsRenewal is true when the consent in force was given for an
	// older version than CurrentVersion: the subject should be asked again
	// for the text now in force.
	NeedsRenewal bool
	// RenewRequired is true after a withdrawal when the declaration says
	// that using the service again requires a new grant
	// (ConsentSpec.RenewAfterWithdrawal): "Sollten Sie unseren Service der
	// Online-Terminbuchung erneut nutzen wollen, wird auch erneut Ihre
	// Einwilligungserklärung benötigt."
	RenewRequired bool
	// OtherBases are the purpose's legal bases besides consent. Withdrawal
	// does not end processing that rests on them (Art. 17(1)(b), Art. 7(3)),
	// so callers know what withdrawal does not stop.
	OtherBases []policy.Basis
}

// Valid reports whether subject's consent to purpose was in force at
// time at: true only between a grant and its withdrawal. A withdrawal acts
// for the future only (Art. 7(3): "Der Widerruf der Einwilligung berührt
// nicht die Rechtmäßigkeit der aufgrund der Einwilligung bis zum Widerruf
// erfolgten Verarbeitung"), so Valid answers for any past time as it did
// then. A withdrawal at exactly at ends the consent at at. Events are
// taken in the ledger's order, which does not depend on the replicas'
// clocks agreeing (see Order of events in the package documentation).
func (l *Ledger) Valid(ctx context.Context, subject, purpose string, at time.Time) (bool, error) {
	st, err := l.Status(ctx, subject, purpose, at)
	if err != nil {
		return false, err
	}
	return st.Valid, nil
}

// Status returns the details of subject's consent to purpose at time at;
// see Status. It returns ErrUnknownPurpose or ErrNotConsentBased for a
// purpose without consent, and ErrInvalid for an empty subject or a zero
// time.
func (l *Ledger) Status(ctx context.Context, subject, purpose string, at time.Time) (Status, error) {
	p, err := l.consentPurpose(purpose)
	if err != nil {
		return Status{}, err
	}
	if err := checkSubject(subject); err != nil {
		return Status{}, err
	}
	if at.IsZero() {
		return Status{}, fmt.Errorf("%w: the time asked about is zero", ErrInvalid)
	}
	return l.status(ctx, subject, p, at)
}

// folder computes a status from the events of one subject and purpose,
// fed in the order the store keeps them (At, then ID).
type folder struct {
	p  *policy.Purpose
	st Status
}

// newFolder starts the status of p at at.
func newFolder(p *policy.Purpose, at time.Time) *folder {
	f := &folder{p: p, st: Status{Purpose: p.ID, At: at, CurrentVersion: p.Consent.Version}}
	for _, lb := range p.LegalBasis {
		if lb.Basis != policy.Consent {
			f.st.OtherBases = append(f.st.OtherBases, lb.Basis)
		}
	}
	return f
}

// add takes the next event and reports whether later events can still
// matter (false once an event lies after the time asked about).
func (f *folder) add(ev Event) bool {
	if ev.At.After(f.st.At) {
		return false
	}
	st := &f.st
	switch ev.Kind {
	case store.ConsentGranted:
		st.Valid = true
		st.GrantedAt, st.GrantID, st.Version, st.Method, st.Actor = ev.At, ev.ID, ev.Version, ev.Method, ev.Actor
		st.WithdrawnAt = time.Time{}
	case store.ConsentWithdrawn:
		if st.Valid {
			st.Valid = false
			st.WithdrawnAt = ev.At
		}
	}
	return true
}

// status returns the status after the events added.
func (f *folder) status() Status {
	st := f.st
	st.NeedsRenewal = st.Valid && st.Version != f.p.Consent.Version
	st.RenewRequired = !st.Valid && !st.WithdrawnAt.IsZero() && f.p.Consent.RenewAfterWithdrawal
	return st
}

// fold computes the status at at from a slice of events.
func fold(p *policy.Purpose, evs []Event, at time.Time) Status {
	f := newFolder(p, at)
	for _, ev := range evs {
		if !f.add(ev) {
			break
		}
	}
	return f.status()
}

// status reads subject's status for p at at from the store. It reads
// backwards from at (store.ConsentStore.ScanConsents) and stops at the
// last grant, which decides the status: a withdrawal between it and at
// ends it, and the earliest such withdrawal is the one that did.
func (l *Ledger) status(ctx context.Context, subject string, p *policy.Purpose, at time.Time) (Status, error) {
	var b backscan
	if err := l.cs.ScanConsents(ctx, subject, p.ID, at, b.visit); err != nil {
		return Status{}, fmt.Errorf("consent: reading the ledger for purpose %s: %w", p.ID, err)
	}
	f := newFolder(p, at)
	if b.grantID != "" {
		f.add(Event{ID: b.grantID, Kind: store.ConsentGranted, At: b.grantAt, Version: b.version, Method: b.method, Actor: b.actor})
		if b.withdrawalID != "" {
			f.add(Event{ID: b.withdrawalID, Kind: store.ConsentWithdrawn, At: b.withdrawalAt})
		}
	}
	return f.status(), nil
}

// backscan collects, reading backwards, the last grant and the earliest
// withdrawal after it: only the fields a Status shows, so that the
// collector stays small.
type backscan struct {
	grantID, version, method, actor string
	grantAt                         time.Time
	withdrawalID                    string
	withdrawalAt                    time.Time
}

// visit takes the next older event and reports whether to go on.
func (b *backscan) visit(ev Event) bool {
	switch ev.Kind {
	case store.ConsentWithdrawn:
		// Going back, the last one seen is the earliest after the grant.
		b.withdrawalID, b.withdrawalAt = ev.ID, ev.At
	case store.ConsentGranted:
		b.grantID, b.grantAt, b.version, b.method, b.actor = ev.ID, ev.At, ev.Version, ev.Method, ev.Actor
		return false
	}
	return true
}

// History returns every event of subject for purpose (every purpose when
// purpose is ""), oldest first: the proof of consent Art. 7(1) asks the
// controller to be able to show. For a subject erased by EraseSubject,
// ask with Pseudonym(subject).
func (l *Ledger) History(ctx context.Context, subject, purpose string) ([]Event, error) {
	if err := checkSubject(subject); err != nil {
		return nil, err
	}
	if purpose != "" {
		if _, err := l.consentPurpose(purpose); err != nil {
			return nil, err
		}
	}
	evs, err := l.cs.ConsentEvents(ctx, subject, purpose)
	if err != nil {
		return nil, fmt.Errorf("consent: reading the ledger: %w", err)
	}
	return evs, nil
}
