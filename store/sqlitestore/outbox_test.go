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
