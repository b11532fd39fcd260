package sqlitestore

import (
	"context"
	"time"

	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/internal/sqldriver"
)

// outboxMigration creates the table of notifications to recipients that
// could not be delivered yet (store.Outbox, Art. 19 GDPR), each kept until
// it is delivered or its time runs out and then deleted. Entries are read
// in ID order through the primary key (TEXT compares by bytes); the body
// is a BLOB, so that every byte of it survives. Times are integer
// microseconds since the Unix epoch (UTC), as in every frist_ table.
var outboxMigration = sqldriver.Migration{
	Version:     8,
	Description: "notifications waiting for delivery",
	Statements: []string{
		`CREATE TABLE {p}frist_outbox (id TEXT PRIMARY KEY, recipient TEXT NOT NULL, body BLOB NOT NULL,
attempts INTEGER NOT NULL, since INTEGER NOT NULL, next INTEGER NOT NULL)`,
	},
}

// Enqueue implements store.Outbox.Enqueue: it stores a notification that
// could not be delivered, or returns store.ErrConflict when its ID is
// waiting already. Like every write of frist's, it takes the write lock
// between two batches of a sweep and deletes securely.
func (s *Store) Enqueue(ctx context.Context, o store.Outgoing) error {
	return s.shared.Enqueue(ctx, o)
}

// ListOutgoing implements store.Outbox.ListOutgoing.
func (s *Store) ListOutgoing(ctx context.Context, after string, limit int) ([]store.Outgoing, error) {
	return s.shared.ListOutgoing(ctx, after, limit)
}

// Reschedule implements store.Outbox.Reschedule in one UPDATE conditioned
// on attempts, which SQLite's one write lock serialises: of concurrent
// callers, exactly one changes the row.
func (s *Store) Reschedule(ctx context.Context, id string, attempts int, next time.Time) (bool, error) {
	return s.shared.Reschedule(ctx, id, attempts, next)
}

// Dequeue implements store.Outbox.Dequeue: it deletes the notification
// with secure_delete on, so that the database file keeps none of its body
// once the change reaches it; Purge of store.RememberedRecords truncates
// the write-ahead log that still holds it.
func (s *Store) Dequeue(ctx context.Context, id string) error {
	return s.shared.Dequeue(ctx, id)
}
