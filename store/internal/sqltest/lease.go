package sqltest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/store"
)

// RunTakenLeaseIsRefusedWithoutLocking checks that a replica whose sweep
// finds the lease held by another refuses it on a read: while lock holds
// what a lease write needs (SQLite's write lock, PostgreSQL's lease row),
// other's attempt on the taken lease answers "not acquired" without error,
// and only taking over the expired lease waits for the lock. sweeper and
// other are two stores on one database; other's calls give up after a
// second. lock takes the lock and returns its release; it is called after
// sweeper holds the lease "sweep", and registers its release as a cleanup
// too, so a failing check cannot leave the lock behind.
func RunTakenLeaseIsRefusedWithoutLocking(t *testing.T, sweeper, other store.Leases, lock func(t *testing.T) (unlock func())) {
	ctx := context.Background()
	impatient := func() context.Context {
		c, cancel := context.WithTimeout(ctx, time.Second)
		t.Cleanup(cancel)
		return c
	}
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	ok, err := sweeper.AcquireLease(ctx, "sweep", "replica-a", now, time.Minute)
	require.NoError(t, err)
	require.True(t, ok)

	unlock := lock(t)
	ok, err = other.AcquireLease(impatient(), "sweep", "replica-b", now.Add(time.Second), time.Minute)
	require.NoError(t, err, "a taken lease is refused without waiting for the lock a lease write needs")
	assert.False(t, ok, "replica-a holds the lease")

	_, err = other.AcquireLease(impatient(), "sweep", "replica-b", now.Add(2*time.Minute), time.Minute)
	require.Error(t, err, "taking over an expired lease writes, and waits for the lock the test holds")
	unlock()
	ok, err = other.AcquireLease(ctx, "sweep", "replica-b", now.Add(2*time.Minute), time.Minute)
	require.NoError(t, err)
	assert.True(t, ok, "the expired lease is taken over")
}
