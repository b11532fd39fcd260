package memstore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/frist-go/frist/store"
)

// Records implements store.Driver: O(m log m) for the subject's m records.
func (s *Store) Records(ctx context.Context, dataset, subject string, fields []string) ([]store.Record, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	ds, err := s.dataset(dataset)
	if err != nil {
		return nil, err
	}
	if ds.subjCol == "" {
		return nil, fmt.Errorf("memstore: dataset %s has no subject column", dataset)
	}
	if fields == nil {
		for _, f := range ds.decl.Fields {
			fields = append(fields, f.Name)
		}
	}
	for i, f := range fields {
		if _, ok := ds.fieldCol[f]; !ok {
			return nil, fmt.Errorf("memstore: dataset %s: fields[%d] is %q, which the dataset does not declare", dataset, i, f)
		}
	}
	rs := slices.SortedFunc(maps.Values(ds.bySubject[subject]), cmpKey)
	out := make([]store.Record, 0, len(rs))
	for _, r := range rs {
		rec := store.Record{Key: r.key, Subject: r.subject, Fields: make(map[string]any, len(fields))}
		for _, f := range fields {
			v := r.row[ds.fieldCol[f]]
			if b, ok := v.([]byte); ok {
				v = slices.Clone(b)
			}
			rec.Fields[f] = v
		}
		out = append(out, rec)
	}
	return out, nil
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
	out := make(map[string]time.Time, len(r.times))
	for pos, tv := range r.times {
		if tv.set {
			out[ds.decl.Time[pos].Name] = tv.t
		}
	}
	return out, nil
}
