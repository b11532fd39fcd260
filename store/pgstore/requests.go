package pgstore

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
// objections by subject in time order. IDs compare in the "C" collation so
// that requests due at the same time, and objections made at the same
// time, come back in byte order of their IDs, as on every backend. A
// request's body is the caller's encoding, kept byte for byte as bytea.
var requestMigration = sqldriver.Migration{
	Version:     3,
	Description: "data-subject requests and objections",
	Statements: []string{
		`CREATE TABLE {p}frist_requests (id text COLLATE "C" PRIMARY KEY, subject text NOT NULL, kind text NOT NULL, state text NOT NULL,
is_final boolean NOT NULL, received_at timestamptz NOT NULL, due_at timestamptz NOT NULL, version integer NOT NULL, body bytea NOT NULL)`,
		`CREATE INDEX frist_requests_subject ON {p}frist_requests (subject, due_at, id)`,
		`CREATE INDEX frist_requests_due ON {p}frist_requests (is_final, due_at, id)`,
		`CREATE TABLE {p}frist_objections (id text COLLATE "C" PRIMARY KEY, subject text NOT NULL, purpose text NOT NULL, at timestamptz NOT NULL,
request text NOT NULL, lifted_at timestamptz, lift_reason text NOT NULL)`,
		`CREATE INDEX frist_objections_subject ON {p}frist_objections (subject, at, id)`,
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
		`ALTER TABLE {p}frist_requests ADD COLUMN closed_at timestamptz`,
		`ALTER TABLE {p}frist_requests ADD COLUMN pseudonymized boolean NOT NULL DEFAULT false`,
		`UPDATE {p}frist_requests SET closed_at = date_trunc('microseconds', now()) WHERE is_final`,
		`CREATE INDEX frist_requests_closed ON {p}frist_requests (is_final, closed_at)`,
		`CREATE INDEX frist_objections_lifted ON {p}frist_objections (lifted_at)`,
		`CREATE INDEX frist_consent_events_at ON {p}frist_consent_events (at)`,
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
// from there. The body is rewritten as jsonb prints it (the same object,
// other spacing and key order). A body that is not UTF-8 JSON is not
// frist's encoding and is left as it is: PostgreSQL 15 has no test for
// valid JSON but the cast, so each body is cast in a block of its own.
// The old row versions stay in the table's files until VACUUM, as every
// update's do (see the package documentation).
var bodyMigration = sqldriver.Migration{
	Version:     6,
	Description: "request bodies without the subject",
	Statements: []string{
		`DO $frist$
DECLARE
	r record;
	j jsonb;
BEGIN
	FOR r IN SELECT id, body FROM {p}frist_requests WHERE position(convert_to('"subject"', 'UTF8') IN body) > 0 LOOP
		BEGIN
			j := convert_from(r.body, 'UTF8')::jsonb;
		EXCEPTION WHEN others THEN
			CONTINUE;
		END;
		IF jsonb_typeof(j) = 'object' AND jsonb_typeof(j->'subject') = 'string' AND j->>'subject' <> '' THEN
			UPDATE {p}frist_requests SET body = convert_to(jsonb_set(j, '{subject}', '""')::text, 'UTF8') WHERE id = r.id;
		END IF;
	END LOOP;
END
$frist$`,
	},
}
