package sqldriver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/frist-go/frist/store"
)

var _ store.RequestStore = (*Store)(nil)

// requestColumns are the columns of frist_requests in the order
// scanRequest reads them.
const requestColumns = "id, subject, kind, state, is_final, received_at, due_at, version, body, closed_at, pseudonymized"

// CreateRequest implements store.RequestStore.CreateRequest in one statement:
// an existing ID is left as it is and reported as store.ErrConflict.
func (s *Store) CreateRequest(ctx context.Context, r store.Request) error {
	if err := s.usable(); err != nil {
		return err
	}
	bd := &Builder{d: s.d}
	stmt := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s, %s, %s, %s, %s, %s, %s, 1, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
		s.own("frist_requests"), requestColumns,
		bd.Arg(r.ID), bd.Arg(r.Subject), bd.Arg(r.Kind), bd.Arg(r.State), bd.Arg(r.Final),
		bd.Arg(s.d.TimeArg(r.ReceivedAt)), bd.Arg(s.d.TimeArg(r.Due)), bd.Arg(r.Body), bd.Arg(s.optTimeArg(r.ClosedAt)), bd.Arg(false))
	res, err := s.exec(ctx, stmt, bd.args...)
	if err != nil {
		return s.errorf("create request %s: %w", r.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return s.errorf("create request %s: %w", r.ID, err)
	} else if n == 0 {
		return s.errorf("create request %s: %w", r.ID, store.ErrConflict)
	}
	return nil
}

// UpdateRequest implements store.RequestStore.UpdateRequest. The version check
// and the immutable fields are conditions of the one UPDATE statement, so
// a concurrent writer can never slip in between check and write; only when
// it changes no row is the stored request read to say why.
func (s *Store) UpdateRequest(ctx context.Context, r store.Request) (int, error) {
	if err := s.usable(); err != nil {
		return 0, err
	}
	received := s.d.TimeArg(r.ReceivedAt)
	bd := &Builder{d: s.d}
	stmt := fmt.Sprintf("UPDATE %s SET state = %s, is_final = %s, due_at = %s, body = %s, closed_at = %s, version = version + 1 WHERE id = %s AND version = %s AND subject = %s AND kind = %s AND received_at = %s",
		s.own("frist_requests"), bd.Arg(r.State), bd.Arg(r.Final), bd.Arg(s.d.TimeArg(r.Due)), bd.Arg(r.Body), bd.Arg(s.optTimeArg(r.ClosedAt)),
		bd.Arg(r.ID), bd.Arg(r.Version), bd.Arg(r.Subject), bd.Arg(r.Kind), bd.Arg(received))
	res, err := s.exec(ctx, stmt, bd.args...)
	if err != nil {
		return 0, s.errorf("update request %s: %w", r.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, s.errorf("update request %s: %w", r.ID, err)
	}
	if n == 1 {
		return r.Version + 1, nil
	}
	old, err := s.Request(ctx, r.ID)
	if errors.Is(err, store.ErrNotFound) {
		return 0, s.errorf("update request %s: %w", r.ID, store.ErrNotFound)
	}
	if err != nil {
		return 0, err
	}
	if old.Version != r.Version {
		return 0, s.errorf("update request %s: stored at version %d, the update is based on version %d: %w", r.ID, old.Version, r.Version, store.ErrConflict)
	}
	return 0, s.errorf("update request %s: the subject, kind and time of receipt of a request never change", r.ID)
}

// Request implements store.RequestStore.Request.
func (s *Store) Request(ctx context.Context, id string) (store.Request, error) {
	if err := s.usable(); err != nil {
		return store.Request{}, err
	}
	bd := &Builder{d: s.d}
	stmt := fmt.Sprintf("SELECT %s FROM %s WHERE id = %s", requestColumns, s.own("frist_requests"), bd.Arg(id))
	rows, err := s.db.QueryContext(ctx, stmt, bd.args...)
	if err != nil {
		return store.Request{}, s.errorf("read request %s: %w", id, err)
	}
	rs, err := s.scanRequests(rows)
	if err != nil {
		return store.Request{}, err
	}
	if len(rs) == 0 {
		return store.Request{}, s.errorf("request %s: %w", id, store.ErrNotFound)
	}
	return rs[0], nil
}

// ListRequests implements store.RequestStore.ListRequests. A filter by subject
// reads the subject's index; one for open requests due before a time reads
// the deadline index.
func (s *Store) ListRequests(ctx context.Context, f store.RequestFilter) ([]store.Request, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	if f.Limit < 0 {
		return nil, s.errorf("list requests: negative limit %d", f.Limit)
	}
	if len(f.States) > s.maxArgs-8 {
		return nil, s.errorf("list requests: the filter names %d states, more than one statement can bind", len(f.States))
	}
	bd := &Builder{d: s.d}
	var conds []string
	if f.Subject != "" {
		conds = append(conds, "subject = "+bd.Arg(f.Subject))
	}
	if len(f.States) > 0 {
		ps := make([]string, len(f.States))
		for i, st := range f.States {
			ps[i] = bd.Arg(st)
		}
		conds = append(conds, "state IN ("+strings.Join(ps, ", ")+")")
	}
	if f.OpenOnly {
		conds = append(conds, "is_final = "+bd.Arg(false))
	}
	if !f.DueBefore.IsZero() {
		conds = append(conds, "due_at <= "+bd.Arg(s.d.TimeArg(f.DueBefore)))
	}
	stmt := fmt.Sprintf("SELECT %s FROM %s", requestColumns, s.own("frist_requests"))
	if len(conds) > 0 {
		stmt += " WHERE " + strings.Join(conds, " AND ")
	}
	stmt += " ORDER BY due_at, id"
	if f.Limit > 0 {
		stmt += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, stmt, bd.args...)
	if err != nil {
		return nil, s.errorf("list requests: %w", err)
	}
	return s.scanRequests(rows)
}

// scanRequests reads rows of requestColumns and closes them.
func (s *Store) scanRequests(rows *sql.Rows) ([]store.Request, error) {
	defer rows.Close()
	var out []store.Request
	for rows.Next() {
		var r store.Request
		var received, due, closed any
		var version int64
		if err := rows.Scan(&r.ID, &r.Subject, &r.Kind, &r.State, &r.Final, &received, &due, &version, &r.Body, &closed, &r.Pseudonymized); err != nil {
			return nil, s.errorf("read requests: %w", err)
		}
		var err error
		if r.ReceivedAt, err = s.d.ScanTime(received); err != nil {
			return nil, s.errorf("read request %s: received_at: %w", r.ID, err)
		}
		if r.Due, err = s.d.ScanTime(due); err != nil {
			return nil, s.errorf("read request %s: due_at: %w", r.ID, err)
		}
		if r.ClosedAt, err = s.optScanTime(closed); err != nil {
			return nil, s.errorf("read request %s: closed_at: %w", r.ID, err)
		}
		r.Version = int(version)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("read requests: %w", err)
	}
	return out, nil
}

// optTimeArg binds t to a nullable time column; the zero time is NULL.
func (s *Store) optTimeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return s.d.TimeArg(t)
}

// optScanTime converts a nullable time column; NULL is the zero time.
func (s *Store) optScanTime(v any) (time.Time, error) {
	if v == nil {
		return time.Time{}, nil
	}
	return s.d.ScanTime(v)
}
