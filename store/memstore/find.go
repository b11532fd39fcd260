package memstore

import (
	"context"
	"fmt"
	"slices"
)

// SubjectsByField implements store.Driver: O(n) for the dataset's
// n records. Values are compared in their text form.
func (s *Store) SubjectsByField(ctx context.Context, dataset, field, value string) ([]string, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	ds, err := s.dataset(dataset)
	if err != nil {
		return nil, err
	}
	col := ds.fieldCol[field]
	seen := map[string]bool{}
	var out []string
	for _, r := range ds.rows {
		v := r.row[col]
		if v == nil || r.subject == "" || seen[r.subject] {
			continue
		}
		var text string
		switch x := v.(type) {
		case string:
			text = x
		case []byte:
			text = string(x)
		default:
			text = fmt.Sprint(x)
		}
		if text == value {
			seen[r.subject] = true
			out = append(out, r.subject)
		}
	}
	slices.Sort(out)
	return out, nil
}
