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

// recordsMigration lets frist keep its own records only as long as the
// declaration says (store.ConsentStore.ExpireConsents,
// store.RequestStore.PseudonymizeRequests and ExpireRequests): a request
// records when it was closed and whether its subject was pseudonymized,
// and the indexes find what is due. A request closed before this version
// has no recorded closing time; it counts from the upgrade, which is never
// before it was truly closed, so none is deleted early.
var recordsMigration = sqldriver.Migration{
	Version:     5,
	Description: "retention of frist's own records",
	Statements: []string{
		`ALTER TABLE {p}frist_requests ADD COLUMN closed_at INTEGER`,
		`ALTER TABLE {p}frist_requests ADD COLUMN pseudonymized INTEGER NOT NULL DEFAULT 0`,
		// the upgrade's second, rounded up, so it is never before the upgrade
		`UPDATE {p}frist_requests SET closed_at = (CAST(strftime('%s', 'now') AS INTEGER) + 1) * 1000000 WHERE is_final <> 0`,
		`CREATE INDEX {p}frist_requests_closed ON frist_requests (is_final, closed_at)`,
		`CREATE INDEX {p}frist_objections_lifted ON frist_objections (lifted_at)`,
		`CREATE INDEX {p}frist_consent_events_at ON frist_consent_events (at)`,
	},
}

// bodyMigration clears the subject from the bodies of requests stored
// before recordsMigration. dsar encoded the whole request then, subject
// included ("subject":"c-4711" in the JSON of dsar.Record); since version 5
// it writes "subject":"", because PseudonymizeRequests replaces only the
// subject column. A body written earlier kept the identifier until the
// request was deleted, also after the column held the pseudonym. The
// subject is set to "" in every body that is a JSON object with a non-empty
// subject, open requests' included: the column keeps it, and dsar reads it
// from there. A body that is not JSON is not frist's encoding and is left
// as it is. The transaction runs with secure_delete on (dialect.Begin), so
// the old bodies' bytes do not stay in the file's free pages.
var bodyMigration = sqldriver.Migration{
	Version:     6,
	Description: "request bodies without the subject",
	Statements: []string{
		`UPDATE {p}frist_requests SET body = CAST(json_set(CAST(body AS TEXT), '$.subject', '') AS BLOB)
WHERE json_valid(CAST(body AS TEXT)) AND json_type(CAST(body AS TEXT)) = 'object'
AND json_type(CAST(body AS TEXT), '$.subject') = 'text' AND json_extract(CAST(body AS TEXT), '$.subject') <> ''`,
	},
}
