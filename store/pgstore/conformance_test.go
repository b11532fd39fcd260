package pgstore_test

import (
	"database/sql"
	"testing"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store/internal/sqltest"
	"github.com/frist-go/frist/store/pgstore"
	"github.com/frist-go/frist/store/storetest"
)

// openStore creates storetest's tables and a store on them.
func openStore(t *testing.T, decl *policy.Declaration) storetest.Backend {
	t.Helper()
	return sqltest.Open(t, openSchema(t), sqltest.Postgres, decl, func(db *sql.DB, d *policy.Declaration) (sqltest.Store, error) {
		return pgstore.New(db, d, nil)
	})
}

// TestConformance runs the whole conformance suite, the core and both
// features and the index diagnostic, on tables created as storetest.Tables
// describes them.
func TestConformance(t *testing.T) {
	storetest.Run(t, openStore)
}
