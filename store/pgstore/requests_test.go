package pgstore_test

import (
	"database/sql"
	"testing"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store/internal/sqltest"
	"github.com/frist-go/frist/store/pgstore"
	"github.com/frist-go/frist/store/storetest"
)

// openRequests creates storetest's tables in a fresh schema and a store on
// them; without FRIST_TEST_POSTGRES the test is skipped (see openSchema).
func openRequests(t *testing.T, decl *policy.Declaration) *sqltest.Backend {
	t.Helper()
	return sqltest.OpenRequests(t, openSchema(t), sqltest.Postgres, decl, func(db *sql.DB, d *policy.Declaration) (sqltest.Store, error) {
		return pgstore.New(db, d, nil)
	})
}

func TestRequestConformance(t *testing.T) {
	storetest.RunRequests(t, func(t *testing.T, decl *policy.Declaration) storetest.Backend {
		return openRequests(t, decl)
	})
}

func TestRequestExtras(t *testing.T) {
	sqltest.RunRequestExtras(t, openRequests)
}
