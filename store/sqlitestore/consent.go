package sqlitestore

import (
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/internal/sqldriver"
)

// Store keeps the consent ledger in frist's own tables (consentMigration),
// so it can back consent.Ledger.
var _ store.ConsentStore = (*Store)(nil)

// consentMigration creates the consent ledger (store.ConsentStore): one row
// per event, never updated except by erasure, read by subject and purpose
// in time order through frist_consent_events_subject. A reference (the ID
// of a withdrawal link) is unique, so a link withdraws once. Times are integer
// microseconds since the Unix epoch (UTC), as in every frist_ table.
var consentMigration = sqldriver.Migration{
	Version:     2,
	Description: "consent ledger",
	Statements: []string{
		`CREATE TABLE {p}frist_consent_events (id TEXT PRIMARY KEY, subject TEXT NOT NULL, purpose TEXT NOT NULL,
kind TEXT NOT NULL, at INTEGER NOT NULL, version TEXT NOT NULL, text_sha256 TEXT NOT NULL, method TEXT NOT NULL,
actor TEXT NOT NULL, guardian_relation TEXT NOT NULL, guardian_verification TEXT NOT NULL, evidence TEXT NOT NULL,
reason TEXT NOT NULL, reference TEXT NOT NULL, erased INTEGER NOT NULL)`,
		`CREATE INDEX {p}frist_consent_events_subject ON frist_consent_events (subject, purpose, at, id)`,
		`CREATE UNIQUE INDEX {p}frist_consent_events_reference ON frist_consent_events (reference) WHERE reference <> ''`,
	},
}
