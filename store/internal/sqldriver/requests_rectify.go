package sqldriver

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
)

// UpdateFields implements store.Driver. The value types are checked
// first. Then one write transaction updates the record by key and
// subject, so another subject's record is never matched, and seals the
// entry to the audit head read under the same lock Process takes (the
// write transaction on SQLite, FOR UPDATE on the head row on PostgreSQL):
// the change and its entry commit together or not at all, and the chain
// never forks. On PostgreSQL the record's row lock is taken before the
// head's, in the order Process takes them, so the two never deadlock.
func (s *Store) UpdateFields(ctx context.Context, dataset, key, subject string, values map[string]any, entry audit.Entry) (audit.Entry, error) {
	t, err := s.open(dataset)
	if err != nil {
		return audit.Entry{}, err
	}
	bd := &Builder{d: s.d}
	names := slices.Sorted(maps.Keys(values))
	sets := make([]string, 0, len(names))
	for _, name := range names {
		col := t.fields[name]
		v, err := writable(values[name])
		if err != nil {
			return audit.Entry{}, s.errorf("update fields of dataset %q: field %q: %w", t.id, name, err)
		}
		sets = append(sets, col+" = "+bd.Arg(s.d.WriteValue(v)))
	}
	if subject == "" || !s.matchable(subject, t.subjTyp) || !s.matchable(key, t.keyType) {
		return audit.Entry{}, s.errorf("update fields of dataset %q: no record with that key of that subject: %w", t.id, store.ErrNotFound)
	}
	stmt := fmt.Sprintf("UPDATE %s SET %s WHERE %s = %s AND %s = %s", t.name, strings.Join(sets, ", "),
		t.key, bd.Typed(key, t.keyType), t.subject, bd.Typed(subject, t.subjTyp))
	tx, err := s.d.Begin(ctx, s.db)
	if err != nil {
		return audit.Entry{}, s.errorf("update fields of dataset %q: begin: %w", t.id, err)
	}
	res, err := tx.ExecContext(ctx, stmt, bd.args...)
	if err != nil {
		return audit.Entry{}, Rollback(tx, s.errorf("update fields of dataset %q: %w", t.id, err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return audit.Entry{}, Rollback(tx, s.errorf("update fields of dataset %q: %w", t.id, err))
	}
	if n != 1 {
		// n > 1 cannot happen on a key column; refuse rather than audit a
		// change of one record that touched several.
		err := s.errorf("update fields of dataset %q: no record with that key of that subject: %w", t.id, store.ErrNotFound)
		if n > 1 {
			err = s.errorf("update fields of dataset %q: the key matched %d records; the key column is not unique", t.id, n)
		}
		return audit.Entry{}, Rollback(tx, err)
	}
	sealed, err := s.appendAudit(ctx, tx, entry)
	if err != nil {
		return audit.Entry{}, Rollback(tx, err)
	}
	if err := tx.Commit(); err != nil {
		return audit.Entry{}, s.errorf("update fields of dataset %q: commit: %w", t.id, err)
	}
	return sealed, nil
}

// writable accepts the value types a store.Record holds (and Go's other
// integer and float kinds), and refuses anything a column cannot hold.
func writable(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, int64, float64, bool, time.Time:
		return v, nil
	case []byte:
		return slices.Clone(x), nil
	case int:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case float32:
		return float64(x), nil
	default:
		return nil, fmt.Errorf("a value of type %T cannot be stored in a column", v)
	}
}
