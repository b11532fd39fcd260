package sqldriver

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/frist-go/frist/store"
)

var _ store.RecordTimes = (*Store)(nil)

// RecordsWithTimes implements store.RecordTimes: the statement of Records
// with the dataset's time columns added, so the subject's rows are found
// through the subject column and read once.
func (s *Store) RecordsWithTimes(ctx context.Context, dataset, subject string, fields []string) ([]store.TimedRecord, error) {
	t, err := s.open(dataset)
	if err != nil {
		return nil, err
	}
	if t.subject == "" {
		return nil, s.errorf("dataset %q: records by subject, but the dataset declares no subject column", t.id)
	}
	if fields == nil {
		fields = t.order
	}
	for _, f := range fields {
		if _, ok := t.fields[f]; !ok {
			return nil, s.errorf("dataset %q: field %q is not declared", t.id, f)
		}
	}
	if !s.matchable(subject, t.subjTyp) {
		return nil, nil
	}
	cols := []string{"CAST(t." + t.key + " AS TEXT)", "CAST(t." + t.subject + " AS TEXT)"}
	for _, f := range fields {
		cols = append(cols, "t."+t.fields[f])
	}
	tcs := make([]*timeCol, 0, len(t.times))
	for _, tc := range t.times {
		tcs = append(tcs, tc)
		cols = append(cols, "t."+tc.col)
	}
	bd := &Builder{d: s.d}
	stmt := fmt.Sprintf("SELECT %s FROM %s t WHERE t.%s = %s ORDER BY t.%s", strings.Join(cols, ", "), t.name,
		t.subject, bd.Typed(subject, t.subjTyp), t.key)
	rows, err := s.db.QueryContext(ctx, stmt, bd.args...)
	if err != nil {
		return nil, s.errorf("dataset %q: records: %w", t.id, err)
	}
	defer rows.Close()
	var out []store.TimedRecord
	var key string
	var subj sql.NullString
	vals := make([]any, len(fields)+len(tcs))
	dst := []any{&key, &subj}
	for i := range vals {
		dst = append(dst, &vals[i])
	}
	for rows.Next() {
		if err := rows.Scan(dst...); err != nil {
			return nil, s.errorf("dataset %q: records: %w", t.id, err)
		}
		r := store.TimedRecord{
			Record: store.Record{Key: key, Subject: subj.String, Fields: make(map[string]any, len(fields))},
			Times:  make(map[string]time.Time, len(tcs)),
		}
		for i, f := range fields {
			r.Fields[f] = normalize(vals[i])
		}
		for i, tc := range tcs {
			v := vals[len(fields)+i]
			if v == nil {
				continue
			}
			tm, err := tc.parse(v)
			if err != nil {
				return nil, s.errorf("dataset %q: time column %q: %w", t.id, tc.name, err)
			}
			r.Times[tc.name] = tm
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("dataset %q: records: %w", t.id, err)
	}
	return out, nil
}

// matchable reports whether the text form v can equal a value of a column
// of catalog type typ. A dialect that casts bound text to the column's type
// (PostgreSQL) fails the whole statement on text the type cannot hold
// ("invalid input syntax for type bigint"); such text equals no stored
// value, so the caller answers "none" without asking the database, as it
// does for any other unknown subject or key. Only the integer types that
// keys and subjects have are checked; a dialect that compares without a
// cast (SQLite) is always asked, so its own comparison rules apply.
func (s *Store) matchable(v, typ string) bool {
	if s.d.Cast("", typ) == "" {
		return true
	}
	bits := 0
	switch strings.ToLower(typ) {
	case "smallint":
		bits = 16
	case "integer":
		bits = 32
	case "bigint":
		bits = 64
	default:
		return true
	}
	_, err := strconv.ParseInt(strings.TrimSpace(v), 10, bits)
	return err == nil
}
