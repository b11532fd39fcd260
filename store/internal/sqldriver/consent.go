package sqldriver

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/frist-go/frist/store"
)

var (
	_ store.Consents       = (*Store)(nil)
	_ store.ConsentScanner = (*Store)(nil)
)

// consentColumns are the columns of frist_consent_events in the order
// scanConsent reads them.
const consentColumns = "id, subject, purpose, kind, at, version, text_sha256, method, actor, guardian_relation, guardian_verification, evidence, reason, reference, erased"

// AppendConsent implements store.Consents.AppendConsent.
func (s *Store) AppendConsent(ctx context.Context, ev store.ConsentEvent) error {
	if err := s.usable(); err != nil {
		return err
	}
	for _, f := range []struct{ name, v string }{{"ID", ev.ID}, {"subject", ev.Subject}, {"purpose", ev.Purpose}, {"kind", string(ev.Kind)}} {
		if f.v == "" {
			return s.errorf("append consent event: the event has no %s", f.name)
		}
	}
	if ev.At.IsZero() {
		return s.errorf("append consent event %s: the event has no time", ev.ID)
	}
	bd := &builder{d: s.d}
	stmt := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
		s.own("frist_consent_events"), consentColumns,
		bd.arg(ev.ID), bd.arg(ev.Subject), bd.arg(ev.Purpose), bd.arg(string(ev.Kind)), bd.arg(s.d.TimeArg(ev.At)),
		bd.arg(ev.Version), bd.arg(ev.TextSHA256), bd.arg(ev.Method), bd.arg(ev.Actor),
		bd.arg(ev.GuardianRelation), bd.arg(ev.GuardianVerification), bd.arg(ev.Evidence), bd.arg(ev.Reason),
		bd.arg(ev.Reference), bd.arg(ev.Erased))
	res, err := s.db.ExecContext(ctx, stmt, bd.args...)
	if err != nil {
		return s.errorf("append consent event %s: %w", ev.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return s.errorf("append consent event %s: %w", ev.ID, err)
	} else if n == 0 {
		return s.errorf("append consent event %s: %w", ev.ID, store.ErrConflict)
	}
	return nil
}

// ConsentEvents implements store.Consents.ConsentEvents. The index on
// (subject, purpose, at, id) makes it read only the subject's events.
func (s *Store) ConsentEvents(ctx context.Context, subject, purpose string) ([]store.ConsentEvent, error) {
	var out []store.ConsentEvent
	err := s.ScanConsents(ctx, subject, purpose, func(ev store.ConsentEvent) bool {
		out = append(out, ev)
		return true
	})
	return out, err
}

// ScanConsents implements store.ConsentScanner.
func (s *Store) ScanConsents(ctx context.Context, subject, purpose string, fn func(store.ConsentEvent) bool) error {
	if err := s.usable(); err != nil {
		return err
	}
	bd := &builder{d: s.d}
	where := "subject = " + bd.arg(subject)
	if purpose != "" {
		where += " AND purpose = " + bd.arg(purpose)
	}
	stmt := fmt.Sprintf("SELECT %s FROM %s WHERE %s ORDER BY at, id", consentColumns, s.own("frist_consent_events"), where)
	rows, err := s.db.QueryContext(ctx, stmt, bd.args...)
	if err != nil {
		return s.errorf("read consent events: %w", err)
	}
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

// EraseConsentSubject implements store.Consents.EraseConsentSubject in
// one statement, so an erasure is never half done.
func (s *Store) EraseConsentSubject(ctx context.Context, subject, pseudonym string) (int, error) {
	if err := s.usable(); err != nil {
		return 0, err
	}
	if subject == "" || pseudonym == "" {
		return 0, s.errorf("erase consent subject: a subject and a pseudonym are required")
	}
	bd := &builder{d: s.d}
	stmt := fmt.Sprintf("UPDATE %s SET subject = %s, erased = %s, evidence = '', guardian_relation = '', guardian_verification = '' WHERE subject = %s",
		s.own("frist_consent_events"), bd.arg(pseudonym), bd.arg(true), bd.arg(subject))
	res, err := s.db.ExecContext(ctx, stmt, bd.args...)
	if err != nil {
		return 0, s.errorf("erase consent subject: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, s.errorf("erase consent subject: %w", err)
	}
	return int(n), nil
}
