package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/store/internal/sqltest"
	"github.com/frist-go/frist/store/pgstore"
)

// TestAReplicaFindingTheLeaseTakenDoesNotLockTheLeaseRow pins that a
// replica whose sweep finds the lease held by another refuses it on a
// read, without the upsert that would lock the lease row: while another
// transaction holds that row, the answer is "not acquired" at once. The
// replica's calls give up after a second, so a lease attempt that wrote
// would fail here.
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
	impatient := func() context.Context {
		c, cancel := context.WithTimeout(ctx, time.Second)
		t.Cleanup(cancel)
		return c
	}

	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	ok, err := sweeper.AcquireLease(ctx, "sweep", "replica-a", now, time.Minute)
	require.NoError(t, err)
	require.True(t, ok)

	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	_, err = tx.ExecContext(ctx, "SELECT * FROM frist_leases WHERE name = 'sweep' FOR UPDATE")
	require.NoError(t, err)
	// A failing assertion below must not leave the lock to block the
	// cleanup.
	t.Cleanup(func() { _ = tx.Rollback() })

	ok, err = other.AcquireLease(impatient(), "sweep", "replica-b", now.Add(time.Second), time.Minute)
	require.NoError(t, err, "a taken lease is refused without waiting for the lease row's lock")
	assert.False(t, ok, "replica-a holds the lease")

	_, err = other.AcquireLease(impatient(), "sweep", "replica-b", now.Add(2*time.Minute), time.Minute)
	require.Error(t, err, "taking over an expired lease locks its row, which the other transaction still holds")
	require.NoError(t, tx.Rollback())
	ok, err = other.AcquireLease(ctx, "sweep", "replica-b", now.Add(2*time.Minute), time.Minute)
	require.NoError(t, err)
	assert.True(t, ok, "the expired lease is taken over")
}
