package sqlitestore

import "github.com/frist-go/frist/store/internal/sqldriver"

// rememberedMigration creates the table of remembered events
// (store.RememberedEvents): an event the retention engine could not yet act on
// in full because records were held or inside a statutory minimum, kept
// until nothing of it is left and then deleted. Entries are read in ID
// order through the primary key (TEXT compares by bytes); record_keys is a
// JSON array of strings. Times are integer microseconds since the Unix
// epoch (UTC), as in every frist_ table.
var rememberedMigration = sqldriver.Migration{
	Version:     4,
	Description: "remembered retention events",
	Statements: []string{
		`CREATE TABLE {p}frist_pending_events (id TEXT PRIMARY KEY, dataset TEXT NOT NULL, rule TEXT NOT NULL,
event TEXT NOT NULL, record_keys TEXT NOT NULL, subject TEXT NOT NULL, purpose TEXT NOT NULL, at INTEGER NOT NULL,
remembered_at INTEGER)`,
	},
}
