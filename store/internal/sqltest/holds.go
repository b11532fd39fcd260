package sqltest

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/storetest"
)

// RunHoldExtras runs the tests of holds that are particular to SQL
// backends: a failure injected between a hold change and its audit entry.
func RunHoldExtras(t *testing.T, f Flavor, b *Backend) {
	ctx := context.Background()
	hold := store.Hold{ID: "01900000-0000-7000-8000-0000000000a1", Subject: "1001", Reason: store.HoldRestriction, PlacedAt: storetest.T0}

	// A trigger makes every insert into frist_audit fail, after the
	// hold's insert succeeded in the same transaction: PlaceHold must keep
	// neither, so that no hold is in force without the entry that records
	// it (store.Holds, store.HoldAudit).
	//
	// Seen to fail: with the hold committed in the hold transaction and
	// the entry appended in a second one (as PlaceHold and a separate
	// AppendAudit did before), the hold stayed in force after the entry
	// failed.
	t.Run("PlaceHoldStoresNeitherWhenTheEntryFails", func(t *testing.T) {
		remove := failAuditInserts(t, f, b.DB())
		_, err := b.PlaceHold(ctx, hold, storetest.HoldEntry("hold.place"))
		require.Error(t, err, "the entry's insert fails")
		assert.Contains(t, err.Error(), "injected failure")
		assert.False(t, errors.Is(err, store.ErrConflict), "a failed entry is not a conflict")
		hs, err := b.ListHolds(ctx, storetest.T0)
		require.NoError(t, err)
		assert.Empty(t, hs, "the hold is not stored without its entry")

		remove()
		log, err := b.ReadAudit(ctx, 0, 0)
		require.NoError(t, err)
		assert.Empty(t, log, "no entry is stored")
		// The ID is free: the same hold is placed, with its entry, at the
		// head the failure left untouched.
		sealed, err := b.PlaceHold(ctx, hold, storetest.HoldEntry("hold.place"))
		require.NoError(t, err)
		assert.Equal(t, uint64(1), sealed.Seq)
		hs, err = b.ListHolds(ctx, storetest.T0)
		require.NoError(t, err)
		assert.Len(t, hs, 1)
	})

	// The same for a release: the failed entry leaves the hold in force,
	// unreleased, and the release then succeeds once.
	//
	// Seen to fail: with the release's UPDATE committed on its own (as
	// ReleaseHold did, before the engine appended the entry), the hold was
	// released with no entry recording it.
	t.Run("ReleaseHoldReleasesNothingWhenTheEntryFails", func(t *testing.T) {
		hs, err := b.ListHolds(ctx, storetest.T0)
		require.NoError(t, err)
		require.Len(t, hs, 1, "the hold placed by the subtest before")
		remove := failAuditInserts(t, f, b.DB())
		_, err = b.ReleaseHold(ctx, hold.ID, storetest.T0.Add(time.Hour), storetest.HoldEntry("hold.release"))
		require.Error(t, err, "the entry's insert fails")
		assert.Contains(t, err.Error(), "injected failure")
		hs, err = b.ListHolds(ctx, storetest.T0.Add(2*time.Hour))
		require.NoError(t, err)
		if assert.Len(t, hs, 1, "the hold is still in force after the release time") {
			assert.True(t, hs[0].ReleasedAt.IsZero(), "the hold is not released without its entry")
		}

		remove()
		sealed, err := b.ReleaseHold(ctx, hold.ID, storetest.T0.Add(time.Hour), storetest.HoldEntry("hold.release"))
		require.NoError(t, err)
		assert.Equal(t, uint64(2), sealed.Seq, "the release's entry follows the hold's")
		hs, err = b.ListHolds(ctx, storetest.T0.Add(2*time.Hour))
		require.NoError(t, err)
		assert.Empty(t, hs)
		log, err := b.ReadAudit(ctx, 0, 0)
		require.NoError(t, err)
		_, err = audit.Verify(log, nil)
		require.NoError(t, err)
		assert.Len(t, log, 2)
	})
}

// failAuditInserts installs a trigger that makes every insert into
// frist_audit fail with "injected failure", and returns what removes it.
func failAuditInserts(t *testing.T, f Flavor, db *sql.DB) (remove func()) {
	t.Helper()
	ctx := context.Background()
	install, drop := []string{
		`CREATE TRIGGER frist_audit_fails BEFORE INSERT ON frist_audit BEGIN SELECT RAISE(ABORT, 'injected failure'); END`,
	}, []string{`DROP TRIGGER frist_audit_fails`}
	if f == Postgres {
		install = []string{
			`CREATE FUNCTION frist_audit_fails() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`,
			`CREATE TRIGGER frist_audit_fails BEFORE INSERT ON frist_audit FOR EACH ROW EXECUTE FUNCTION frist_audit_fails()`,
		}
		drop = []string{`DROP TRIGGER frist_audit_fails ON frist_audit`, `DROP FUNCTION frist_audit_fails()`}
	}
	for _, st := range install {
		_, err := db.ExecContext(ctx, st)
		require.NoError(t, err, st)
	}
	return func() {
		t.Helper()
		for _, st := range drop {
			_, err := db.ExecContext(ctx, st)
			require.NoError(t, err, st)
		}
	}
}
