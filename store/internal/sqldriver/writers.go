package sqldriver

import (
	"context"
	"database/sql"
)

// WritersFirst is an optional part of a Dialect whose database has one
// write lock that it hands to no waiter in particular (SQLite). Without
// it, a sweep that begins its next batch microseconds after committing the
// last one takes the lock again before a writer waiting in SQLite's busy
// handler, which retries only every 100 ms once it has waited a quarter
// second, ever looks: the writer waits out its busy_timeout and fails with
// SQLITE_BUSY, however short each batch is.
//
// With it, batches give way: a batch's transaction begins only after
// frist's other writers that wait for the lock have had it, and the
// dialect's Begin and Exec, which every other write of frist's uses, ask
// for the lock often enough to take it between two batches. A write then
// waits at most for the batch in progress.
type WritersFirst interface {
	// BatchBeginner's BeginBatch opens a batch's write transaction, as
	// Begin does, once the writers waiting for the lock have had it.
	BatchBeginner
	// Exec runs one write statement in a write transaction of its own,
	// begun as Begin begins it.
	Exec(ctx context.Context, db *sql.DB, stmt string, args ...any) (sql.Result, error)
}

// exec runs a write statement of frist's own outside a batch (a hold, a
// consent event, a lease...).
func (s *Store) exec(ctx context.Context, stmt string, args ...any) (sql.Result, error) {
	if w, ok := s.d.(WritersFirst); ok {
		return w.Exec(ctx, s.db, stmt, args...)
	}
	return s.db.ExecContext(ctx, stmt, args...)
}

// BatchBeginner is a Dialect that opens a batch's write transaction in a
// way of its own (HoldFence, WritersFirst).
type BatchBeginner interface {
	// BeginBatch opens the write transaction of a batch of Process.
	BeginBatch(ctx context.Context, db *sql.DB) (Tx, error)
}
