package logstore_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/logstore"
	"github.com/frist-go/frist/store/storetest"
)

// A hold and its audit entry are one step (store.Holds): the new holds
// file and the entry go through the journal, as a batch's file and entry
// do. An append of the entry that fails after the holds file was renamed
// into place (the disk full, or a crash there) leaves the journal, and the
// next opening finishes it: the hold is in force and the entry in the
// log. A crash before the journal was written leaves only a temporary
// file, which the next opening removes: no hold and no entry.
//
// Broken on purpose to see this fail: PlaceHold renaming the holds file
// into place (writeFileAtomic) and then appending the entry, without the
// journal, left the hold in force after reopening with no entry recording
// it.
func TestAHoldIsStoredWithItsEntryAcrossACrash(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	decl := accessLogDecl(t, dir, "", policy.Rule{After: policy.MustParsePeriod("7d"), From: "requested_at", Delete: true})
	st, err := logstore.New(decl, nil)
	require.NoError(t, err)
	hold := store.Hold{ID: "0190f6d2-0000-7000-8000-000000000001", Dataset: "access_log", Key: "access.log.9.gz", Reason: store.HoldLegalClaims, PlacedAt: now}

	// The audit log cannot be appended to: a directory stands in its way.
	auditPath := filepath.Join(dir, ".frist-audit.jsonl")
	require.NoError(t, os.Rename(auditPath, auditPath+".away"))
	require.NoError(t, os.Mkdir(auditPath, 0o700))
	_, err = st.PlaceHold(ctx, hold, storetest.HoldEntry("hold.place"))
	require.Error(t, err)
	assert.ErrorIs(t, err, logstore.ErrFailed, "the store cannot read its audit log again")
	assert.Contains(t, err.Error(), "opened again")
	hs, err := st.ListHolds(ctx, now)
	require.NoError(t, err)
	assert.Len(t, hs, 1, "a hold on disk, whose entry the journal holds, is in force at once: the safe side")
	require.NoError(t, st.Close())

	require.NoError(t, os.Remove(auditPath))
	require.NoError(t, os.Rename(auditPath+".away", auditPath))
	st, err = logstore.New(decl, nil)
	require.NoError(t, err, "opening finishes the journal")
	hs, err = st.ListHolds(ctx, now)
	require.NoError(t, err)
	require.Len(t, hs, 1)
	assert.Equal(t, hold.ID, hs[0].ID)
	log, err := st.ReadAudit(ctx, 0, 0)
	require.NoError(t, err)
	require.NotEmpty(t, log)
	assert.Equal(t, "hold.place", log[len(log)-1].Action, "the hold's entry is in the log")
	assert.Equal(t, "hold "+hold.ID, log[len(log)-1].Note)
	_, err = audit.Verify(log, nil)
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(dir, ".frist-journal.json"))
	assert.ErrorIs(t, err, os.ErrNotExist, "the journal is gone once finished")

	// A crash after the new holds file was written, before the journal:
	// only the temporary file is left.
	require.NoError(t, st.Close())
	tmp := filepath.Join(dir, ".frist-tmp-.frist-holds.json")
	require.NoError(t, os.WriteFile(tmp, []byte(`[{"ID":"0190f6d2-0000-7000-8000-000000000002","Subject":"x","Reason":"18"}]`), 0o600))
	st, err = logstore.New(decl, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	_, err = os.Stat(tmp)
	assert.ErrorIs(t, err, os.ErrNotExist, "the unfinished holds file is removed")
	hs, err = st.ListHolds(ctx, time.Time{})
	require.NoError(t, err)
	assert.Len(t, hs, 1, "a hold that never reached the journal is not stored")
	after, err := st.ReadAudit(ctx, 0, 0)
	require.NoError(t, err)
	assert.Len(t, after, len(log), "and has no entry")
}
