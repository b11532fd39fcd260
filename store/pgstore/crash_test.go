package pgstore_test

import (
	"database/sql"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/internal/sqltest"
	"github.com/frist-go/frist/store/pgstore"
)

// TestCrashChild is the crash test's child process; it skips unless
// TestSweepSurvivesSIGKILL starts it.
func TestCrashChild(t *testing.T) {
	sqltest.CrashChild(t, func(dsn string) (store.Driver, error) {
		decl, err := sqltest.CrashDeclaration()
		if err != nil {
			return nil, err
		}
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, err
		}
		return pgstore.New(db, decl, nil)
	})
}

// TestSweepSurvivesSIGKILL kills a sweeping process inside the work of
// each kind of batch; see sqltest.RunCrash for what it checks.
func TestSweepSurvivesSIGKILL(t *testing.T) {
	decl, err := sqltest.CrashDeclaration()
	require.NoError(t, err)
	db := openSchema(t)
	require.NoError(t, sqltest.CreateTables(t.Context(), db, sqltest.Postgres, decl, func(*policy.Dataset) bool { return true }))
	s, err := pgstore.New(db, decl, nil)
	require.NoError(t, err)
	dsn, _ := dsns.Load(db)
	sqltest.RunCrash(t, &sqltest.Backend{Store: s, Decl: decl}, sqltest.Postgres, dsn.(string), "TestCrashChild")
}
