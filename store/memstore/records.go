package memstore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/frist-go/frist/store"
)

// Records implements store.Driver: O(m log m) for the subject's m records,
// each with its times (in UTC), read under one lock so that a record and
// its times are of the same moment.
func (s *Store) Records(ctx context.Context, dataset, subject string, fields []string) ([]store.Record, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	ds, rs, fields, err := s.subjectRecords(dataset, subject, fields)
	if err != nil {
		return nil, err
	}
	out := make([]store.Record, 0, len(rs))
	for _, r := range rs {
		rec := r.fields(ds, fields)
		rec.Times = r.timesOf(ds)
		out = append(out, rec)
	}
	return out, nil
}

// Unreadable implements store.Driver. A Store refuses a time value it
// cannot read when it is inserted or updated, so it counts none.
func (s *Store) Unreadable(ctx context.Context, sel store.Selection) (int, string, error) {
	if err := s.begin(ctx); err != nil {
		return 0, "", err
	}
	defer s.mu.Unlock()
	if _, err := s.dataset(sel.Dataset); err != nil {
		return 0, "", err
	}
	return 0, "a time.Time or a value of the column's declared format (memstore refuses any other)", nil
}

// subjectRecords resolves a read by subject: it returns the dataset, the
// subject's records in key order and the fields to read (all declared
// fields when fields is nil). The caller holds s.mu.
func (s *Store) subjectRecords(dataset, subject string, fields []string) (*dataset, []*record, []string, error) {
	ds, err := s.dataset(dataset)
	if err != nil {
		return nil, nil, nil, err
	}
	if fields == nil {
		for _, f := range ds.decl.Fields {
			fields = append(fields, f.Name)
		}
	}
	return ds, slices.SortedFunc(maps.Values(ds.bySubject[subject]), cmpKey), fields, nil
}

// fields returns r as a store.Record with the named fields, copying byte
// slices so callers cannot change the stored row.
func (r *record) fields(ds *dataset, fields []string) store.Record {
	rec := store.Record{Key: r.key, Subject: r.subject, Fields: make(map[string]any, len(fields))}
	for _, f := range fields {
		v := r.row[ds.fieldCol[f]]
		if b, ok := v.([]byte); ok {
			v = slices.Clone(b)
		}
		rec.Fields[f] = v
	}
	return rec
}

// timesOf returns r's set time columns by TimeColumn.Name.
func (r *record) timesOf(ds *dataset) map[string]time.Time {
	out := make(map[string]time.Time, len(r.times))
	for pos, tv := range r.times {
		if tv.set {
			out[ds.decl.Time[pos].Name] = tv.t
		}
	}
	return out
}

// Times implements store.Driver. Values are in UTC.
func (s *Store) Times(ctx context.Context, dataset, key string) (map[string]time.Time, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	ds, err := s.dataset(dataset)
	if err != nil {
		return nil, err
	}
	r, ok := ds.rows[key]
	if !ok {
		return nil, fmt.Errorf("%w: dataset %s has no record with that key", store.ErrNotFound, dataset)
	}
	return r.timesOf(ds), nil
}
