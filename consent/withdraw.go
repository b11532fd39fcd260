package consent

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/frist-go/frist/internal/storecheck"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
)

// Withdrawal says what a withdrawal did. It holds IDs and counts, never a
// subject, so it may be logged as it is.
type Withdrawal struct {
	// Purpose is the purpose consent was withdrawn for.
	Purpose string
	// Event is the recorded withdrawal; for a repeated withdrawal, the
	// earlier one that ended the consent.
	Event Event
	// Repeated is true when consent had already been withdrawn: nothing
	// new was recorded, and the rules ran again to finish any work an
	// earlier call left undone.
	Repeated bool
	// Report is what the retention engine did, rule by rule; nil when no
	// dataset was left for it to process.
	Report *retention.Report
	// Retained lists the datasets serving the purpose whose records of the
	// subject were not deleted, each with the reason.
	Retained []Retained
}

// Processed returns how many records the withdrawal deleted or
// anonymized.
func (w *Withdrawal) Processed() int {
	if w == nil || w.Report == nil {
		return 0
	}
	return w.Report.Processed()
}

// Retained is a dataset whose records of the subject a withdrawal left in
// place, and why. Records of a dataset that serves another purpose on
// another legal basis are kept, because withdrawing consent ends only the
// processing that rests on it (Art. 17(1)(b): "where there is no other
// legal ground for the processing").
type Retained struct {
	Dataset string
	// Records is how many records of the subject the dataset holds; 0 for
	// a dataset without a subject column.
	Records int
	// Bases are the other legal grounds the records rest on.
	Bases []OtherBasis
	// Reason says in words why the records stay.
	Reason string
}

// OtherBasis is a legal basis of a purpose other than the withdrawn
// consent.
type OtherBasis struct {
	Purpose string
	Basis   policy.Basis
}

// channels are the withdrawal channels Withdraw accepts.
var channels = []policy.ChannelKind{
	policy.ChannelLink, policy.ChannelEmail, policy.ChannelPost, policy.ChannelPhone,
	policy.ChannelInPerson, policy.ChannelForm, policy.ChannelOptOutCookie, policy.ChannelCookie,
}

// Withdraw records the withdrawal of subject's consent to purpose through
// channel and, in the same call, runs the declaration's on:
// consent_withdrawn rules through retention.Engine.Trigger: "Bitte beachten
// Sie, dass im Fall eines Widerrufs von Ihnen bereits gebuchte Termine
// ebenfalls alle gelöscht werden." It acts for the future only (Art. 7(3)):
// Valid stays true for every time before the withdrawal. The withdrawal is
// recorded after every event of the subject and purpose already in the
// ledger, so it ends a grant recorded by a replica whose clock is ahead
// (see Order of events in the package documentation).
//
// Only datasets whose records have no other legal ground are processed.
// A dataset that also serves a purpose with another legal basis, or
// another purpose the subject still consents to, or whose purpose rests on
// a further basis besides consent, is listed in Withdrawal.Retained with
// that basis, as is a dataset without a subject column or without an on:
// consent_withdrawn rule. Withdrawing again records nothing new and runs
// the rules again (Withdrawal.Repeated), so a withdrawal whose deletion
// failed can be completed. It returns ErrNotGranted when the subject never
// consented to the purpose. The withdrawal is recorded before the rules
// run; when a rule fails, the withdrawal stands and the error is returned
// with the Withdrawal.
func (l *Ledger) Withdraw(ctx context.Context, subject, purpose string, channel policy.ChannelKind) (*Withdrawal, error) {
	if !slices.Contains(channels, channel) {
		return nil, fmt.Errorf("%w: %q is not a withdrawal channel (link, email, post, phone, in_person, form, opt_out_cookie or cookie)", ErrInvalid, channel)
	}
	return l.withdraw(ctx, subject, purpose, string(channel), "", false, "")
}

