package pgstore

import "github.com/frist-go/frist/store/internal/sqldriver"

// rememberedMigration creates the table of remembered events
// (store.RememberedEvents): an event the retention engine could not yet act on
// in full because records were held or inside a statutory minimum, kept
// until nothing of it is left and then deleted. IDs compare in the "C"
// collation, so entries are listed in byte order of their IDs through the
// primary key, as on every backend; record_keys is a JSON array of
// strings.
var rememberedMigration = sqldriver.Migration{
	Version:     4,
	Description: "remembered retention events",
	Statements: []string{
		`CREATE TABLE {p}frist_pending_events (id text COLLATE "C" PRIMARY KEY, dataset text NOT NULL, rule text NOT NULL,
event text NOT NULL, record_keys text NOT NULL, subject text NOT NULL, purpose text NOT NULL, at timestamptz NOT NULL,
remembered_at timestamptz)`,
	},
}
