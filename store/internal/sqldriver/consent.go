package sqldriver

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
)

var (
	_ store.ConsentStore = (*Store)(nil)
	_ store.ConsentStore = (*Store)(nil)
)

// consentColumns are the columns of frist_consent_events in the order
// scanConsent reads them.
const consentColumns = "id, subject, purpose, kind, at, version, text_sha256, method, actor, guardian_relation, guardian_verification, evidence, reason, reference, erased"

// AppendConsent implements store.ConsentStore.AppendConsent: the event is
// inserted and the entry sealed to the audit head in one write
// transaction, so both commit or neither does.
func (s *Store) AppendConsent(ctx context.Context, ev store.ConsentEvent, entry audit.Entry) (audit.Entry, error) {
	if err := s.usable(); err != nil {
		return audit.Entry{}, err
	}
	bd := &Builder{d: s.d}
	stmt := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
		s.own("frist_consent_events"), consentColumns,
		bd.Arg(ev.ID), bd.Arg(ev.Subject), bd.Arg(ev.Purpose), bd.Arg(string(ev.Kind)), bd.Arg(s.d.TimeArg(ev.At)),
		bd.Arg(ev.Version), bd.Arg(ev.TextSHA256), bd.Arg(ev.Method), bd.Arg(ev.Actor),
		bd.Arg(ev.GuardianRelation), bd.Arg(ev.GuardianVerification), bd.Arg(ev.Evidence), bd.Arg(ev.Reason),
		bd.Arg(ev.Reference), bd.Arg(ev.Erased))
	tx, err := s.d.Begin(ctx, s.db)
	if err != nil {
		return audit.Entry{}, s.errorf("append consent event %s: begin: %w", ev.ID, err)
	}
	res, err := tx.ExecContext(ctx, stmt, bd.args...)
	if err != nil {
		return audit.Entry{}, Rollback(tx, s.errorf("append consent event %s: %w", ev.ID, err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return audit.Entry{}, Rollback(tx, s.errorf("append consent event %s: %w", ev.ID, err))
	} else if n == 0 {
		return audit.Entry{}, Rollback(tx, s.errorf("append consent event %s: an event with its ID or reference exists: %w", ev.ID, store.ErrConflict))
	}
	sealed, err := s.appendAudit(ctx, tx, entry)
	if err != nil {
		return audit.Entry{}, Rollback(tx, err)
	}
	if err := tx.Commit(); err != nil {
		return audit.Entry{}, s.errorf("append consent event %s: commit: %w", ev.ID, err)
	}
	return sealed, nil
}

// ConsentEvents implements store.ConsentStore.ConsentEvents. The index on
// (subject, purpose, at, id) makes it read only the subject's events.
func (s *Store) ConsentEvents(ctx context.Context, subject, purpose string) ([]store.ConsentEvent, error) {
	var out []store.ConsentEvent
	err := s.scanConsents(ctx, subject, purpose, time.Time{}, func(ev store.ConsentEvent) bool {
		out = append(out, ev)
		return true
	})
	return out, err
}

// ScanConsents implements store.ConsentStore: the index on (subject,
// purpose, at, id) is read backwards from until, and rows are fetched
// only as long as fn wants them.
func (s *Store) ScanConsents(ctx context.Context, subject, purpose string, until time.Time, fn func(store.ConsentEvent) bool) error {
	if until.IsZero() {
		return nil // nothing lies at or before the zero time
	}
	return s.scanConsents(ctx, subject, purpose, until, fn)
}

// consentStatements caches the prepared statement of a status read, the
// ledger's hot path: preparing it on every call costs as much as running
// it. database/sql prepares it again on each connection that needs it and
// releases it when the application closes its *sql.DB.
type consentStatements struct {
	mu     sync.Mutex
	status *sql.Stmt
}

// statusStmt returns the prepared read of one purpose's events up to a
// time, newest first.
func (s *Store) statusStmt(ctx context.Context) (*sql.Stmt, error) {
	c := &s.consents
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.status != nil {
		return c.status, nil
	}
	bd := &Builder{d: s.d}
	stmt := fmt.Sprintf("SELECT %s FROM %s WHERE subject = %s AND purpose = %s AND at <= %s ORDER BY at DESC, id DESC",
		consentColumns, s.own("frist_consent_events"), bd.Arg(nil), bd.Arg(nil), bd.Arg(nil))
	st, err := s.db.PrepareContext(ctx, stmt)
	if err != nil {
		return nil, s.errorf("prepare consent status read: %w", err)
	}
	c.status = st
	return st, nil
}

// scanConsents reads events in ascending order, or descending from until
// when until is not zero.
func (s *Store) scanConsents(ctx context.Context, subject, purpose string, until time.Time, fn func(store.ConsentEvent) bool) error {
	if err := s.usable(); err != nil {
		return err
	}
	if purpose != "" && !until.IsZero() {
		st, err := s.statusStmt(ctx)
		if err != nil {
			return err
		}
		rows, err := st.QueryContext(ctx, subject, purpose, s.d.TimeArg(until))
		if err != nil {
			return s.errorf("read consent events: %w", err)
		}
		return s.readConsents(rows, fn)
	}
	bd := &Builder{d: s.d}
	where := "subject = " + bd.Arg(subject)
	if purpose != "" {
		where += " AND purpose = " + bd.Arg(purpose)
	}
	order := "at, id"
	if !until.IsZero() {
		where += " AND at <= " + bd.Arg(s.d.TimeArg(until))
		order = "at DESC, id DESC"
	}
	stmt := fmt.Sprintf("SELECT %s FROM %s WHERE %s ORDER BY %s", consentColumns, s.own("frist_consent_events"), where, order)
	rows, err := s.db.QueryContext(ctx, stmt, bd.args...)
	if err != nil {
		return s.errorf("read consent events: %w", err)
	}
	return s.readConsents(rows, fn)
}

// readConsents passes rows to fn until fn returns false, and closes them.
func (s *Store) readConsents(rows *sql.Rows, fn func(store.ConsentEvent) bool) error {
	defer rows.Close()
	for rows.Next() {
		ev, err := s.scanConsent(rows)
		if err != nil {
			return err
		}
		if !fn(ev) {
			break
		}
	}
	if err := rows.Err(); err != nil {
		return s.errorf("read consent events: %w", err)
	}
	return nil
}

// scanConsent reads one row of consentColumns.
func (s *Store) scanConsent(rows *sql.Rows) (store.ConsentEvent, error) {
	var ev store.ConsentEvent
	var kind string
	var at any
	if err := rows.Scan(&ev.ID, &ev.Subject, &ev.Purpose, &kind, &at, &ev.Version, &ev.TextSHA256, &ev.Method, &ev.Actor,
		&ev.GuardianRelation, &ev.GuardianVerification, &ev.Evidence, &ev.Reason, &ev.Reference, &ev.Erased); err != nil {
		return ev, s.errorf("read consent events: %w", err)
	}
	ev.Kind = store.ConsentKind(kind)
	t, err := s.d.ScanTime(at)
	if err != nil {
		return ev, s.errorf("read consent event %s: %w", ev.ID, err)
	}
	ev.At = t
	return ev, nil
}

// EraseConsentSubject implements store.ConsentStore.EraseConsentSubject in
// one statement, so an erasure is never half done.
func (s *Store) EraseConsentSubject(ctx context.Context, subject, pseudonym string) (int, error) {
	if err := s.usable(); err != nil {
		return 0, err
	}
	bd := &Builder{d: s.d}
	stmt := fmt.Sprintf("UPDATE %s SET subject = %s, erased = %s, evidence = '', guardian_relation = '', guardian_verification = '' WHERE subject = %s",
		s.own("frist_consent_events"), bd.Arg(pseudonym), bd.Arg(true), bd.Arg(subject))
	res, err := s.exec(ctx, stmt, bd.args...)
	if err != nil {
		return 0, s.errorf("erase consent subject: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, s.errorf("erase consent subject: %w", err)
	}
	return int(n), nil
}
