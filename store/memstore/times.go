package memstore

import (
	"context"

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
	ds, rs, fields, err := s.subjectRecords(dataset, subject, fields)
	if err != nil {
		return nil, err
	}
	out := make([]store.TimedRecord, 0, len(rs))
	for _, r := range rs {
		out = append(out, store.TimedRecord{Record: r.fields(ds, fields), Times: r.timesOf(ds)})
	}
	return out, nil
}
