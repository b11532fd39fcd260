package dsar

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/internal/storecheck"
	"github.com/frist-go/frist/notify"
	"github.com/frist-go/frist/store"
)

// Change is one correction a rectification makes: the new value of a
// declared field of one of the subject's records.
type Change = notify.FieldChange

// Rectify carries out the rectification request with id (Art. 16): it
// sets each field to its corrected value, record by record, each record's
// change atomic with its audit entry (store.Driver.UpdateFields; a backend
// that cannot change a record in place, such as store/logstore, fails with
// an error wrapping errors.ErrUnsupported and changes nothing). Only
// declared fields of the subject's own records can be changed: a change naming an
// undeclared dataset or field, a dataset without a subject column, a key
// column, or a record that is not the subject's is refused with
// ErrRectification before anything changes. The audit entry names the
// dataset, the fields and the subject's pseudonym, never the values. The
// request must be a rectification request whose requester is verified; on
// success it is completed, and every recipient of a changed dataset is
// told the corrected values (Art. 19, see Notifier); when one cannot be,
// the error wraps ErrNotNotified. The wrong values stay in the database's
// files until the engine's next sweep, or retention.Engine.Purge, has the
// store purge the changed datasets (retention.Engine.MarkDatasetsForPurge).
func (s *Service) Rectify(ctx context.Context, id uuid.UUID, changes []Change) (*Request, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(changes) == 0 {
		return nil, fmt.Errorf("%w: no change given", ErrRectification)
	}
	type recordRef struct{ dataset, key string }
	byRecord := map[recordRef]map[string]any{}
	var order []recordRef
	for i, c := range changes {
		ds := s.decl.Dataset(c.Dataset)
		switch {
		case ds == nil:
			return nil, fmt.Errorf("%w: changes[%d]: dataset %q is not declared", ErrRectification, i, c.Dataset)
		case c.Key == "":
			return nil, fmt.Errorf("%w: changes[%d]: the record key is empty", ErrRectification, i)
		}
		if err := storecheck.Update(ds, map[string]any{c.Field: c.Value}); err != nil {
			return nil, fmt.Errorf("%w: changes[%d]: %w", ErrRectification, i, err)
		}
		ref := recordRef{c.Dataset, c.Key}
		if byRecord[ref] == nil {
			byRecord[ref] = map[string]any{}
			order = append(order, ref)
		}
		if _, dup := byRecord[ref][c.Field]; dup {
			return nil, fmt.Errorf("%w: changes[%d]: field %s of the same record is changed twice", ErrRectification, i, c.Field)
		}
		byRecord[ref][c.Field] = c.Value
	}
	r, err := s.begin(ctx, id, Rectification)
	if err != nil {
		return nil, err
	}
	// Every record must be the subject's before anything changes.
	for _, ref := range order {
		recs, err := s.records(ctx, s.decl.Dataset(ref.dataset), r.subject, []string{})
		if err != nil {
			return nil, fmt.Errorf("dsar: reading dataset %s: %w", ref.dataset, err)
		}
		if !slices.ContainsFunc(recs, func(rec store.Record) bool { return rec.Key == ref.key }) {
			return nil, fmt.Errorf("%w: dataset %s has no record with that key of the requester", ErrRectification, ref.dataset)
		}
	}
	// Every entry must pass too before the first record changes: the
	// backend is promised valid ones (store.Driver.UpdateFields).
	now := s.clock()
	entries := make([]audit.Entry, len(order))
	for i, ref := range order {
		fields := slices.Sorted(maps.Keys(byRecord[ref]))
		entries[i] = audit.Entry{Time: now, Action: "dsar.rectify", Dataset: ref.dataset, Count: 1,
			Subjects: []string{s.AuditPseudonym(r)}, Policy: s.policy,
			Note: "request " + r.id.String() + " (rectification): fields " + strings.Join(fields, ", ")}.SignedBy(s.eng.AuditSigner())
		if err := entries[i].Validate(); err != nil {
			return nil, fmt.Errorf("dsar: the audit entry of the rectification of dataset %s is refused: %w", ref.dataset, err)
		}
	}
	for i, ref := range order {
		// The old values stay in the database's files (an SQLite
		// write-ahead log, dead PostgreSQL row versions) until the
		// store purges the dataset; the engine's next sweep does.
		s.eng.MarkDatasetsForPurge(ref.dataset)
		if _, err := s.st.UpdateFields(ctx, ref.dataset, ref.key, r.subject, byRecord[ref], entries[i]); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil, fmt.Errorf("%w: dataset %s has no record with that key of the requester", ErrRectification, ref.dataset)
			}
			return nil, fmt.Errorf("%w: dataset %s: %w", ErrRectification, ref.dataset, err)
		}
	}
	if err := s.finish(ctx, r, fmt.Sprintf("%d records rectified", len(order))); err != nil {
		return nil, err
	}
	var affected []string
	for _, ref := range order {
		if !slices.Contains(affected, ref.dataset) {
			affected = append(affected, ref.dataset)
		}
	}
	if _, err := s.notify(ctx, r, affected, changes, now); err != nil {
		return r, err
	}
	return r, nil
}