// WithdrawCookie withdraws subject's consent to every purpose whose
// declared opt-in cookie is named cookie, as when the subject deletes it:
// "Eine Möglichkeit, Ihre Zustimmung zu unseren Nutzungsbedingungen zu
// widerrufen, besteht darin, den im Rahmen Ihrer Zustimmung gesetzten
// Opt-In-Cookie „disclaimer“ zu löschen." Purposes the subject had not
// consented to are skipped. It returns ErrInvalid when no purpose declares
// the cookie.
func (l *Ledger) WithdrawCookie(ctx context.Context, subject, cookie string) ([]*Withdrawal, error) {
	var out []*Withdrawal
	found := false
	for i := range l.decl.Purposes {
		p := &l.decl.Purposes[i]
		if p.Consent == nil || p.Consent.Cookie == "" || p.Consent.Cookie != cookie {
			continue
		}
		found = true
		w, err := l.withdraw(ctx, subject, p.ID, string(policy.ChannelCookie), "", false, "")
		if errors.Is(err, ErrNotGranted) {
			continue
		}
		if w != nil {
			out = append(out, w)
		}
		if err != nil {
			return out, err
		}
	}
	if !found {
		return nil, fmt.Errorf("%w: no purpose declares the opt-in cookie %q", ErrInvalid, cookie)
	}
	return out, nil
}

// withdraw records a withdrawal by method with reference and triggers the
// rules. With inForce, a consent that is not in force is not withdrawn
// again (ErrNotGranted), and a reference already used is refused
// (ErrLinkUsed). With a grant (a withdrawal link's), a consent in force on
// another grant is refused (ErrLinkSuperseded).
func (l *Ledger) withdraw(ctx context.Context, subject, purpose, method, reference string, inForce bool, grant string) (*Withdrawal, error) {
	p, err := l.consentPurpose(purpose)
	if err != nil {
		return nil, err
	}
	if err := checkSubject(subject); err != nil {
		return nil, err
	}
	l.mu.Lock()
	now := l.clock()
	evs, err := l.cs.ConsentEvents(ctx, subject, purpose)
	if err != nil {
		l.mu.Unlock()
		return nil, fmt.Errorf("consent: reading the ledger for purpose %s: %w", purpose, err)
	}
	if reference != "" && slices.ContainsFunc(evs, func(ev Event) bool { return ev.Reference == reference }) {
		l.mu.Unlock()
		return nil, ErrLinkUsed
	}
	// The withdrawal follows every event already recorded, also one dated
	// after now by a replica whose clock is ahead (stamp): it ends the
	// grant it follows, whatever the clocks say.
	id, err := newID()
	if err != nil {
		l.mu.Unlock()
		return nil, err
	}
	var last *Event
	if len(evs) > 0 {
		last = &evs[len(evs)-1]
	}
	at := stamp(now, id, last)
	st := fold(p, evs, at)
	if grant != "" && st.Valid && st.GrantID != grant {
		l.mu.Unlock()
		return nil, fmt.Errorf("%w: purpose %s", ErrLinkSuperseded, purpose)
	}
	w := &Withdrawal{Purpose: purpose}
	switch {
	case st.Valid:
		ev := Event{ID: id, Subject: subject, Purpose: purpose, Kind: store.ConsentWithdrawn, At: at, Method: method, Actor: ActorSubject, Reference: reference}
		w.Event, err = l.appendEvent(ctx, ev, fmt.Sprintf("purpose %s channel %s", purpose, method))
		if err != nil {
			l.mu.Unlock()
			if reference != "" && errors.Is(err, store.ErrConflict) {
				return nil, ErrLinkUsed // another replica used the link a moment ago
			}
			return nil, err
		}
	case st.WithdrawnAt.IsZero() || inForce:
		l.mu.Unlock()
		if st.WithdrawnAt.IsZero() {
			return nil, fmt.Errorf("%w: purpose %s", ErrNotGranted, purpose)
		}
		return nil, fmt.Errorf("%w: consent to purpose %s was already withdrawn", ErrNotGranted, purpose)
	default:
		w.Repeated = true
		for _, ev := range evs {
			if ev.Kind == store.ConsentWithdrawn && ev.At.Equal(st.WithdrawnAt) {
				w.Event = ev
			}
		}
	}
	l.mu.Unlock()
	// The rules act now: a withdrawal recorded after an event dated
	// later than this clock is in this clock's future, and an event may
	// not lie in the engine's future (retention.Event.At).
	terr := l.trigger(ctx, w, subject, p, earliest(w.Event.At, now))
	l.log.InfoContext(ctx, "consent: withdrawn", "purpose", purpose, "channel", method, "event", w.Event.ID,
		"repeated", w.Repeated, "processed", w.Processed(), "retained", len(w.Retained))
	return w, errors.Join(err, terr)
}

