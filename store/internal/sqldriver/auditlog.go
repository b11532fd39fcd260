package sqldriver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/frist-go/frist/audit"
)

// Stmt is one statement with its bind parameters.
type Stmt struct {
	SQL  string
	Args []any
}

// AppendAudit implements store.AuditLog.AppendAudit.
func (s *Store) AppendAudit(ctx context.Context, e audit.Entry) (audit.Entry, error) {
	if err := s.usable(); err != nil {
		return audit.Entry{}, err
	}
	tx, err := s.d.Begin(ctx, s.db)
	if err != nil {
		return audit.Entry{}, s.errorf("append audit entry: %w", err)
	}
	sealed, err := s.appendAudit(ctx, tx, e)
	if err != nil {
		return audit.Entry{}, Rollback(tx, err)
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
	bd := &Builder{d: s.d}
	advance := Stmt{SQL: fmt.Sprintf("UPDATE %s SET seq = %s, hash = %s WHERE id = 1", s.own("frist_audit_head"), bd.Arg(int64(sealed.Seq)), bd.Arg(sealed.Hash))}
	var out []Stmt
	if !s.d.ReturningCTE() {
		advance.Args = bd.args
		out = append(out, advance)
		bd = &Builder{d: s.d}
	}
	insert := Stmt{SQL: fmt.Sprintf("INSERT INTO %s (seq, id, at, action, dataset, rule, count, prev, hash, body) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
		s.own("frist_audit"), bd.Arg(int64(sealed.Seq)), bd.Arg(sealed.ID), bd.Arg(s.d.TimeArg(sealed.Time)), bd.Arg(sealed.Action),
		bd.Arg(sealed.Dataset), bd.Arg(sealed.Rule), bd.Arg(int64(sealed.Count)), bd.Arg(sealed.Prev), bd.Arg(sealed.Hash), bd.Arg(string(body)))}
	if s.d.ReturningCTE() {
		insert.SQL = "WITH head AS (" + advance.SQL + ") " + insert.SQL
	}
	insert.Args = bd.args
	return append(out, insert), nil
}

// ReadAudit implements store.AuditLog.ReadAudit. A limit of 0 or less
// returns every entry after after.
//
// Each entry is stored twice: as the sealed body (JSON), which its hash
// covers, and in columns that queries and indexes use. ReadAudit returns
// the body, and checks every column against it: a row whose columns were
// changed without the body (UPDATE frist_audit SET count = 999), or whose
// body is not a sealed entry at all, yields an *audit.VerifyError of kind
// Changed naming the row's position, so that a verification reports the
// log as broken there instead of failing to run.
func (s *Store) ReadAudit(ctx context.Context, after uint64, limit int) ([]audit.Entry, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	bd := &Builder{d: s.d}
	stmt := fmt.Sprintf("SELECT seq, id, at, action, dataset, rule, count, prev, hash, body FROM %s WHERE seq > %s ORDER BY seq",
		s.own("frist_audit"), bd.Arg(int64(after)))
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
		var r auditRow
		if err := rows.Scan(&r.seq, &r.id, &r.at, &r.action, &r.dataset, &r.rule, &r.count, &r.prev, &r.hash, &r.body); err != nil {
			return nil, s.errorf("read audit log: %w", err)
		}
		e, err := r.entry(s.d)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("read audit log: %w", err)
	}
	return out, nil
}

// auditRow is one row of frist_audit as stored.
type auditRow struct {
	seq                                   int64
	id, action, dataset, rule, prev, hash string
	count                                 int64
	at                                    any
	body                                  string
}

// entry decodes the row's body and checks every column against it. The
// error never repeats a stored value other than the position, ID and
// column name: a forged row may hold anything.
func (r auditRow) entry(d Dialect) (audit.Entry, error) {
	broken := func(format string, args ...any) error {
		return &audit.VerifyError{Seq: uint64(max(r.seq, 0)), ID: r.id, Kind: audit.Changed, Reason: fmt.Sprintf(format, args...)}
	}
	var e audit.Entry
	if err := json.Unmarshal([]byte(r.body), &e); err != nil {
		return audit.Entry{}, broken("its stored body is not a sealed entry (%s): it was overwritten", jsonProblem(err))
	}
	at, err := d.ScanTime(r.at)
	if err != nil {
		return audit.Entry{}, broken("its column at does not hold a time: it was overwritten")
	}
	var differ []string
	check := func(column string, same bool) {
		if !same {
			differ = append(differ, column)
		}
	}
	check("seq", r.seq >= 0 && uint64(r.seq) == e.Seq)
	check("id", r.id == e.ID)
	check("at", at.Equal(e.Time))
	check("action", r.action == e.Action)
	check("dataset", r.dataset == e.Dataset)
	check("rule", r.rule == e.Rule)
	check("count", r.count == int64(e.Count))
	check("prev", r.prev == e.Prev)
	check("hash", r.hash == e.Hash)
	if len(differ) > 0 {
		return audit.Entry{}, broken("its column %s differs from the sealed entry: the row was changed after it was sealed", strings.Join(differ, ", "))
	}
	return e, nil
}

// jsonProblem describes a JSON decoding error without quoting the input.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("invalid JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %s has the wrong type", typ.Field)
	}
	return "not JSON"
}

// AuditHead returns the head that frist_audit_head records: the position
// and hash of the last entry appended, written in the same transaction as
// every entry. A log that ends before it was truncated.
func (s *Store) AuditHead(ctx context.Context) (audit.Head, error) {
	if err := s.usable(); err != nil {
		return audit.Head{}, err
	}
	var seq int64
	var h audit.Head
	err := s.db.QueryRowContext(ctx, "SELECT seq, hash FROM "+s.own("frist_audit_head")+" WHERE id = 1").Scan(&seq, &h.Hash)
	if err != nil {
		return audit.Head{}, s.errorf("read audit head: %w", err)
	}
	if seq < 0 {
		return audit.Head{}, s.errorf("read audit head: position %d is negative", seq)
	}
	h.Seq = uint64(seq)
	return h, nil
}
