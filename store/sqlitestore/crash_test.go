package sqlitestore_test

import (
	"context"
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

func TestSweepSurvivesSIGKILL(t *testing.T) {
	decl, err := sqltest.CrashDeclaration()
	require.NoError(t, err)
	dsn := "file:" + filepath.Join(t.TempDir(), "app.db") + recommendedDSN
	db, err := sql.Open("sqlite", dsn)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	require.NoError(t, sqltest.CreateTables(context.Background(), db, sqltest.SQLite, decl, func(*policy.Dataset) bool { return true }))
	s, err := sqlitestore.New(db, decl, nil)
	require.NoError(t, err)
	b := &sqltest.Backend{Store: s, Decl: decl}
	require.NoError(t, sqltest.GenerateCrashRows(context.Background(), b, sqltest.SQLite))
	sqltest.RunCrash(t, b, dsn, "TestCrashChild", 4, 1)
}
