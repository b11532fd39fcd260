package sqlitestore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/frist-go/frist/store/internal/sqldriver"
)

// How frist's transactions share SQLite's one write lock (see writeLock
// and the package documentation).
const (
	// lockPoll is how often a transaction of frist's asks for the write
	// lock while another connection holds it: often enough to find it free
	// in the pause after a batch.
	lockPoll = 100 * time.Microsecond
	// minPause and maxPause bound the pause after a batch of a sweep
	// before its next one, a twentieth of the batch: writers of other
	// processes, which frist cannot see waiting, take the lock in it.
	minPause = 250 * time.Microsecond
	maxPause = 2 * time.Millisecond
	// maxYield bounds how long a batch gives way to frist's writers of
	// this store, so that a stream of them cannot stop a sweep.
	maxYield = time.Second
)

// writeLock is SQLite's dialect together with the state by which a
// store's transactions share the write lock: how many of frist's writers
// of this store have asked for it and how many of them are done, and when
// the last batch ended and how long it held the lock.
//
// SQLite has one write lock that it hands to no waiter in particular.
// Without writeLock, a sweep that begins its next batch microseconds after
// committing the last one takes the lock again before a writer waiting in
// SQLite's busy handler, which retries only every 100 ms once it has
// waited a quarter second, ever looks: the writer waits out its
// busy_timeout and fails with SQLITE_BUSY, however short each batch is.
// With it, batches give way: a batch's transaction begins only after
// frist's other writers that wait for the lock have had it (BeginBatch),
// and Begin and Exec, which every other write of frist's uses, ask for the
// lock often enough to take it between two batches. A write then waits at
// most for the batch in progress.
type writeLock struct {
	dialect
	started, finished atomic.Int64
	mu                sync.Mutex
	ended             time.Time     // when the last batch ended
	took              time.Duration // how long it held the lock
}

var _ sqldriver.Dialect = (*writeLock)(nil)

// BeginHold opens the transaction that stores a hold as Begin does: BEGIN
// IMMEDIATE excludes every batch, which holds the same lock from before its
// first read until it ends, so a batch either committed before the hold
// or sees it.
func (w *writeLock) BeginHold(ctx context.Context, db *sql.DB) (sqldriver.Tx, error) {
	return w.Begin(ctx, db)
}

// Begin opens a write transaction of one of frist's writers as the
// dialect's Begin does. A batch that asks for the lock meanwhile waits
// until the transaction has ended (BeginBatch).
func (w *writeLock) Begin(ctx context.Context, db *sql.DB) (sqldriver.Tx, error) {
	w.started.Add(1)
	tx, err := w.dialect.Begin(ctx, db)
	if err != nil {
		w.finished.Add(1)
		return nil, err
	}
	tx.(*immediateTx).ended = func() { w.finished.Add(1) }
	return tx, nil
}

// BeginBatch opens a batch's write transaction:
//
//   - no sooner than a pause of a twentieth of the last batch (between
//     minPause and maxPause) after it ended, in which writers of other
//     processes, polling as Begin does, take the lock;
//   - after as many of frist's writers of this store have ended as had
//     begun when BeginBatch was called, followed by a pause of minPause
//     and a second such round, for the writer's next statement (a
//     data-subject request's audit entry follows the request's update).
//     Writers that arrive later wait for
//     this batch, so a stream of them cannot stop a sweep; and the whole
//     wait is bounded by maxYield.
func (w *writeLock) BeginBatch(ctx context.Context, db *sql.DB) (sqldriver.Tx, error) {
	giveUp := time.Now().Add(maxYield)
	w.mu.Lock()
	pause := min(max(w.took/20, minPause), maxPause) - time.Since(w.ended)
	w.mu.Unlock()
	for round := 0; round < 2; round++ {
		if pause > 0 {
			if err := sleep(ctx, pause); err != nil {
				return nil, err
			}
		}
		before := w.started.Load()
		if w.finished.Load() >= before {
			break
		}
		for w.finished.Load() < before && time.Now().Before(giveUp) {
			if err := sleep(ctx, lockPoll); err != nil {
				return nil, err
			}
		}
		pause = minPause
	}
	tx, err := w.dialect.Begin(ctx, db)
	if err != nil {
		return nil, err
	}
	began := time.Now()
	tx.(*immediateTx).ended = func() { w.batchEnded(began) }
	return tx, nil
}

// Exec runs stmt in a write transaction begun by Begin.
func (w *writeLock) Exec(ctx context.Context, db *sql.DB, stmt string, args ...any) (sql.Result, error) {
	tx, err := w.Begin(ctx, db)
	if err != nil {
		return nil, err
	}
	res, err := tx.ExecContext(ctx, stmt, args...)
	if err != nil {
		return nil, errors.Join(err, tx.Rollback())
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return res, nil
}

// batchEnded records the end of a batch that took the lock at began.
func (w *writeLock) batchEnded(began time.Time) {
	w.mu.Lock()
	w.ended = time.Now()
	w.took = w.ended.Sub(began)
	w.mu.Unlock()
}

// beginImmediate runs BEGIN IMMEDIATE on conn. While another connection
// holds the write lock it asks again every lockPoll until the connection's
// busy_timeout has passed, instead of leaving the wait to SQLite's busy
// handler, whose retries thin out to one in 100 ms once it has waited a
// quarter second, so that it takes the lock in the pause between two
// batches of a sweep. The busy handler is off while it polls and on again
// afterwards, for the application's own use of the connection; a
// connection on which that fails is discarded.
func beginImmediate(ctx context.Context, conn *sql.Conn) error {
	var timeout int
	if err := conn.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&timeout); err != nil {
		return err
	}
	if timeout <= 0 {
		// Nothing to wait for: one attempt, as SQLite would make.
		_, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE")
		return err
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 0"); err != nil {
		return err
	}
	deadline := time.Now().Add(time.Duration(timeout) * time.Millisecond)
	var err error
	for {
		_, err = conn.ExecContext(ctx, "BEGIN IMMEDIATE")
		if err == nil || !isBusy(err) || !time.Now().Before(deadline) {
			break
		}
		if err = sleep(ctx, lockPoll); err != nil {
			break
		}
	}
	if _, rerr := conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA busy_timeout = %d", timeout)); rerr != nil {
		if err == nil {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		return errors.Join(err, rerr)
	}
	return err
}

// isBusy reports whether err is SQLITE_BUSY (or one of its extended codes):
// another connection holds the lock.
func isBusy(err error) bool {
	var coded interface{ Code() int }
	if errors.As(err, &coded) {
		return coded.Code()&0xff == 5
	}
	return strings.Contains(err.Error(), "SQLITE_BUSY")
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
