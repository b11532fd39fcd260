package main

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/ledger"
	"github.com/frist-go/frist/policy"
)

// TestARestoredBackupIsErasedAgainByReplay is the restore drill of the
// booking service: a backup is taken, one citizen cancels, one withdraws
// consent and one has an Art. 17 erasure granted, the backup is restored
// (the service restarted on it), and the erasure ledger is replayed. The
// same appointments are gone again, the others stay, and the audit log
// says for each batch that it replays a ledger entry.
//
// Seen to fail: with Options.ErasureLedger not passed on to the engine,
// the ledger stayed empty and the three appointments were back for good.
func TestARestoredBackupIsErasedAgainByReplay(t *testing.T) {
	ctx := context.Background()
	decl := loadJobcenter(t, nil)
	ring, err := anonymize.NewKeyRing(anonymize.Key{ID: "ledger1", Secret: []byte(strings.Repeat("L", 32))})
	require.NoError(t, err)
	ledgerPath := filepath.Join(t.TempDir(), "erasures.jsonl")
	led, err := ledger.Open(ledgerPath, decl, ring)
	require.NoError(t, err)
	a := newTestAppWith(t, decl, testBaseURL, func(o *Options) { o.ErasureLedger = led })
	cancelled := a.book(t, "erika@example.org")
	withdrawn := a.book(t, "max@example.org")
	erased := a.book(t, "otto@example.org")
	kept := a.book(t, "anna@example.org")

	var path string
	rows, err := a.db.Query("PRAGMA database_list")
	require.NoError(t, err)
	for rows.Next() {
		var seq int
		var name, file string
		require.NoError(t, rows.Scan(&seq, &name, &file))
		if name == "main" {
			path = file
		}
	}
	require.NoError(t, rows.Close())
	backup := filepath.Join(t.TempDir(), "backup.db")
	_, err = a.db.Exec("VACUUM INTO '" + backup + "'")
	require.NoError(t, err)

	_, err = a.Cancel(ctx, cancelled.ID)
	require.NoError(t, err)
	_, err = a.Ledger().Withdraw(ctx, withdrawn.Citizen, "booking", policy.ChannelEmail)
	require.NoError(t, err)
	_, err = a.Engine().EraseSubject(ctx, erased.Citizen, time.Time{})
	require.NoError(t, err)
	require.Equal(t, 1, a.count(t, "appointments", "1=1"))

	// The restore: the service stops, the database file is the backup's,
	// the service starts on it.
	require.NoError(t, a.db.Close())
	raw, err := os.ReadFile(backup)
	require.NoError(t, err)
	for _, p := range []string{path + "-wal", path + "-shm"} {
		_ = os.Remove(p)
	}
	require.NoError(t, os.WriteFile(path, raw, 0o600))
	restored := newTestAppWith(t, decl, testBaseURL, func(o *Options) {
		db, err := sql.Open("sqlite", SQLiteDSN(path))
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		o.DB = db
		o.ErasureLedger = led
	})
	restored.db = restored.Store().DB()
	require.Equal(t, 4, restored.count(t, "appointments", "1=1"), "the backup brought the three back")

	rep, err := restored.Engine().Replay(ctx, led)
	require.NoError(t, err)
	assert.Equal(t, 3, rep.Erasures)
	assert.Equal(t, 3, rep.Processed)
	for _, ap := range []Appointment{cancelled, withdrawn, erased} {
		assert.Zero(t, restored.count(t, "appointments", "id = ?", ap.ID), "appointment %d is erased again", ap.ID)
	}
	assert.Equal(t, 1, restored.count(t, "appointments", "id = ?", kept.ID))
	entries, err := restored.Store().ReadAudit(ctx, 0, 0)
	require.NoError(t, err)
	var why []string
	for _, e := range entries {
		if strings.Contains(e.Note, "replayed from erasure ledger entry") {
			why = append(why, e.Note)
		}
	}
	assert.Len(t, why, 3, "the audit log says why each was erased again: %v", why)
}
