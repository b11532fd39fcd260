package sqlitestore_test

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/internal/sqltest"
	"github.com/frist-go/frist/store/sqlitestore"
)

// TestCrashChild is the crash test's child process; it skips unless
// TestSweepSurvivesSIGKILL starts it.
func TestCrashChild(t *testing.T) {
	sqltest.CrashChild(t, func(dsn string) (store.Driver, error) {
		decl, err := sqltest.CrashDeclaration()
		if err != nil {
			return nil, err
		}
		db, err := sql.Open("sqlite", dsn)
		if err != nil {
			return nil, err
		}
		return sqlitestore.New(db, decl, nil)
	})
}

// TestSweepSurvivesSIGKILL kills a sweeping process inside the work of
// each kind of batch; see sqltest.RunCrash for what it checks.
func TestSweepSurvivesSIGKILL(t *testing.T) {
	decl, err := sqltest.CrashDeclaration()
	require.NoError(t, err)
	dsn := "file:" + filepath.Join(t.TempDir(), "app.db") + recommendedDSN
	db, err := sql.Open("sqlite", dsn)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	require.NoError(t, sqltest.CreateTables(t.Context(), db, sqltest.SQLite, decl, func(*policy.Dataset) bool { return true }))
	s, err := sqlitestore.New(db, decl, nil)
	require.NoError(t, err)
	sqltest.RunCrash(t, &sqltest.Backend{Store: s, Decl: decl}, sqltest.SQLite, dsn, "TestCrashChild")
}
