package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
)

// consentLedger holds the consent events, indexed by subject so that a
// status question reads one subject's events, never the whole ledger.
// Its zero value is empty and ready to use.
type consentLedger struct {
	bySubject map[string][]store.ConsentEvent // sorted by At, then ID
	ids       map[string]string               // event ID -> subject
	refs      map[string]bool                 // References in use
}

// compareConsent orders events by At, then ID.
func compareConsent(a, b store.ConsentEvent) int {
	if c := a.At.Compare(b.At); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// AppendConsent implements store.ConsentStore: the event and its entry
// are stored under the one lock, after every check that can refuse them.
func (s *Store) AppendConsent(ctx context.Context, ev store.ConsentEvent, entry audit.Entry) (audit.Entry, error) {
	if err := s.begin(ctx); err != nil {
		return audit.Entry{}, err
	}
	defer s.mu.Unlock()
	l := &s.consents
	if l.bySubject == nil {
		l.bySubject = make(map[string][]store.ConsentEvent)
		l.ids = make(map[string]string)
		l.refs = make(map[string]bool)
	}
	if _, dup := l.ids[ev.ID]; dup {
		return audit.Entry{}, fmt.Errorf("%w: consent event %s exists", store.ErrConflict, ev.ID)
	}
	if ev.Reference != "" && l.refs[ev.Reference] {
		return audit.Entry{}, fmt.Errorf("%w: a consent event with reference %s exists", store.ErrConflict, ev.Reference)
	}
	ev.At = ev.At.Truncate(time.Microsecond).UTC()
	evs := l.bySubject[ev.Subject]
	// Events almost always arrive in order, so this is an append.
	i := len(evs)
	for i > 0 && compareConsent(evs[i-1], ev) > 0 {
		i--
	}
	l.bySubject[ev.Subject] = slices.Insert(evs, i, ev)
	l.ids[ev.ID] = ev.Subject
	if ev.Reference != "" {
		l.refs[ev.Reference] = true
	}
	sealed := audit.Seal(s.head(), entry)
	s.log = append(s.log, sealed)
	return cloneEntry(sealed), nil
}

// ConsentEvents implements store.ConsentStore in O(events of the subject).
func (s *Store) ConsentEvents(ctx context.Context, subject, purpose string) ([]store.ConsentEvent, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	evs := s.consents.bySubject[subject]
	n := 0
	for i := range evs {
		if purpose == "" || evs[i].Purpose == purpose {
			n++
		}
	}
	if n == 0 {
		return nil, nil
	}
	out := make([]store.ConsentEvent, 0, n) // one allocation: a status read stays cheap
	for i := range evs {
		if purpose == "" || evs[i].Purpose == purpose {
			out = append(out, evs[i]) // ConsentEvent holds no reference types
		}
	}
	return out, nil
}

// ScanConsents implements store.ConsentStore without allocating: it
// finds until by binary search and walks back from there.
func (s *Store) ScanConsents(ctx context.Context, subject, purpose string, until time.Time, fn func(store.ConsentEvent) bool) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	evs := s.consents.bySubject[subject]
	end, _ := slices.BinarySearchFunc(evs, until, func(ev store.ConsentEvent, t time.Time) int {
		if ev.At.After(t) {
			return 1
		}
		return -1 // events at until sort before it: they are included
	})
	for i := end - 1; i >= 0; i-- {
		if (purpose == "" || evs[i].Purpose == purpose) && !fn(evs[i]) {
			break
		}
	}
	return nil
}

// EraseConsentSubject implements store.ConsentStore.
func (s *Store) EraseConsentSubject(ctx context.Context, subject, pseudonym string) (int, error) {
	if err := s.begin(ctx); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	l := &s.consents
	evs := l.bySubject[subject]
	if len(evs) == 0 {
		return 0, nil
	}
	for i := range evs {
		ev := &evs[i]
		ev.Subject = pseudonym
		ev.Erased = true
		ev.Evidence = ""
		ev.GuardianRelation = ""
		ev.GuardianVerification = ""
		l.ids[ev.ID] = pseudonym
	}
	if subject == pseudonym {
		return len(evs), nil
	}
	delete(l.bySubject, subject)
	merged := append(l.bySubject[pseudonym], evs...)
	slices.SortStableFunc(merged, compareConsent)
	l.bySubject[pseudonym] = merged
	return len(evs), nil
}

// ExpireConsents implements store.ConsentStore in O(events): it looks at
// the latest event of each subject and purpose.
func (s *Store) ExpireConsents(ctx context.Context, endedBefore time.Time) (int, error) {
	if err := s.begin(ctx); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	l := &s.consents
	deleted := 0
	for subject, evs := range l.bySubject {
		// The latest event of each purpose, and whether a consent is in
		// force after all of them (a grant not followed by a withdrawal; a
		// refusal changes nothing): evs is sorted by At, then ID.
		latest := make(map[string]store.ConsentEvent)
		inForce := make(map[string]bool)
		for _, ev := range evs {
			latest[ev.Purpose] = ev
			switch ev.Kind {
			case store.ConsentGranted:
				inForce[ev.Purpose] = true
			case store.ConsentWithdrawn:
				inForce[ev.Purpose] = false
			}
		}
		kept := evs[:0:0]
		for _, ev := range evs {
			if !inForce[ev.Purpose] && latest[ev.Purpose].At.Before(endedBefore) {
				delete(l.ids, ev.ID)
				if ev.Reference != "" {
					delete(l.refs, ev.Reference)
				}
				deleted++
				continue
			}
			kept = append(kept, ev)
		}
		if len(kept) == 0 {
			delete(l.bySubject, subject)
		} else if len(kept) < len(evs) {
			l.bySubject[subject] = kept
		}
	}
	return deleted, nil
}
