package sqldriver

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
)

// PlaceHold implements store.Holds.PlaceHold. The hold is stored, and its
// audit entry sealed to the head, in the dialect's hold transaction
// (Dialect.BeginHold), so both commit or neither does, and PlaceHold
// returns only when every batch that started before it has committed, and
// every later batch sees the hold.
func (s *Store) PlaceHold(ctx context.Context, h store.Hold, entry store.HoldAudit) (audit.Entry, error) {
	if err := s.usable(); err != nil {
		return audit.Entry{}, err
	}
	if h.Dataset != "" {
		if _, ok := s.tables[h.Dataset]; !ok {
			return audit.Entry{}, s.errorf("place hold %s: dataset %q: %w", h.ID, h.Dataset, store.ErrUnknownDataset)
		}
	}
	bd := &Builder{d: s.d}
	stmt := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
		s.own("frist_holds"), holdColumns, bd.Arg(h.ID), bd.Arg(h.Dataset), bd.Arg(h.Key), bd.Arg(h.Subject), bd.Arg(string(h.Reason)), bd.Arg(h.Note),
		bd.Arg(s.d.TimeArg(h.PlacedAt)), bd.Arg(s.optTime(h.Until)), bd.Arg(s.optTime(h.ReleasedAt)))
	tx, err := s.d.BeginHold(ctx, s.db)
	if err != nil {
		return audit.Entry{}, s.errorf("place hold %s: %w", h.ID, err)
	}
	res, err := tx.ExecContext(ctx, stmt, bd.args...)
	if err != nil {
		return audit.Entry{}, Rollback(tx, s.errorf("place hold %s: %w", h.ID, err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return audit.Entry{}, Rollback(tx, s.errorf("place hold %s: %w", h.ID, err))
	} else if n == 0 {
		return audit.Entry{}, Rollback(tx, s.errorf("place hold %s: %w", h.ID, store.ErrConflict))
	}
	return s.commitHold(ctx, tx, "place", h, entry)
}

// commitHold builds the audit entry of the change to h that tx has
// stored, seals it to the head in tx and commits, or rolls everything
// back.
func (s *Store) commitHold(ctx context.Context, tx Tx, what string, h store.Hold, entry store.HoldAudit) (audit.Entry, error) {
	e, err := entry(h)
	if err != nil {
		return audit.Entry{}, Rollback(tx, s.errorf("%s hold %s: %w", what, h.ID, err))
	}
	sealed, err := s.appendAudit(ctx, tx, e)
	if err != nil {
		return audit.Entry{}, Rollback(tx, s.errorf("%s hold %s: %w", what, h.ID, err))
	}
	if err := tx.Commit(); err != nil {
		return audit.Entry{}, s.errorf("%s hold %s: commit: %w", what, h.ID, err)
	}
	return sealed, nil
}

// holdColumns are the columns of frist_holds in the order scanHold reads
// them.
const holdColumns = "id, dataset, record_key, subject, reason, note, placed_at, until_at, released_at"

// optTime binds a zero time as NULL.
func (s *Store) optTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return s.d.TimeArg(t)
}

// ReleaseHold implements store.Holds.ReleaseHold. The hold's row is read
// under its lock (or the write transaction's), and the release and its
// audit entry are stored in the same transaction, so both commit or
// neither does, and two replicas releasing the hold at once record one
// release. Releasing frees records, so no batch needs to be waited for.
func (s *Store) ReleaseHold(ctx context.Context, id string, at time.Time, entry store.HoldAudit) (audit.Entry, error) {
	if err := s.usable(); err != nil {
		return audit.Entry{}, err
	}
	tx, err := s.d.Begin(ctx, s.db)
	if err != nil {
		return audit.Entry{}, s.errorf("release hold %s: begin: %w", id, err)
	}
	bd := &Builder{d: s.d}
	rows, err := tx.QueryContext(ctx, fmt.Sprintf("SELECT %s FROM %s WHERE id = %s%s", holdColumns, s.own("frist_holds"), bd.Arg(id), s.d.LockSuffix()), bd.args...)
	if err != nil {
		return audit.Entry{}, Rollback(tx, s.errorf("release hold %s: %w", id, err))
	}
	hs, err := s.scanHolds(rows)
	if err != nil {
		return audit.Entry{}, Rollback(tx, s.errorf("release hold %s: %w", id, err))
	}
	if len(hs) == 0 {
		return audit.Entry{}, Rollback(tx, s.errorf("release hold %s: %w", id, store.ErrNotFound))
	}
	h := hs[0]
	if !h.ReleasedAt.IsZero() || !h.Until.IsZero() && !at.Before(h.Until) {
		return audit.Entry{}, Rollback(tx, nil) // ended: nothing to release
	}
	h.ReleasedAt = at
	bd = &Builder{d: s.d}
	stmt := fmt.Sprintf("UPDATE %s SET released_at = %s WHERE id = %s", s.own("frist_holds"), bd.Arg(s.d.TimeArg(at)), bd.Arg(id))
	if _, err := tx.ExecContext(ctx, stmt, bd.args...); err != nil {
		return audit.Entry{}, Rollback(tx, s.errorf("release hold %s: %w", id, err))
	}
	return s.commitHold(ctx, tx, "release", h, entry)
}

// ListHolds implements store.Holds.ListHolds.
func (s *Store) ListHolds(ctx context.Context, at time.Time) ([]store.Hold, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	bd := &Builder{d: s.d}
	stmt := fmt.Sprintf("SELECT %s FROM %s h WHERE %s ORDER BY id", holdColumns, s.own("frist_holds"), bd.active(at))
	rows, err := s.db.QueryContext(ctx, stmt, bd.args...)
	if err != nil {
		return nil, s.errorf("list holds: %w", err)
	}
	out, err := s.scanHolds(rows)
	if err != nil {
		return nil, s.errorf("list holds: %w", err)
	}
	return out, nil
}

// scanHolds reads the holds of rows, which select holdColumns, and closes
// rows.
func (s *Store) scanHolds(rows *sql.Rows) ([]store.Hold, error) {
	defer rows.Close()
	var out []store.Hold
	for rows.Next() {
		var h store.Hold
		var reason string
		var placed, until, released any
		if err := rows.Scan(&h.ID, &h.Dataset, &h.Key, &h.Subject, &reason, &h.Note, &placed, &until, &released); err != nil {
			return nil, err
		}
		h.Reason = store.HoldReason(reason)
		for _, p := range []struct {
			v   any
			dst *time.Time
		}{{placed, &h.PlacedAt}, {until, &h.Until}, {released, &h.ReleasedAt}} {
			if p.v == nil {
				continue
			}
			var err error
			if *p.dst, err = s.d.ScanTime(p.v); err != nil {
				return nil, fmt.Errorf("hold %s: %w", h.ID, err)
			}
		}
		out = append(out, h)
	}
	return out, rows.Err()
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
