package sqldriver

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/frist-go/frist/store"
)

// PlaceHold implements store.Holds.PlaceHold. The hold is stored in the
// dialect's hold transaction (Dialect.BeginHold), so PlaceHold returns only
// when every batch that started before it has committed, and every later
// batch sees the hold.
func (s *Store) PlaceHold(ctx context.Context, h store.Hold) error {
	if err := s.usable(); err != nil {
		return err
	}
	if h.Dataset != "" {
		if _, ok := s.tables[h.Dataset]; !ok {
			return s.errorf("place hold %s: dataset %q: %w", h.ID, h.Dataset, store.ErrUnknownDataset)
		}
	}
	bd := &Builder{d: s.d}
	stmt := fmt.Sprintf("INSERT INTO %s (id, dataset, record_key, subject, reason, note, placed_at, until_at, released_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
		s.own("frist_holds"), bd.Arg(h.ID), bd.Arg(h.Dataset), bd.Arg(h.Key), bd.Arg(h.Subject), bd.Arg(string(h.Reason)), bd.Arg(h.Note),
		bd.Arg(s.d.TimeArg(h.PlacedAt)), bd.Arg(s.optTime(h.Until)), bd.Arg(s.optTime(h.ReleasedAt)))
	res, err := s.storeHold(ctx, stmt, bd.args)
	if err != nil {
		return s.errorf("place hold %s: %w", h.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return s.errorf("place hold %s: %w", h.ID, err)
	} else if n == 0 {
		return s.errorf("place hold %s: %w", h.ID, store.ErrConflict)
	}
	return nil
}

// storeHold runs stmt in the dialect's hold transaction.
func (s *Store) storeHold(ctx context.Context, stmt string, args []any) (sql.Result, error) {
	tx, err := s.d.BeginHold(ctx, s.db)
	if err != nil {
		return nil, err
	}
	res, err := tx.ExecContext(ctx, stmt, args...)
	if err != nil {
		return nil, Rollback(tx, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return res, nil
}

// optTime binds a zero time as NULL.
func (s *Store) optTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return s.d.TimeArg(t)
}

// ReleaseHold implements store.Holds.ReleaseHold.
func (s *Store) ReleaseHold(ctx context.Context, id string, at time.Time) error {
	if err := s.usable(); err != nil {
		return err
	}
	bd := &Builder{d: s.d}
	stmt := fmt.Sprintf("UPDATE %s SET released_at = COALESCE(released_at, %s) WHERE id = %s", s.own("frist_holds"), bd.Arg(s.d.TimeArg(at)), bd.Arg(id))
	res, err := s.exec(ctx, stmt, bd.args...)
	if err != nil {
		return s.errorf("release hold %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return s.errorf("release hold %s: %w", id, err)
	} else if n == 0 {
		return s.errorf("release hold %s: %w", id, store.ErrNotFound)
	}
	return nil
}

// ListHolds implements store.Holds.ListHolds.
func (s *Store) ListHolds(ctx context.Context, at time.Time) ([]store.Hold, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	bd := &Builder{d: s.d}
	stmt := fmt.Sprintf("SELECT id, dataset, record_key, subject, reason, note, placed_at, until_at, released_at FROM %s h WHERE %s ORDER BY id",
		s.own("frist_holds"), bd.active(at))
	rows, err := s.db.QueryContext(ctx, stmt, bd.args...)
	if err != nil {
		return nil, s.errorf("list holds: %w", err)
	}
	defer rows.Close()
	var out []store.Hold
	for rows.Next() {
		var h store.Hold
		var reason string
		var placed, until, released any
		if err := rows.Scan(&h.ID, &h.Dataset, &h.Key, &h.Subject, &reason, &h.Note, &placed, &until, &released); err != nil {
			return nil, s.errorf("list holds: %w", err)
		}
		h.Reason = store.HoldReason(reason)
		for _, p := range []struct {
			v   any
			dst *time.Time
		}{{placed, &h.PlacedAt}, {until, &h.Until}, {released, &h.ReleasedAt}} {
			if p.v == nil {
				continue
			}
			if *p.dst, err = s.d.ScanTime(p.v); err != nil {
				return nil, s.errorf("list holds: hold %s: %w", h.ID, err)
			}
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("list holds: %w", err)
	}
	return out, nil
}

// ExpireHolds implements store.Holds.ExpireHolds in one statement: a hold
// ended before the cutoff when its release or its Until is before it
// (store.Hold.Ended). A NULL end, or one that is not a time of the
// dialect's (a text in SQLite's integer column), compares as not before,
// so a hold whose end cannot be read is kept.
func (s *Store) ExpireHolds(ctx context.Context, endedBefore time.Time) (int, error) {
	if err := s.usable(); err != nil {
		return 0, err
	}
	bd := &Builder{d: s.d}
	c := s.d.TimeArg(ceilMicro(endedBefore))
	stmt := fmt.Sprintf("DELETE FROM %s WHERE released_at < %s OR until_at < %s", s.own("frist_holds"), bd.Arg(c), bd.Arg(c))
	res, err := s.exec(ctx, stmt, bd.args...)
	if err != nil {
		return 0, s.errorf("expire holds: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, s.errorf("expire holds: %w", err)
	}
	return int(n), nil
}
