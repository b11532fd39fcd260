package consent

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/frist-go/frist/internal/storecheck"
	"github.com/frist-go/frist/store"
)

// Erasure says what EraseSubject did.
type Erasure struct {
	// Pseudonym is the keyed pseudonym that replaced the subject in the
	// ledger (Ledger.Pseudonym).
	Pseudonym string
	// Events is how many ledger events were pseudonymised.
	Events int
	// Withdrawals are the consents that were still in force and were
	// withdrawn first, with what their rules did.
	Withdrawals []*Withdrawal
}

// MethodErasure is the method recorded for a withdrawal that EraseSubject
// makes because the subject asked for erasure (Art. 17(1)(b)).
const MethodErasure = "erasure"

// EraseSubject removes subject from the ledger while keeping the proof
// that consent existed and was withdrawn (Art. 7(1) accountability without
// keeping the person, Art. 17). Consents still in force are first
// withdrawn, with their rules run as Withdraw runs them; then every event
// of subject is filed under Pseudonym(subject), marked erased, and cleared
// of evidence and guardian details. Afterwards Valid is false for subject
// at every time, and History(ctx, Pseudonym(subject), "") shows the
// pseudonymised proof. Erasing an unknown subject changes nothing. What the
// events held before is removed from the store's files by the next sweep
// (retention.Engine.MarkForPurge).
func (l *Ledger) EraseSubject(ctx context.Context, subject string) (*Erasure, error) {
	if err := checkSubject(subject); err != nil {
		return nil, err
	}
	evs, err := l.cs.ConsentEvents(ctx, subject, "")
	if err != nil {
		return nil, fmt.Errorf("consent: reading the ledger: %w", err)
	}
	er := &Erasure{Pseudonym: l.keys.Pseudonym(subject)}
	var purposes []string
	for _, ev := range evs {
		if !slices.Contains(purposes, ev.Purpose) {
			purposes = append(purposes, ev.Purpose)
		}
	}
	for _, pid := range purposes {
		p, err := l.consentPurpose(pid)
		if err != nil {
			continue // a purpose no longer declared: its events are only proof now
		}
		var mine []Event
		for _, ev := range evs {
			if ev.Purpose == pid {
				mine = append(mine, ev)
			}
		}
		if !fold(p, mine, l.clock()).Valid {
			continue
		}
		w, err := l.withdraw(ctx, subject, pid, MethodErasure, "", true, "")
		if w != nil {
			er.Withdrawals = append(er.Withdrawals, w)
		}
		if err != nil && !errors.Is(err, ErrNotGranted) {
			return er, err
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := storecheck.ConsentErasure(subject, er.Pseudonym); err != nil {
		return er, fmt.Errorf("consent: pseudonymising the ledger: %w", err)
	}
	n, err := l.cs.EraseConsentSubject(ctx, subject, er.Pseudonym)
	if n > 0 || err != nil {
		// The old versions of the events, with the subject and evidence,
		// are gone from the store's files after the next sweep's purge.
		l.eng.MarkForPurge(store.ConsentRecords)
	}
	if err != nil {
		return er, fmt.Errorf("consent: pseudonymising the ledger: %w", err)
	}
	er.Events = n
	if n > 0 {
		if err := l.audit(ctx, l.clock(), "consent.erase", subject, fmt.Sprintf("%d events pseudonymised", n)); err != nil {
			return er, err
		}
	}
	return er, nil
}
