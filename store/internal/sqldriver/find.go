package sqldriver

import (
	"context"
	"fmt"
)

// SubjectsByField implements store.Driver with one query on the
// declared column; the value is a bound parameter, compared as text.
func (s *Store) SubjectsByField(ctx context.Context, dataset, field, value string) ([]string, error) {
	t, err := s.open(dataset)
	if err != nil {
		return nil, err
	}
	col := t.fields[field]
	bd := &Builder{d: s.d}
	stmt := fmt.Sprintf("SELECT DISTINCT CAST(t.%s AS TEXT) AS s FROM %s t WHERE CAST(t.%s AS TEXT) = %s AND t.%s IS NOT NULL ORDER BY s",
		t.subject, t.name, col, bd.Arg(value), t.subject)
	rows, err := s.db.QueryContext(ctx, stmt, bd.args...)
	if err != nil {
		return nil, s.errorf("dataset %q: subjects by field %s: %w", t.id, field, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var subj string
		if err := rows.Scan(&subj); err != nil {
			return nil, s.errorf("dataset %q: subjects by field %s: %w", t.id, field, err)
		}
		out = append(out, subj)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("dataset %q: subjects by field %s: %w", t.id, field, err)
	}
	return out, nil
}
