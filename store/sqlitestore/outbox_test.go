package sqlitestore_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/internal/sqltest"
	"github.com/frist-go/frist/store/sqlitestore"
)

func TestUpgradeToTheOutboxKeepsEveryRow(t *testing.T) {
	decl, err := sqltest.Declaration()
	require.NoError(t, err)
	db := openDB(t, recommendedDSN)
	require.NoError(t, sqltest.CreateTables(t.Context(), db, sqltest.SQLite, decl, sqltest.IntKey))
	sqltest.UpgradeAddsTheOutbox(t, db, sqltest.SQLite, func() (sqltest.Opened, error) {
		s, err := sqlitestore.New(db, decl, nil)
		if err != nil {
			return sqltest.Opened{}, err
		}
		return sqltest.Opened{Store: s, Migrated: s.Migrated()}, nil
	})
}

// TestDequeuedNotificationsLeaveNoBytesInTheDatabaseFiles: the body of a
// notification holds personal data (store.Outgoing). Once it is dequeued
// and Purge of store.RememberedRecords has run, neither the database file
// nor its write-ahead log holds a byte of it, also on a connection where
// the application left secure_delete off; the bodies still waiting are
// found, so the search works.
//
// Seen to fail: with Dequeue deleting on the pool (db.ExecContext) instead
// of through the dialect's Exec, which turns secure_delete on, the
// connection without it kept all five dequeued bodies in the file; with
// Purge returning before the checkpoint, both connections kept them in
// the write-ahead log.
func TestDequeuedNotificationsLeaveNoBytesInTheDatabaseFiles(t *testing.T) {
	for name, tc := range map[string]struct {
		params string
		opts   *sqlitestore.Options
	}{
		"recommended":       {recommendedDSN, nil},
		"secure delete off": {"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=secure_delete(0)&_txlock=immediate", &sqlitestore.Options{SkipPragmaCheck: true}},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			decl, err := sqltest.Declaration()
			require.NoError(t, err)
			path := filepath.Join(t.TempDir(), "app.db")
			db, err := sql.Open("sqlite", "file:"+path+tc.params)
			require.NoError(t, err)
			t.Cleanup(func() { db.Close() })
			require.NoError(t, sqltest.CreateTables(ctx, db, sqltest.SQLite, decl, sqltest.IntKey))
			s, err := sqlitestore.New(db, decl, tc.opts)
			require.NoError(t, err)
			t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
			body := func(n int) string { return fmt.Sprintf("outbox-subject-%02d@zzyzx.example", n) }
			for n := range 10 {
				require.NoError(t, s.Enqueue(ctx, store.Outgoing{ID: fmt.Sprintf("01900000-0000-7000-a000-%012d", n), Recipient: "maixit",
					Body: []byte(`{"subject":"` + body(n) + `"}`), Attempts: 1, Since: t0, Next: t0.Add(time.Minute)}))
			}
			_, err = db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
			require.NoError(t, err)
			require.True(t, foundIn(t, path, body(0)), "the bodies are in the database file before they are dequeued")
			for n := 0; n < 10; n += 2 {
				require.NoError(t, s.Dequeue(ctx, fmt.Sprintf("01900000-0000-7000-a000-%012d", n)))
			}
			require.NoError(t, s.Purge(ctx, store.PurgeScope{Own: []store.OwnRecords{store.RememberedRecords}}))
			for n := range 10 {
				if n%2 == 0 {
					assert.False(t, foundIn(t, path, body(n)), "%s was dequeued but is still in the database file or its log", body(n))
				} else {
					assert.True(t, foundIn(t, path, body(n)), "%s is waiting and must still be found", body(n))
				}
			}
		})
	}
}

