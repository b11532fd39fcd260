package sqldriver

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/frist-go/frist/store"
)

// HoldFence is an optional part of a Dialect: a lock that serialises
// placing a hold with the batches in flight, where the database's write
// transactions do not (store.Holds).
//
// PostgreSQL needs it. Under READ COMMITTED a batch statement sees the
// holds committed before its snapshot was taken; a hold committed after
// that, while the batch is still open, is not seen, and the batch would
// commit after PlaceHold returned, processing records the hold covers.
// With the fence, every batch holds it shared from before its first
// statement until it ends, and PlaceHold takes it exclusively before it
// stores the hold: PlaceHold waits for the batches in flight to commit,
// and every batch that starts later takes each snapshot after the hold
// was committed. Batches never wait for each other on it.
//
// SQLite needs none: a batch is one BEGIN IMMEDIATE transaction, which
// excludes every other writer, PlaceHold's insert included, from before
// its first read until it ends.
type HoldFence interface {
	// BeginBatch opens a batch's write transaction, as Begin does,
	// holding the fence shared until it ends.
	BeginBatch(ctx context.Context, db *sql.DB) (Tx, error)
	// FenceHolds takes the fence exclusively inside tx, which waits until
	// every batch in flight has ended; it is released when tx ends.
	FenceHolds(ctx context.Context, tx Tx) error
}

// beginBatch opens a batch's transaction: inside the hold fence where the
// dialect has one, after waiting writers where it lets them go first
// (WritersFirst).
func (s *Store) beginBatch(ctx context.Context) (Tx, error) {
	if b, ok := s.d.(BatchBeginner); ok {
		return b.BeginBatch(ctx, s.db)
	}
	return s.d.Begin(ctx, s.db)
}

// PlaceHold implements store.Holds.PlaceHold. Where the dialect has a
// HoldFence, the hold is stored under it, so PlaceHold returns only when
// every batch that started before it has committed, and every later batch
// sees the hold.
func (s *Store) PlaceHold(ctx context.Context, h store.Hold) error {
	if err := s.usable(); err != nil {
		return err
	}
	switch {
	case h.ID == "":
		return s.errorf("place hold: the hold has no ID")
	case h.Key != "" && h.Dataset == "":
		return s.errorf("place hold %s: a hold on a record key needs its dataset", h.ID)
	case h.Key == "" && h.Subject == "":
		return s.errorf("place hold %s: a hold needs a record key or a subject", h.ID)
	case h.PlacedAt.IsZero():
		return s.errorf("place hold %s: the hold has no placement time", h.ID)
	}
	if h.Dataset != "" {
		if _, ok := s.tables[h.Dataset]; !ok {
			return s.errorf("place hold %s: dataset %q: %w", h.ID, h.Dataset, store.ErrUnknownDataset)
		}
	}
	bd := &builder{d: s.d}
	stmt := fmt.Sprintf("INSERT INTO %s (id, dataset, record_key, subject, reason, note, placed_at, until_at, released_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
		s.own("frist_holds"), bd.arg(h.ID), bd.arg(h.Dataset), bd.arg(h.Key), bd.arg(h.Subject), bd.arg(string(h.Reason)), bd.arg(h.Note),
		bd.arg(s.d.TimeArg(h.PlacedAt)), bd.arg(s.optTime(h.Until)), bd.arg(s.optTime(h.ReleasedAt)))
	var res sql.Result
	var err error
	if f, ok := s.d.(HoldFence); ok {
		res, err = s.fenced(ctx, f, stmt, bd.args)
	} else {
		res, err = s.exec(ctx, stmt, bd.args...)
	}
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

// fenced runs stmt in a transaction of its own that holds the hold fence
// exclusively.
func (s *Store) fenced(ctx context.Context, f HoldFence, stmt string, args []any) (sql.Result, error) {
	tx, err := s.d.Begin(ctx, s.db)
	if err != nil {
		return nil, err
	}
	if err := f.FenceHolds(ctx, tx); err != nil {
		return nil, rollback(tx, err)
	}
	res, err := tx.ExecContext(ctx, stmt, args...)
	if err != nil {
		return nil, rollback(tx, err)
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
	bd := &builder{d: s.d}
	stmt := fmt.Sprintf("UPDATE %s SET released_at = COALESCE(released_at, %s) WHERE id = %s", s.own("frist_holds"), bd.arg(s.d.TimeArg(at)), bd.arg(id))
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
	bd := &builder{d: s.d}
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
