package sqlitestore_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

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
	other, err := sqlitestore.New(openFile("?_pragma=journal_mode(WAL)&_pragma=busy_timeout(50)&_pragma=secure_delete(1)&_txlock=immediate"), decl, nil)
	require.NoError(t, err)
	app := openFile(recommendedDSN)
	sqltest.RunTakenLeaseIsRefusedWithoutLocking(t, sweeper, other, func(t *testing.T) func() {
		// The application holds the write lock, as a long write would.
		tx, err := app.BeginTx(ctx, nil)
		require.NoError(t, err)
		t.Cleanup(func() { _ = tx.Rollback() })
		_, err = tx.ExecContext(ctx, "CREATE TABLE app_busy (x integer)")
		require.NoError(t, err)
		return func() { require.NoError(t, tx.Rollback()) }
	})
}
