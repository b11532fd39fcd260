package sqldriver

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/frist-go/frist/audit"
)

// AppendAudit implements store.AuditLog.AppendAudit.
func (s *Store) AppendAudit(ctx context.Context, e audit.Entry) (audit.Entry, error) {
	if err := s.usable(); err != nil {
		return audit.Entry{}, err
	}
	if err := e.Validate(); err != nil {
		return audit.Entry{}, s.errorf("append audit entry: %w", err)
	}
	tx, err := s.d.Begin(ctx, s.db)
	if err != nil {
		return audit.Entry{}, s.errorf("append audit entry: %w", err)
	}
	sealed, err := s.appendAudit(ctx, tx, e)
	if err != nil {
		return audit.Entry{}, rollback(tx, err)
	}
	if err := tx.Commit(); err != nil {
		return audit.Entry{}, s.errorf("append audit entry: commit: %w", err)
	}
	return sealed, nil
}

// appendAudit seals e to the head, read under the head row's lock (or the
// write transaction's lock), and stores it in tx. The head row is the one
// place every append passes through, so the chain cannot fork.
func (s *Store) appendAudit(ctx context.Context, tx Tx, e audit.Entry) (audit.Entry, error) {
	var head audit.Head
	var seq int64
	err := tx.QueryRowContext(ctx, s.headQuery()).Scan(&seq, &head.Hash)
	if err != nil {
		return audit.Entry{}, s.errorf("read audit head: %w", err)
	}
	head.Seq = uint64(seq)
	return s.appendAuditAt(ctx, tx, head, e)
}

// headQuery reads the audit head under its lock.
func (s *Store) headQuery() string {
	return "SELECT seq, hash FROM " + s.own("frist_audit_head") + " WHERE id = 1" + s.d.LockSuffix()
}

// appendAuditAt seals e to head, which tx has read under the head row's
// lock, and stores it.
func (s *Store) appendAuditAt(ctx context.Context, tx Tx, head audit.Head, e audit.Entry) (audit.Entry, error) {
	sealed := audit.Seal(head, e)
	stmts, err := s.auditStmts(sealed)
	if err != nil {
		return audit.Entry{}, err
	}
	for _, st := range stmts {
		if _, err := tx.ExecContext(ctx, st.SQL, st.Args...); err != nil {
			return audit.Entry{}, s.errorf("store audit entry: %w", err)
		}
	}
	return sealed, nil
}

// auditStmts writes the statements that store a sealed entry and advance
// the head to it: where the database allows data-modifying WITH clauses
// (PostgreSQL) one statement, a round trip less per batch.
func (s *Store) auditStmts(sealed audit.Entry) ([]Stmt, error) {
	body, err := json.Marshal(sealed)
	if err != nil {
		return nil, s.errorf("encode audit entry: %w", err)
	}
	bd := &builder{d: s.d}
	advance := Stmt{SQL: fmt.Sprintf("UPDATE %s SET seq = %s, hash = %s WHERE id = 1", s.own("frist_audit_head"), bd.arg(int64(sealed.Seq)), bd.arg(sealed.Hash))}
	var out []Stmt
	if !s.d.ReturningCTE() {
		advance.Args = bd.args
		out = append(out, advance)
		bd = &builder{d: s.d}
	}
	insert := Stmt{SQL: fmt.Sprintf("INSERT INTO %s (seq, id, at, action, dataset, rule, count, prev, hash, body) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
		s.own("frist_audit"), bd.arg(int64(sealed.Seq)), bd.arg(sealed.ID), bd.arg(s.d.TimeArg(sealed.Time)), bd.arg(sealed.Action),
		bd.arg(sealed.Dataset), bd.arg(sealed.Rule), bd.arg(int64(sealed.Count)), bd.arg(sealed.Prev), bd.arg(sealed.Hash), bd.arg(string(body)))}
	if s.d.ReturningCTE() {
		insert.SQL = "WITH head AS (" + advance.SQL + ") " + insert.SQL
	}
	insert.Args = bd.args
	return append(out, insert), nil
}

// ReadAudit implements store.AuditLog.ReadAudit. A limit of 0 or less
// returns every entry after after.
func (s *Store) ReadAudit(ctx context.Context, after uint64, limit int) ([]audit.Entry, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	bd := &builder{d: s.d}
	stmt := fmt.Sprintf("SELECT body FROM %s WHERE seq > %s ORDER BY seq", s.own("frist_audit"), bd.arg(int64(after)))
	if limit > 0 {
		stmt += fmt.Sprintf(" LIMIT %d", limit)
	}
	rows, err := s.db.QueryContext(ctx, stmt, bd.args...)
	if err != nil {
		return nil, s.errorf("read audit log: %w", err)
	}
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, s.errorf("read audit log: %w", err)
		}
		var e audit.Entry
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			return nil, s.errorf("decode audit entry: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("read audit log: %w", err)
	}
	return out, nil
}
