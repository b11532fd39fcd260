package pgstore_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/store/internal/sqltest"
	"github.com/frist-go/frist/store/pgstore"
)

func TestUpgradeToTheAuditBaseKeepsTheLog(t *testing.T) {
	decl, err := sqltest.Declaration()
	require.NoError(t, err)
	db := openSchema(t)
	require.NoError(t, sqltest.CreateTables(t.Context(), db, sqltest.Postgres, decl, sqltest.IntKey))
	sqltest.UpgradeKeepsTheAuditLog(t, db, func() (sqltest.Opened, error) {
		s, err := pgstore.New(db, decl, nil)
		if err != nil {
			return sqltest.Opened{}, err
		}
		return sqltest.Opened{Store: s, Migrated: s.Migrated()}, nil
	})
}

func TestDropAuditIsAtomic(t *testing.T) {
	decl, err := sqltest.Declaration()
	require.NoError(t, err)
	db := openSchema(t)
	require.NoError(t, sqltest.CreateTables(t.Context(), db, sqltest.Postgres, decl, sqltest.IntKey))
	s, err := pgstore.New(db, decl, nil)
	require.NoError(t, err)
	sqltest.DropIsAtomic(t, s, func() error {
		if _, err := db.Exec(`CREATE FUNCTION frist_test_fail() RETURNS trigger AS $$ BEGIN IF NEW.action = 'audit.drop' THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`); err != nil {
			return err
		}
		_, err := db.Exec(`CREATE TRIGGER frist_test_fail BEFORE INSERT ON frist_audit FOR EACH ROW EXECUTE FUNCTION frist_test_fail()`)
		return err
	})
}

func TestDropAuditRefusesAGap(t *testing.T) {
	decl, err := sqltest.Declaration()
	require.NoError(t, err)
	db := openSchema(t)
	require.NoError(t, sqltest.CreateTables(t.Context(), db, sqltest.Postgres, decl, sqltest.IntKey))
	s, err := pgstore.New(db, decl, nil)
	require.NoError(t, err)
	sqltest.DropRefusesAGap(t, s, db)
}
