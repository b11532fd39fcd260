package sqldriver

import (
	"context"
	"fmt"
	"strings"

	"github.com/frist-go/frist/policy"
)

// Get returns the row of dataset with key, by SQL column, and whether it
// exists: every column of the application's table as stored, except that
// bytes are returned as a string and a native time column or the marker
// that holds a time as a time.Time in UTC. It is the read that
// retentiontest's assertions make of a record.
func (s *Store) Get(ctx context.Context, dataset, key string) (map[string]any, bool, error) {
	t, err := s.open(dataset)
	if err != nil {
		return nil, false, err
	}
	if !s.matchable(key, t.keyType) {
		return nil, false, nil
	}
	native := map[string]bool{}
	for _, tc := range t.times {
		if tc.format == policy.TimeNative {
			native[strings.Trim(tc.col, `"`)] = true
		}
	}
	if t.marker != "" {
		native[t.marker] = true
	}
	bd := &Builder{d: s.d}
	stmt := fmt.Sprintf("SELECT * FROM %s t WHERE t.%s = %s", t.name, t.key, bd.Typed(key, t.keyType))
	rows, err := s.db.QueryContext(ctx, stmt, bd.args...)
	if err != nil {
		return nil, false, s.errorf("dataset %q: get record: %w", t.id, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, false, s.errorf("dataset %q: get record: %w", t.id, err)
		}
		return nil, false, nil
	}
	names, err := rows.Columns()
	if err != nil {
		return nil, false, s.errorf("dataset %q: get record: %w", t.id, err)
	}
	vals := make([]any, len(names))
	if err := rows.Scan(pointers(vals)...); err != nil {
		return nil, false, s.errorf("dataset %q: get record: %w", t.id, err)
	}
	row := make(map[string]any, len(names))
	for i, n := range names {
		v := vals[i]
		if b, ok := v.([]byte); ok {
			v = string(b)
		}
		if native[n] && v != nil {
			// A value that is not a time is returned as stored.
			if tv, err := ParseTime(policy.TimeNative, v); err == nil {
				v = tv
			}
		}
		row[n] = v
	}
	if err := rows.Err(); err != nil {
		return nil, false, s.errorf("dataset %q: get record: %w", t.id, err)
	}
	return row, true, nil
}
