package pgstore

import (
	"context"
	"time"

	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/internal/sqldriver"
)

// outboxMigration creates the table of notifications to recipients that
// could not be delivered yet (store.Outbox, Art. 19 GDPR), each kept until
// it is delivered or its time runs out and then deleted. IDs compare in
// the "C" collation, so entries are listed in byte order of their IDs
// through the primary key, as on every backend; the body is bytea, so that
// every byte of it survives.
var outboxMigration = sqldriver.Migration{
	Version:     8,
	Description: "notifications waiting for delivery",
	Statements: []string{
		`CREATE TABLE {p}frist_outbox (id text COLLATE "C" PRIMARY KEY, recipient text NOT NULL, body bytea NOT NULL,
attempts integer NOT NULL, since timestamptz NOT NULL, next timestamptz NOT NULL)`,
	},
}

// Enqueue implements store.Outbox.Enqueue: it stores a notification that
// could not be delivered, or returns store.ErrConflict when its ID is
// waiting already.
func (s *Store) Enqueue(ctx context.Context, o store.Outgoing) error {
	return s.shared.Enqueue(ctx, o)
}

// ListOutgoing implements store.Outbox.ListOutgoing.
func (s *Store) ListOutgoing(ctx context.Context, after string, limit int) ([]store.Outgoing, error) {
	return s.shared.ListOutgoing(ctx, after, limit)
}

// Reschedule implements store.Outbox.Reschedule in one UPDATE conditioned
// on attempts: a concurrent UPDATE waits for the row and re-checks the
// condition on the committed version, so exactly one caller changes it.
func (s *Store) Reschedule(ctx context.Context, id string, attempts int, next time.Time) (bool, error) {
	return s.shared.Reschedule(ctx, id, attempts, next)
}

// Dequeue implements store.Outbox.Dequeue. The deleted row is a dead row
// version until VACUUM: Purge of store.RememberedRecords vacuums
// frist_outbox with Options.Vacuum set (OwnTables).
func (s *Store) Dequeue(ctx context.Context, id string) error {
	return s.shared.Dequeue(ctx, id)
}
