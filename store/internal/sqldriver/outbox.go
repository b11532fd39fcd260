package sqldriver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/frist-go/frist/store"
)

// outboxColumns are the columns of frist_outbox in the order scanOutgoing
// reads them. body is a BLOB (SQLite) or bytea (PostgreSQL), so that every
// byte of it survives. Errors name an entry by its ID only: its body holds
// personal data (docs/DESIGN.md, "Pseudonyms only").
const outboxColumns = "id, recipient, body, attempts, since, next"

// Enqueue implements store.Outbox.Enqueue in one INSERT that inserts
// nothing when the ID is taken.
func (s *Store) Enqueue(ctx context.Context, o store.Outgoing) error {
	if err := s.usable(); err != nil {
		return err
	}
	bd := &Builder{d: s.d}
	stmt := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
		s.own("frist_outbox"), outboxColumns,
		bd.Arg(o.ID), bd.Arg(o.Recipient), bd.Arg(o.Body), bd.Arg(o.Attempts),
		bd.Arg(s.d.TimeArg(o.Since)), bd.Arg(s.d.TimeArg(o.Next)))
	res, err := s.exec(ctx, stmt, bd.args...)
	if err != nil {
		return s.errorf("enqueue notification %s: %w", o.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return s.errorf("enqueue notification %s: %w", o.ID, err)
	} else if n == 0 {
		return s.errorf("enqueue notification %s: it is waiting already: %w", o.ID, store.ErrConflict)
	}
	return nil
}

// ListOutgoing implements store.Outbox.ListOutgoing through the primary
// key, which orders IDs by their bytes on every database.
func (s *Store) ListOutgoing(ctx context.Context, after string, limit int) ([]store.Outgoing, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	bd := &Builder{d: s.d}
	stmt := fmt.Sprintf("SELECT %s FROM %s WHERE id > %s ORDER BY id", outboxColumns, s.own("frist_outbox"), bd.Arg(after))
	if limit > 0 {
		stmt += " LIMIT " + bd.Arg(limit)
	}
	rows, err := s.db.QueryContext(ctx, stmt, bd.args...)
	if err != nil {
		return nil, s.errorf("list waiting notifications: %w", err)
	}
	defer rows.Close()
	var out []store.Outgoing
	for rows.Next() {
		o, err := s.scanOutgoing(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("list waiting notifications: %w", err)
	}
	return out, nil
}

// scanOutgoing reads one row of outboxColumns. Scanning into a []byte
// copies the body, so the entry returned shares nothing with the driver.
func (s *Store) scanOutgoing(rows *sql.Rows) (store.Outgoing, error) {
	var o store.Outgoing
	var since, next any
	if err := rows.Scan(&o.ID, &o.Recipient, &o.Body, &o.Attempts, &since, &next); err != nil {
		return o, s.errorf("list waiting notifications: %w", err)
	}
	var err error
	if o.Since, err = s.d.ScanTime(since); err != nil {
		return o, s.errorf("waiting notification %s: since: %w", o.ID, err)
	}
	if o.Next, err = s.d.ScanTime(next); err != nil {
		return o, s.errorf("waiting notification %s: next: %w", o.ID, err)
	}
	return o, nil
}

// Reschedule implements store.Outbox.Reschedule in one UPDATE conditioned
// on the attempts the caller read: the database lets exactly one of
// concurrent callers change the row (SQLite: writes are serialised;
// PostgreSQL: a waiting UPDATE re-checks its condition on the row the
// first committed, and finds attempts changed). Only when it changed
// nothing does a read tell an unknown ID from a lost race.
func (s *Store) Reschedule(ctx context.Context, id string, attempts int, next time.Time) (bool, error) {
	if err := s.usable(); err != nil {
		return false, err
	}
	bd := &Builder{d: s.d}
	stmt := fmt.Sprintf("UPDATE %s SET attempts = %s, next = %s WHERE id = %s AND attempts = %s",
		s.own("frist_outbox"), bd.Arg(attempts+1), bd.Arg(s.d.TimeArg(next)), bd.Arg(id), bd.Arg(attempts))
	res, err := s.exec(ctx, stmt, bd.args...)
	if err != nil {
		return false, s.errorf("reschedule notification %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, s.errorf("reschedule notification %s: %w", id, err)
	}
	if n > 0 {
		return true, nil
	}
	bd = &Builder{d: s.d}
	var one int
	err = s.db.QueryRowContext(ctx, fmt.Sprintf("SELECT 1 FROM %s WHERE id = %s", s.own("frist_outbox"), bd.Arg(id)), bd.args...).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, s.errorf("reschedule notification %s: it is not waiting: %w", id, store.ErrNotFound)
	case err != nil:
		return false, s.errorf("reschedule notification %s: %w", id, err)
	}
	return false, nil
}

// Dequeue implements store.Outbox.Dequeue in one DELETE: of concurrent
// removals, the database lets exactly one delete the row.
func (s *Store) Dequeue(ctx context.Context, id string) error {
	if err := s.usable(); err != nil {
		return err
	}
	bd := &Builder{d: s.d}
	stmt := fmt.Sprintf("DELETE FROM %s WHERE id = %s", s.own("frist_outbox"), bd.Arg(id))
	res, err := s.exec(ctx, stmt, bd.args...)
	if err != nil {
		return s.errorf("dequeue notification %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.errorf("dequeue notification %s: %w", id, err)
	}
	if n == 0 {
		return s.errorf("dequeue notification %s: it is not waiting: %w", id, store.ErrNotFound)
	}
	return nil
}
