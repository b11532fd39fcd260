package sqlitestore_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/store/internal/sqltest"
	"github.com/frist-go/frist/store/sqlitestore"
)

func TestUpgradeToTheAuditBaseKeepsTheLog(t *testing.T) {
	decl, err := sqltest.Declaration()
	require.NoError(t, err)
	db := openDB(t, recommendedDSN)
	require.NoError(t, sqltest.CreateTables(t.Context(), db, sqltest.SQLite, decl, sqltest.IntKey))
	sqltest.UpgradeKeepsTheAuditLog(t, db, func() (sqltest.Opened, error) {
		s, err := sqlitestore.New(db, decl, nil)
		if err != nil {
			return sqltest.Opened{}, err
		}
		return sqltest.Opened{Store: s, Migrated: s.Migrated()}, nil
	})
}

func TestDropAuditIsAtomic(t *testing.T) {
	decl, err := sqltest.Declaration()
	require.NoError(t, err)
	db := openDB(t, recommendedDSN)
	require.NoError(t, sqltest.CreateTables(t.Context(), db, sqltest.SQLite, decl, sqltest.IntKey))
	s, err := sqlitestore.New(db, decl, nil)
	require.NoError(t, err)
	sqltest.DropIsAtomic(t, s, func() error {
		_, err := db.Exec(`CREATE TRIGGER frist_test_fail BEFORE INSERT ON frist_audit WHEN NEW.action = 'audit.drop' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`)
		return err
	})
}

func TestDropAuditRefusesAGap(t *testing.T) {
	decl, err := sqltest.Declaration()
	require.NoError(t, err)
	db := openDB(t, recommendedDSN)
	require.NoError(t, sqltest.CreateTables(t.Context(), db, sqltest.SQLite, decl, sqltest.IntKey))
	s, err := sqlitestore.New(db, decl, nil)
	require.NoError(t, err)
	sqltest.DropRefusesAGap(t, s, db)
}
