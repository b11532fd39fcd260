package sqlitestore

import (
	"context"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/internal/sqldriver"
)

// auditBaseMigration keeps where the audit log begins once its oldest
// entries were dropped (store.AuditLog.DropAudit): one row, written in
// the transaction that deletes the entries and appends the entry that
// records the drop. A log upgraded from version 6 has no row: nothing was
// dropped from it.
var auditBaseMigration = sqldriver.Migration{
	Version:     7,
	Description: "base of the audit log after a drop",
	Statements: []string{
		`CREATE TABLE {p}frist_audit_base (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL,
at INTEGER NOT NULL, genesis TEXT NOT NULL, sig TEXT NOT NULL)`,
	},
}

// AuditBase implements store.AuditLog.AuditBase: the row of
// frist_audit_base, or the zero Base when nothing was dropped.
func (s *Store) AuditBase(ctx context.Context) (audit.Base, error) { return s.shared.AuditBase(ctx) }

// DropAudit implements store.AuditLog.DropAudit in one transaction that
// takes the head row's lock, as every append does: the due prefix of
// frist_audit is deleted, frist_audit_base replaced and the drop's entry
// appended, or, after a crash or an error, none of it.
func (s *Store) DropAudit(ctx context.Context, d store.AuditDrop) (store.AuditDropped, error) {
	return s.shared.DropAudit(ctx, d)
}