// TestAnOddTimeInTheOutboxIsAnErrorNamingTheEntry: SQLite keeps any value
// in an INTEGER column, so a row of frist_outbox whose next holds text (a
// hand edit, another program) is read as an error that names the entry
// and the column, never as a zero time, which would make the notification
// due at once; no error carries the body, which holds personal data. The
// entry can still be dequeued.
//
// Seen to fail: with scanOutgoing ignoring the error of ScanTime,
// ListOutgoing returned the entry with a zero Next and no error; with
// Enqueue's conflict error naming the entry by its body as text (%s of
// o.Body) beside its ID, the body's e-mail address was in the error.
func TestAnOddTimeInTheOutboxIsAnErrorNamingTheEntry(t *testing.T) {
	ctx := context.Background()
	decl, err := sqltest.Declaration()
	require.NoError(t, err)
	db := openDB(t, recommendedDSN)
	require.NoError(t, sqltest.CreateTables(ctx, db, sqltest.SQLite, decl, sqltest.IntKey))
	s, err := sqlitestore.New(db, decl, nil)
	require.NoError(t, err)
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	const secret = "erika.mustermann@example.org"
	o := store.Outgoing{ID: "01900000-0000-7000-a000-000000000001", Recipient: "maixit", Body: []byte(`{"subject":"` + secret + `"}`),
		Attempts: 1, Since: t0, Next: t0.Add(time.Minute)}
	require.NoError(t, s.Enqueue(ctx, o))
	err = s.Enqueue(ctx, o)
	require.ErrorIs(t, err, store.ErrConflict)
	assert.Contains(t, err.Error(), o.ID)
	assert.NotContains(t, err.Error(), secret, "an error never carries the body")

	_, err = db.Exec(`UPDATE frist_outbox SET next = '2026-01-05 09:01' WHERE id = ?`, o.ID)
	require.NoError(t, err)
	got, err := s.ListOutgoing(ctx, "", 0)
	require.Error(t, err, "a time that is not integer microseconds is not read as a time: got %+v", got)
	assert.Contains(t, err.Error(), o.ID, "the error names the entry")
	assert.Contains(t, err.Error(), "next", "the error names the column")
	assert.NotContains(t, err.Error(), secret, "an error never carries the body")
	require.NoError(t, s.Dequeue(ctx, o.ID), "the entry can still be dequeued")
	got, err = s.ListOutgoing(ctx, "", 0)
	require.NoError(t, err)
	assert.Empty(t, got)
}

// TestRescheduleOnTwoHandlesOfOneFileHasOneWinner: replicas of a service
// share one database file through handles of their own, which share no
// lock in the process; of callers on both that reschedule the same entry
// with the same attempts, exactly one wins, so one delivery is attempted.
//
// Seen to fail: with Reschedule reading attempts in a SELECT and then
// updating by ID alone, 2 to 16 of the 16 callers won, in 9 of 10 rounds
// over two runs.
func TestRescheduleOnTwoHandlesOfOneFileHasOneWinner(t *testing.T) {
	ctx := context.Background()
	decl, err := sqltest.Declaration()
	require.NoError(t, err)
	dsn := "file:" + filepath.Join(t.TempDir(), "app.db") + recommendedDSN
	var stores []*sqlitestore.Store
	for i := range 2 {
		db, err := sql.Open("sqlite", dsn)
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		if i == 0 {
			require.NoError(t, sqltest.CreateTables(ctx, db, sqltest.SQLite, decl, sqltest.IntKey))
		}
		s, err := sqlitestore.New(db, decl, nil)
		require.NoError(t, err)
		stores = append(stores, s)
	}
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	for round := range 5 {
		id := fmt.Sprintf("01900000-0000-7000-a000-%012d", round)
		require.NoError(t, stores[0].Enqueue(ctx, store.Outgoing{ID: id, Recipient: "maixit", Body: []byte(`{}`), Attempts: 1, Since: t0, Next: t0}))
		const callers = 16
		won := make(chan bool, callers)
		for i := range callers {
			go func() {
				ok, err := stores[i%2].Reschedule(ctx, id, 1, t0.Add(time.Duration(i+1)*time.Minute))
				assert.NoError(t, err)
				won <- ok
			}()
		}
		n := 0
		for range callers {
			if <-won {
				n++
			}
		}
		assert.Equal(t, 1, n, "round %d: of %d callers with the same attempts exactly one wins", round, callers)
		got, err := stores[1].ListOutgoing(ctx, "", 0)
		require.NoError(t, err)
		require.Len(t, got, round+1)
		assert.Equal(t, 2, got[round].Attempts, "round %d: one attempt was claimed", round)
	}
}