// trigger runs the on: consent_withdrawn rules of the datasets serving p
// whose records have no other legal ground, and lists the others in
// w.Retained.
func (l *Ledger) trigger(ctx context.Context, w *Withdrawal, subject string, p *policy.Purpose, at time.Time) error {
	now := l.clock()
	var errs []error
	for i := range l.decl.Datasets {
		ds := &l.decl.Datasets[i]
		if !slices.Contains(ds.Purposes, p.ID) {
			continue
		}
		if ds.Subject == "" {
			w.Retained = append(w.Retained, Retained{Dataset: ds.ID,
				Reason: "the dataset has no subject column, so its records cannot be attributed to the subject; its time rules apply"})
			continue
		}
		bases, err := l.otherBases(ctx, subject, p.ID, ds)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		hasRule := slices.ContainsFunc(ds.Rules, func(r policy.Rule) bool { return r.On == policy.EventConsentWithdrawn })
		if len(bases) > 0 || !hasRule {
			free, held, err := storecheck.Count(ctx, l.st, ds, store.Selection{Dataset: ds.ID, Subject: subject, Now: now})
			if err != nil {
				errs = append(errs, fmt.Errorf("consent: counting the subject's records in dataset %s: %w", ds.ID, err))
				continue
			}
			r := Retained{Dataset: ds.ID, Records: free + held, Bases: bases}
			if len(bases) > 0 {
				r.Reason = "the records also rest on another legal ground, which the withdrawal of consent does not end (Art. 17(1)(b))"
			} else {
				r.Reason = "the declaration has no rule on: consent_withdrawn for this dataset; its time rules apply"
			}
			w.Retained = append(w.Retained, r)
			continue
		}
		rep, err := l.eng.Trigger(ctx, retention.Event{
			Kind: policy.EventConsentWithdrawn, Dataset: ds.ID, Subject: subject, Purpose: p.ID, At: at,
		})
		if rep != nil {
			if w.Report == nil {
				w.Report = &retention.Report{Start: rep.Start}
			}
			w.Report.Rules = append(w.Report.Rules, rep.Rules...)
			w.Report.Duration += rep.Duration
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("consent: running the withdrawal rules of dataset %s: %w", ds.ID, err))
		}
	}
	return errors.Join(errs...)
}

// otherBases returns the legal grounds besides the withdrawn consent that
// the records of ds rest on for subject: the further bases of the
// withdrawn purpose, the non-consent bases of the dataset's other
// purposes, and the consent-based other purposes the subject still
// consents to. A consent is in force when it is after every event of its
// purpose in the ledger's order, whatever this replica's clock says of
// their times (see Order of events in the package documentation): a grant
// recorded by a replica whose clock is ahead keeps the records it covers.
func (l *Ledger) otherBases(ctx context.Context, subject, withdrawn string, ds *policy.Dataset) ([]OtherBasis, error) {
	var out []OtherBasis
	for _, pid := range ds.Purposes {
		p := l.decl.Purpose(pid)
		if p == nil {
			continue
		}
		for _, lb := range p.LegalBasis {
			switch {
			case lb.Basis != policy.Consent:
				out = append(out, OtherBasis{Purpose: pid, Basis: lb.Basis})
			case pid != withdrawn && p.Consent != nil:
				st, err := l.status(ctx, subject, p, endOfTime)
				if err != nil {
					return nil, err
				}
				if st.Valid {
					out = append(out, OtherBasis{Purpose: pid, Basis: policy.Consent})
				}
			}
		}
	}
	return out, nil
}

// earliest returns the earlier of a and b.
func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
