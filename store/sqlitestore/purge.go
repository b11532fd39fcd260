package sqlitestore

import (
	"context"
	"fmt"

	"github.com/frist-go/frist/store"
)

// ErrCheckpointBusy is returned by Purge when the write-ahead log could not
// be emptied because a reader was still using an older snapshot or another
// connection was writing when busy_timeout ran out. What the log held is
// still there; the retention engine calls Purge again at its next sweep.
var ErrCheckpointBusy = fmt.Errorf("sqlitestore: the write-ahead log could not be truncated: another connection was reading or writing: %w", store.ErrPurgeDeferred)

// Purge implements store.Driver. frist's batches, and every write of
// frist's own records (consent events, requests, objections, remembered
// events, notifications waiting for delivery, holds, audit entries and
// their drops, leases), delete and
// overwrite with secure_delete on, so the database file keeps no bytes of
// a processed record, an expired consent event, a dropped audit entry or a
// pseudonymized request's subject once the change reaches it; until then the pages that held them, and
// every earlier version of those pages, are frames of the write-ahead log.
// Purge checkpoints every attached database and truncates its log to zero
// bytes (PRAGMA wal_checkpoint(TRUNCATE)), so that after it returns nil
// neither the database file nor the log holds what frist's batches and
// frist's own deletions and overwrites removed.
//
// The checkpoint waits, as long as the connection's busy_timeout allows,
// for writers to finish and for readers of older snapshots to move on;
// while it copies the log into the database, the application's writers
// wait. Its cost is one pass over the log, which a sweep has just filled:
// bench/BENCHMARKS.md reports it against the sweep itself.
//
// What a file system or an SSD keeps of overwritten blocks, and what
// backups and copies of the file hold, is outside what SQLite can reach.
// The scope only decides that Purge is called: a checkpoint covers the
// whole file, the application's tables and frist's own alike, so Purge
// of store.RememberedRecords also removes what Dequeue left of a
// notification's body in the log.
func (s *Store) Purge(ctx context.Context, _ store.PurgeScope) error {
	if err := s.shared.Usable(); err != nil {
		return err
	}
	if s.db == nil {
		return nil
	}
	var busy, logFrames, checkpointed int
	if err := s.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &checkpointed); err != nil {
		return fmt.Errorf("sqlitestore: checkpoint: %w", err)
	}
	if busy != 0 {
		return ErrCheckpointBusy
	}
	return nil
}
