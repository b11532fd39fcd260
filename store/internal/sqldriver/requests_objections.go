package sqldriver

import (
	"context"
	"fmt"
	"time"

	"github.com/frist-go/frist/store"
)

var _ store.RequestStore = (*Store)(nil)

// AddObjection implements store.RequestStore.AddObjection in one statement:
// an existing ID is left as it is and reported as store.ErrConflict.
func (s *Store) AddObjection(ctx context.Context, o store.Objection) error {
	if err := s.usable(); err != nil {
		return err
	}
	bd := &Builder{d: s.d}
	stmt := fmt.Sprintf("INSERT INTO %s (id, subject, purpose, at, request, lifted_at, lift_reason) VALUES (%s, %s, %s, %s, %s, NULL, '') ON CONFLICT (id) DO NOTHING",
		s.own("frist_objections"), bd.Arg(o.ID), bd.Arg(o.Subject), bd.Arg(o.Purpose), bd.Arg(s.d.TimeArg(o.At)), bd.Arg(o.Request))
	res, err := s.exec(ctx, stmt, bd.args...)
	if err != nil {
		return s.errorf("add objection %s: %w", o.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return s.errorf("add objection %s: %w", o.ID, err)
	} else if n == 0 {
		return s.errorf("add objection %s: %w", o.ID, store.ErrConflict)
	}
	return nil
}

// LiftObjection implements store.RequestStore.LiftObjection. Both columns
// are set from the row as it was before the statement, so a second lift
// keeps the first time and reason.
func (s *Store) LiftObjection(ctx context.Context, id string, at time.Time, reason string) error {
	if err := s.usable(); err != nil {
		return err
	}
	if at.IsZero() {
		return s.errorf("lift objection %s: no time of lifting", id)
	}
	bd := &Builder{d: s.d}
	stmt := fmt.Sprintf("UPDATE %s SET lifted_at = COALESCE(lifted_at, %s), lift_reason = CASE WHEN lifted_at IS NULL THEN %s ELSE lift_reason END WHERE id = %s",
		s.own("frist_objections"), bd.Arg(s.d.TimeArg(at)), bd.Arg(reason), bd.Arg(id))
	res, err := s.exec(ctx, stmt, bd.args...)
	if err != nil {
		return s.errorf("lift objection %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return s.errorf("lift objection %s: %w", id, err)
	} else if n == 0 {
		return s.errorf("lift objection %s: %w", id, store.ErrNotFound)
	}
	return nil
}

// ListObjections implements store.RequestStore.ListObjections through the
// index on (subject, at, id).
func (s *Store) ListObjections(ctx context.Context, subject string) ([]store.Objection, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	bd := &Builder{d: s.d}
	stmt := fmt.Sprintf("SELECT id, subject, purpose, at, request, lifted_at, lift_reason FROM %s WHERE subject = %s ORDER BY at, id",
		s.own("frist_objections"), bd.Arg(subject))
	rows, err := s.db.QueryContext(ctx, stmt, bd.args...)
	if err != nil {
		return nil, s.errorf("list objections: %w", err)
	}
	defer rows.Close()
	var out []store.Objection
	for rows.Next() {
		var o store.Objection
		var at, lifted any
		if err := rows.Scan(&o.ID, &o.Subject, &o.Purpose, &at, &o.Request, &lifted, &o.LiftReason); err != nil {
			return nil, s.errorf("list objections: %w", err)
		}
		var err error
		if o.At, err = s.d.ScanTime(at); err != nil {
			return nil, s.errorf("list objections: objection %s: %w", o.ID, err)
		}
		if o.LiftedAt, err = s.optScanTime(lifted); err != nil {
			return nil, s.errorf("list objections: objection %s: %w", o.ID, err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("list objections: %w", err)
	}
	return out, nil
}
