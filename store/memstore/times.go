package memstore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/frist-go/frist/store"
)

var _ store.RecordTimes = (*Store)(nil)

// RecordsWithTimes implements store.RecordTimes: what Records returns,
// each record with its times, read under one lock so that a record and
// its times are of the same moment. O(m log m) for the subject's m
// records; times are in UTC.
func (s *Store) RecordsWithTimes(ctx context.Context, dataset, subject string, fields []string) ([]store.TimedRecord, error) {
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
	out := make([]store.TimedRecord, 0, len(rs))
	for _, r := range rs {
		tr := store.TimedRecord{
			Record: store.Record{Key: r.key, Subject: r.subject, Fields: make(map[string]any, len(fields))},
			Times:  make(map[string]time.Time, len(r.times)),
		}
		for _, f := range fields {
			v := r.row[ds.fieldCol[f]]
			if b, ok := v.([]byte); ok {
				v = slices.Clone(b)
			}
			tr.Fields[f] = v
		}
		for pos, tv := range r.times {
			if tv.set {
				tr.Times[ds.decl.Time[pos].Name] = tv.t
			}
		}
		out = append(out, tr)
	}
	return out, nil
}
