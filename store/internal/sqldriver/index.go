package sqldriver

import (
	"context"
	"strings"
)

// Unindexed implements store.IndexChecker: it reports whether the SQL
// column behind the time column (TimeColumn.Name) of dataset is not the
// first column of any complete index. It reads the catalog instead of a
// query plan, because a planner rightly prefers a full scan on a small
// table, and the answer must not depend on how many rows exist today.
func (s *Store) Unindexed(ctx context.Context, dataset, column string) (bool, error) {
	t, err := s.open(dataset)
	if err != nil {
		return false, err
	}
	tc, ok := t.times[column]
	if !ok {
		return false, s.errorf("dataset %q: unknown time column %q", t.id, column)
	}
	schema, name := splitQuoted(t.name)
	has, err := s.d.LeadingIndex(ctx, s.db, schema, name, unquote(tc.col))
	if err != nil {
		return false, s.errorf("dataset %q: index of %s: %w", t.id, tc.col, err)
	}
	return !has, nil
}

// splitQuoted splits a quoted, possibly qualified name into its parts.
func splitQuoted(q string) (schema, name string) {
	if i := strings.Index(q, `"."`); i >= 0 {
		return unquote(q[:i+1]), unquote(q[i+2:])
	}
	return "", unquote(q)
}

// unquote reverses Quote for a validated identifier.
func unquote(q string) string { return strings.Trim(q, `"`) }
