package pgstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/store/internal/sqltest"
	"github.com/frist-go/frist/store/pgstore"
)

// TestAReplicaFindingTheLeaseTakenDoesNotLockTheLeaseRow pins that a
// replica whose sweep finds the lease held by another refuses it on a
// read, without the upsert that would lock the lease row: while another
// transaction holds that row, the answer is "not acquired" at once.
func TestAReplicaFindingTheLeaseTakenDoesNotLockTheLeaseRow(t *testing.T) {
	ctx := context.Background()
	decl, err := sqltest.Declaration()
	require.NoError(t, err)
	db := openSchema(t)
	require.NoError(t, sqltest.CreateTables(ctx, db, sqltest.Postgres, decl, sqltest.IntKey))
	sweeper, err := pgstore.New(db, decl, nil)
	require.NoError(t, err)
	other, err := pgstore.New(reopen(t, db), decl, nil)
	require.NoError(t, err)
	sqltest.RunTakenLeaseIsRefusedWithoutLocking(t, sweeper, other, func(t *testing.T) func() {
		tx, err := db.BeginTx(ctx, nil)
		require.NoError(t, err)
		t.Cleanup(func() { _ = tx.Rollback() })
		_, err = tx.ExecContext(ctx, "SELECT * FROM frist_leases WHERE name = 'sweep' FOR UPDATE")
		require.NoError(t, err)
		return func() { require.NoError(t, tx.Rollback()) }
	})
}
