package sqltest

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
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
	// Through the engine: a hold whose entry fails protects nothing and
	// the caller is told, so the cancellation of the subject's booking
	// deletes it at once; a release whose entry fails leaves the hold in
	// force, so the cancellation remembered under it is not acted on
	// until a release is recorded (Engine.PlaceHold, Engine.ReleaseHold).
	//
	// Seen to fail: with the engine's ReleaseHold acting on the remembered
	// events when the store's release failed (and returning what they
	// returned), the failed release reported success; with the store
	// committing a hold before its entry (two transactions), the hold
	// whose entry failed was in force and booking 22's cancellation was
	// only remembered.
	t.Run("EngineActsOnlyOnRecordedHoldChanges", func(t *testing.T) {
		ring, err := anonymize.NewKeyRing(anonymize.Key{ID: "h1", Secret: []byte("holds and their entries, a test key of 32+ bytes")})
		require.NoError(t, err)
		now := storetest.T0.Add(3 * time.Hour)
		eng, err := retention.New(storetest.Declaration(), b, &retention.Options{Now: func() time.Time { return now }, AuditKey: ring})
		require.NoError(t, err)
		booking := func(id, citizen int64) {
			require.NoError(t, b.Insert(ctx, storetest.Bookings, map[string]any{"id": id, "citizen_id": citizen, "booked_at": now.Add(-time.Hour)}))
		}
		exists := func(id string) bool {
			_, ok, err := b.Get(ctx, storetest.Bookings, id)
			require.NoError(t, err)
			return ok
		}
		cancel := func(key string) error {
			_, err := eng.Trigger(ctx, retention.Event{Kind: policy.EventCancelled, Dataset: storetest.Bookings, Key: key})
			return err
		}
		booking(21, 2001)
		booking(22, 2002)
		held, err := eng.PlaceHold(ctx, retention.HoldRequest{Subject: "2001", Reason: store.HoldLegalClaims})
		require.NoError(t, err)
		require.ErrorIs(t, cancel("21"), retention.ErrHeld, "the cancellation of a held booking is remembered")
		require.True(t, exists("21"))

		remove := failAuditInserts(t, f, b.DB())
		_, err = eng.PlaceHold(ctx, retention.HoldRequest{Subject: "2002", Reason: store.HoldLegalClaims})
		require.ErrorContains(t, err, "injected failure")
		err = eng.ReleaseHold(ctx, held.ID)
		require.ErrorContains(t, err, "injected failure")
		assert.True(t, exists("21"), "a release that is not recorded frees nothing")
		remove()

		require.NoError(t, cancel("22"))
		assert.False(t, exists("22"), "a hold whose entry failed protects nothing: the cancelled booking is deleted at once")
		hs, err := b.ListHolds(ctx, now)
		require.NoError(t, err)
		require.Len(t, hs, 1)
		assert.Equal(t, held.ID, hs[0].ID, "the hold whose release failed is still in force")

		require.NoError(t, eng.ReleaseHold(ctx, held.ID))
		assert.False(t, exists("21"), "once the release is recorded, the remembered cancellation acts at once")
		log, err := b.ReadAudit(ctx, 0, 0)
		require.NoError(t, err)
		_, err = audit.Verify(log, nil)
		require.NoError(t, err)
		count := map[string]int{}
		for _, e := range log {
			if strings.Contains(e.Note, held.ID) {
				count[e.Action]++
			}
		}
		assert.Equal(t, map[string]int{"hold.place": 1, "hold.release": 1}, count, "the hold is recorded once placed and once released")
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
