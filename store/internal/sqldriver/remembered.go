package sqldriver

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/frist-go/frist/store"
)

// rememberedColumns are the columns of frist_pending_events in the order
// scanRemembered reads them. record_keys holds the keys as a JSON array of
// strings, so that any key survives unchanged on every database.
const rememberedColumns = "id, dataset, rule, event, record_keys, subject, purpose, at, remembered_at"

// Remember implements store.Driver.Remember in one INSERT.
func (s *Store) Remember(ctx context.Context, p store.RememberedEvent) error {
	if err := s.usable(); err != nil {
		return err
	}
	if _, ok := s.tables[p.Dataset]; !ok {
		return s.errorf("remember event %s: dataset %q: %w", p.ID, p.Dataset, store.ErrUnknownDataset)
	}
	keys := []string{}
	if len(p.Keys) > 0 {
		keys = p.Keys
	}
	enc, err := json.Marshal(keys)
	if err != nil {
		return s.errorf("remember event %s: encoding keys: %w", p.ID, err)
	}
	var remembered any
	if !p.RememberedAt.IsZero() {
		remembered = s.d.TimeArg(p.RememberedAt)
	}
	bd := &Builder{d: s.d}
	stmt := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
		s.own("frist_pending_events"), rememberedColumns,
		bd.Arg(p.ID), bd.Arg(p.Dataset), bd.Arg(p.Rule), bd.Arg(p.Event), bd.Arg(string(enc)),
		bd.Arg(p.Subject), bd.Arg(p.Purpose), bd.Arg(s.d.TimeArg(p.At)), bd.Arg(remembered))
	res, err := s.exec(ctx, stmt, bd.args...)
	if err != nil {
		return s.errorf("remember event %s: %w", p.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return s.errorf("remember event %s: %w", p.ID, err)
	} else if n == 0 {
		return s.errorf("remember event %s: %w", p.ID, store.ErrConflict)
	}
	return nil
}

// ListRemembered implements store.Driver.ListRemembered through the
// primary key, which orders IDs by their bytes on every database.
func (s *Store) ListRemembered(ctx context.Context, after string, limit int) ([]store.RememberedEvent, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	bd := &Builder{d: s.d}
	stmt := fmt.Sprintf("SELECT %s FROM %s WHERE id > %s ORDER BY id", rememberedColumns, s.own("frist_pending_events"), bd.Arg(after))
	if limit > 0 {
		stmt += " LIMIT " + bd.Arg(limit)
	}
	rows, err := s.db.QueryContext(ctx, stmt, bd.args...)
	if err != nil {
		return nil, s.errorf("list remembered events: %w", err)
	}
	defer rows.Close()
	var out []store.RememberedEvent
	for rows.Next() {
		p, err := s.scanRemembered(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("list remembered events: %w", err)
	}
	return out, nil
}

// scanRemembered reads one row of rememberedColumns.
func (s *Store) scanRemembered(rows *sql.Rows) (store.RememberedEvent, error) {
	var p store.RememberedEvent
	var keys string
	var at, remembered any
	if err := rows.Scan(&p.ID, &p.Dataset, &p.Rule, &p.Event, &keys, &p.Subject, &p.Purpose, &at, &remembered); err != nil {
		return p, s.errorf("list remembered events: %w", err)
	}
	if err := json.Unmarshal([]byte(keys), &p.Keys); err != nil {
		return p, s.errorf("remembered event %s: decoding keys: %w", p.ID, err)
	}
	if len(p.Keys) == 0 {
		p.Keys = nil
	}
	t, err := s.d.ScanTime(at)
	if err != nil {
		return p, s.errorf("remembered event %s: at: %w", p.ID, err)
	}
	p.At = t
	if remembered != nil {
		if p.RememberedAt, err = s.d.ScanTime(remembered); err != nil {
			return p, s.errorf("remembered event %s: remembered_at: %w", p.ID, err)
		}
	}
	return p, nil
}

// Forget implements store.Driver.Forget in one
// DELETE: of concurrent removals, the database lets exactly one delete the
// row.
func (s *Store) Forget(ctx context.Context, id string) error {
	if err := s.usable(); err != nil {
		return err
	}
	bd := &Builder{d: s.d}
	stmt := fmt.Sprintf("DELETE FROM %s WHERE id = %s", s.own("frist_pending_events"), bd.Arg(id))
	res, err := s.exec(ctx, stmt, bd.args...)
	if err != nil {
		return s.errorf("forget remembered event %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.errorf("forget remembered event %s: %w", id, err)
	}
	if n == 0 {
		return s.errorf("forget remembered event %s: %w", id, store.ErrNotFound)
	}
	return nil
}
