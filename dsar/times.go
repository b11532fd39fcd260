package dsar

import (
	"context"
	"fmt"

	"github.com/frist-go/frist/store"
)

// recordsWithTimes returns every record of subject in dataset with all
// its declared fields and its time columns, from which the deadline of
// each record under Art. 15(1)(d) is computed. A store with
// store.RecordTimes answers in one read; otherwise the records are read
// (store.Driver.Records) and then each record's times by key
// (store.Driver.Times).
func (s *Service) recordsWithTimes(ctx context.Context, dataset, subject string) ([]store.TimedRecord, error) {
	if st, ok := s.st.(store.RecordTimes); ok {
		recs, err := st.RecordsWithTimes(ctx, dataset, subject, nil)
		if err != nil {
			return nil, fmt.Errorf("dsar: reading dataset %s: %w", dataset, err)
		}
		return recs, nil
	}
	recs, err := s.st.Records(ctx, dataset, subject, nil)
	if err != nil {
		return nil, fmt.Errorf("dsar: reading dataset %s: %w", dataset, err)
	}
	out := make([]store.TimedRecord, len(recs))
	for i, rec := range recs {
		times, err := s.st.Times(ctx, dataset, rec.Key)
		if err != nil {
			return nil, fmt.Errorf("dsar: reading the times of a record of dataset %s: %w", dataset, err)
		}
		out[i] = store.TimedRecord{Record: rec, Times: times}
	}
	return out, nil
}
