package sqlitestore_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/store/internal/sqltest"
	"github.com/frist-go/frist/store/sqlitestore"
)

// TestAReplicaFindingTheLeaseTakenDoesNotAskForTheWriteLock pins that a
// replica whose sweep finds the lease held by another refuses it on a
// read: while the application holds the write lock, the answer is "not
// acquired" at once, not SQLITE_BUSY after busy_timeout. The replica's
// connection waits only 50 ms for the lock, so a lease attempt that wrote
// would fail here.
func TestAReplicaFindingTheLeaseTakenDoesNotAskForTheWriteLock(t *testing.T) {
	ctx := context.Background()
	decl, err := sqltest.Declaration()
	require.NoError(t, err)
	file := "file:" + filepath.Join(t.TempDir(), "app.db")
	openFile := func(params string) *sql.DB {
		db, err := sql.Open("sqlite", file+params)
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		return db
	}
	db := openFile(recommendedDSN)
	require.NoError(t, sqltest.CreateTables(ctx, db, sqltest.SQLite, decl, sqltest.IntKey))
	sweeper, err := sqlitestore.New(db, decl, nil)
	require.NoError(t, err)
	other, err := sqlitestore.New(openFile("?_pragma=journal_mode(WAL)&_pragma=busy_timeout(50)&_txlock=immediate"), decl, nil)
	require.NoError(t, err)

	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	ok, err := sweeper.AcquireLease(ctx, "sweep", "replica-a", now, time.Minute)
	require.NoError(t, err)
	require.True(t, ok)

	// The application holds the write lock, as a long write would.
	app := openFile(recommendedDSN)
	tx, err := app.BeginTx(ctx, nil)
	require.NoError(t, err)
	_, err = tx.ExecContext(ctx, "CREATE TABLE app_busy (x integer)")
	require.NoError(t, err)
	// A failing assertion below must not leave the lock to block the
	// cleanup.
	t.Cleanup(func() { _ = tx.Rollback() })

	ok, err = other.AcquireLease(ctx, "sweep", "replica-b", now.Add(time.Second), time.Minute)
	require.NoError(t, err, "a taken lease is refused without waiting for the write lock")
	assert.False(t, ok, "replica-a holds the lease")

	// Once the lease has expired, taking it over needs the write lock
	// and waits for it like any write.
	_, err = other.AcquireLease(ctx, "sweep", "replica-b", now.Add(2*time.Minute), time.Minute)
	require.Error(t, err, "taking over an expired lease writes, and the application still holds the write lock")
	require.NoError(t, tx.Rollback())
	ok, err = other.AcquireLease(ctx, "sweep", "replica-b", now.Add(2*time.Minute), time.Minute)
	require.NoError(t, err)
	assert.True(t, ok, "the expired lease is taken over")
}
