package dsar

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/internal/storecheck"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
)

// ErrUndeclaredIdentifier: no dataset of the declaration declares an
// identifier of the form given, so a value of that form cannot be looked
// up; the message names the forms that are declared.
var ErrUndeclaredIdentifier = errors.New("dsar: the declaration declares no identifier of this form")

// Match is what Find found for an identifier.
type Match struct {
	// Subjects are the subject keys of the records the identifier
	// identifies, each once, in ascending order. They are personal data.
	Subjects []string
	// Searched names what was searched, as "dataset.field" or
	// "dataset.subject_column (keyed pseudonym)", so the operator can tell
	// the requester where nothing was found.
	Searched []string
}

// Find looks up the data subject a requester names by an identifier they
// know (Art. 12(2), 15(1)): it normalises value by form
// (policy.NormalizeIdentifier), derives the subject key of every dataset
// whose subject_key is derived from that form with the key ring it names,
// and searches every field declared as an identifier of that form (the
// keyed pseudonym of the value where the field holds one). rings are the
// key rings by name, as the key file names them.
//
// It returns ErrUndeclaredIdentifier for a form no dataset declares, an
// error wrapping policy.ErrIdentifier for a value not of the form, and
// ErrInvalid when a ring the declaration names is missing. An empty Match
// is no error: it means the declared places hold nothing for the value,
// which the operator must confirm before answering that no data is held.
// Nothing is written, and nothing is audited: Find discloses nothing to
// the requester.
func (s *Service) Find(ctx context.Context, form policy.IdentifierForm, value string, rings map[string]*anonymize.KeyRing) (*Match, error) {
	var declared []string
	for i := range s.decl.Datasets {
		for _, f := range s.decl.Datasets[i].IdentifierForms() {
			if !slices.Contains(declared, string(f)) {
				declared = append(declared, string(f))
			}
		}
	}
	if !slices.Contains(declared, string(form)) {
		known := "none: declare identifiers under a dataset's identifiers:"
		if len(declared) > 0 {
			known = "declared: " + strings.Join(declared, ", ")
		}
		return nil, fmt.Errorf("%w %q (%s)", ErrUndeclaredIdentifier, form, known)
	}
	norm, err := policy.NormalizeIdentifier(form, value, "")
	if err != nil {
		return nil, err
	}
	ring := func(name, where string) (*anonymize.KeyRing, error) {
		if r := rings[name]; r != nil {
			return r, nil
		}
		return nil, fmt.Errorf("%w: %s names the key ring %q, which the key file does not hold", ErrInvalid, where, name)
	}
	m := &Match{}
	found := map[string]bool{}
	add := func(ss ...string) {
		for _, s := range ss {
			if !found[s] {
				found[s] = true
				m.Subjects = append(m.Subjects, s)
			}
		}
	}
	now := s.clock()
	for i := range s.decl.Datasets {
		ds := &s.decl.Datasets[i]
		if ds.Subject == "" {
			continue
		}
		if sk := ds.SubjectKey; sk != nil && sk.From == form {
			r, err := ring(sk.Pseudonym, "dataset "+ds.ID+" subject_key")
			if err != nil {
				return nil, err
			}
			key := r.Pseudonym(norm)
			free, held, err := storecheck.Count(ctx, s.st, ds, store.Selection{Dataset: ds.ID, Subject: key, Now: now})
			if err != nil {
				return nil, fmt.Errorf("dsar: searching dataset %s: %w", ds.ID, err)
			}
			m.Searched = append(m.Searched, ds.ID+"."+ds.Subject+" (keyed pseudonym)")
			if free+held > 0 {
				add(key)
			}
		}
		for _, id := range ds.Identifiers {
			if id.Form != form {
				continue
			}
			v := norm
			where := ds.ID + "." + id.Field
			if id.Pseudonym != "" {
				r, err := ring(id.Pseudonym, "dataset "+ds.ID+" identifier "+id.Field)
				if err != nil {
					return nil, err
				}
				v = r.Pseudonym(norm)
				where += " (keyed pseudonym)"
			}
			err := storecheck.Search(ds, id.Field)
			var subs []string
			if err == nil {
				subs, err = s.st.SubjectsByField(ctx, ds.ID, id.Field, v)
			}
			if err != nil {
				return nil, fmt.Errorf("dsar: searching dataset %s field %s: %w", ds.ID, id.Field, err)
			}
			m.Searched = append(m.Searched, where)
			add(subs...)
		}
	}
	slices.Sort(m.Subjects)
	return m, nil
}

// Holdings counts what the store holds about subject: its records in
// every dataset with a subject column, and its events in the consent
// ledger. Zero means an access report would say that no personal data is
// processed about the subject; the caller should make sure the subject
// was looked up by every identifier the person gave (Find) before saying
// so.
func (s *Service) Holdings(ctx context.Context, subject string) (int, error) {
	now := s.clock()
	n := 0
	for i := range s.decl.Datasets {
		ds := &s.decl.Datasets[i]
		if ds.Subject == "" {
			continue
		}
		free, held, err := storecheck.Count(ctx, s.st, ds, store.Selection{Dataset: ds.ID, Subject: subject, Now: now})
		if err != nil {
			return 0, fmt.Errorf("dsar: counting the records of dataset %s: %w", ds.ID, err)
		}
		n += free + held
	}
	if s.ledger != nil {
		evs, err := s.ledger.History(ctx, subject, "")
		if err != nil {
			return 0, fmt.Errorf("dsar: reading the consent ledger: %w", err)
		}
		n += len(evs)
	}
	return n, nil
}
