package sqlitestore

import (
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/internal/sqldriver"
)

// Store keeps data-subject requests and objections in frist's own tables
// (requestMigration), so it can back dsar.Service.
var _ store.RequestStore = (*Store)(nil)

// requestMigration creates the tables of data-subject requests
// and Art. 21 objections (store.RequestStore). Requests are
// found by subject, and open ones by deadline, through the two indexes;
// objections by subject in time order. Times are integer microseconds since
// the Unix epoch (UTC), as in every frist_ table; a request's body is the
// caller's encoding, kept byte for byte as a BLOB.
var requestMigration = sqldriver.Migration{
	Version:     3,
	Description: "data-subject requests and objections",
	Statements: []string{
		`CREATE TABLE {p}frist_requests (id TEXT PRIMARY KEY, subject TEXT NOT NULL, kind TEXT NOT NULL, state TEXT NOT NULL,
is_final INTEGER NOT NULL, received_at INTEGER NOT NULL, due_at INTEGER NOT NULL, version INTEGER NOT NULL, body BLOB NOT NULL)`,
		`CREATE INDEX {p}frist_requests_subject ON frist_requests (subject, due_at, id)`,
		`CREATE INDEX {p}frist_requests_due ON frist_requests (is_final, due_at, id)`,
		`CREATE TABLE {p}frist_objections (id TEXT PRIMARY KEY, subject TEXT NOT NULL, purpose TEXT NOT NULL, at INTEGER NOT NULL,
request TEXT NOT NULL, lifted_at INTEGER, lift_reason TEXT NOT NULL)`,
		`CREATE INDEX {p}frist_objections_subject ON frist_objections (subject, at, id)`,
	},
}
