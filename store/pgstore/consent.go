package pgstore

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
// of a withdrawal link) is unique, so a link withdraws once. IDs compare in the
// "C" collation so that events at the same time come back in byte order
// of their IDs, as on every backend.
var consentMigration = sqldriver.Migration{
	Version:     2,
	Description: "consent ledger",
	Statements: []string{
		`CREATE TABLE {p}frist_consent_events (id text COLLATE "C" PRIMARY KEY, subject text NOT NULL, purpose text NOT NULL,
kind text NOT NULL, at timestamptz NOT NULL, version text NOT NULL, text_sha256 text NOT NULL, method text NOT NULL,
actor text NOT NULL, guardian_relation text NOT NULL, guardian_verification text NOT NULL, evidence text NOT NULL,
reason text NOT NULL, reference text NOT NULL, erased boolean NOT NULL)`,
		`CREATE INDEX frist_consent_events_subject ON {p}frist_consent_events (subject, purpose, at, id)`,
		`CREATE UNIQUE INDEX frist_consent_events_reference ON {p}frist_consent_events (reference) WHERE reference <> ''`,
	},
}
