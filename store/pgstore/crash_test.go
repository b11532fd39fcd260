package pgstore_test

import (
	"context"
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

func TestSweepSurvivesSIGKILL(t *testing.T) {
	decl, err := sqltest.CrashDeclaration()
	require.NoError(t, err)
	db := openSchema(t)
	require.NoError(t, sqltest.CreateTables(context.Background(), db, sqltest.Postgres, decl, func(*policy.Dataset) bool { return true }))
	s, err := pgstore.New(db, decl, nil)
	require.NoError(t, err)
	b := &sqltest.Backend{Store: s, Decl: decl}
	require.NoError(t, sqltest.GenerateCrashRows(context.Background(), b, sqltest.Postgres))
	dsn, _ := dsns.Load(db)
	sqltest.RunCrash(t, b, dsn.(string), "TestCrashChild", 4, 5)
}
