package logstore_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/logstore"
	"github.com/frist-go/frist/store/storetest"
)

// A Store opened read-only reads the logs and writes nothing: no lock, no
// audit log, no index, no removal of temporary files; writes fail with
// ErrReadOnly, and an interrupted batch is named rather than finished.
// Broken by ignoring Options.ReadOnly: New then creates .frist-lock and
// .frist-audit.jsonl, Count saves the index, and Process succeeds.
func TestReadOnlyStoreWritesNothing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	rotatedLogs(t, dir)
	decl := accessLogDecl(t, dir, policy.MalformedMask, policy.Rule{After: policy.MustParsePeriod("7d"), From: "requested_at", Delete: true})
	before := readAll(t, dir)

	st, err := logstore.New(decl, &logstore.Options{ReadOnly: true})
	require.NoError(t, err)
	sel := store.Selection{Dataset: "access_log", Now: now, Bounds: []store.Bound{{Column: "requested_at", Cutoff: now.AddDate(0, 0, -7)}}}
	free, _, err := st.Count(ctx, sel)
	require.NoError(t, err)
	assert.Positive(t, free, "the read-only store reads the lines")
	entries, err := st.ReadAudit(ctx, 0, 10)
	require.NoError(t, err)
	assert.Empty(t, entries)
	_, err = st.Process(ctx, store.Batch{Selection: sel, Action: store.Action{Delete: true}})
	require.ErrorIs(t, err, logstore.ErrReadOnly)
	_, err = st.PlaceHold(ctx, store.Hold{ID: "h", Dataset: "access_log", Key: "access.log.1:1", Reason: store.HoldLegalClaims, PlacedAt: now}, storetest.HoldEntry("hold.place"))
	require.ErrorIs(t, err, logstore.ErrReadOnly)
	require.NoError(t, st.Close())
	assert.Equal(t, before, readAll(t, dir), "a read-only store changed the directory")

	// A journal left by a crash is named, not applied.
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".frist-journal.json"), []byte(`{}`), 0o600))
	_, err = logstore.New(decl, &logstore.Options{ReadOnly: true})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "was interrupted")
}

// New names a log directory that does not exist, and the dataset whose
// files.dir (or Options.Dirs entry) it is.
func TestNewNamesAMissingLogDirectory(t *testing.T) {
	dir := t.TempDir()
	decl := accessLogDecl(t, dir, policy.MalformedMask)
	missing := filepath.Join(dir, "gone")
	_, err := logstore.New(decl, &logstore.Options{Dirs: map[string]string{"access_log": missing}})
	require.ErrorIs(t, err, logstore.ErrBinding)
	assert.Contains(t, err.Error(), `dataset "access_log": files.dir `+missing+" cannot be read")
	_, err = logstore.New(decl, &logstore.Options{Dirs: map[string]string{"contact": dir}})
	require.ErrorIs(t, err, logstore.ErrBinding)
	assert.Contains(t, err.Error(), `Options.Dirs names "contact"`)
}

// Dirs reads repeated DATASET=DIR flags and refuses anything else.
// Broken by accepting a value without "=": "x" then passes.
func TestDirsParsesDatasetEqualsDir(t *testing.T) {
	d := logstore.Dirs{}
	require.NoError(t, d.Set("access_log=/var/log/nginx"))
	require.NoError(t, d.Set("errors=/var/log/err"))
	assert.Equal(t, "access_log=/var/log/nginx,errors=/var/log/err", d.String())
	for _, bad := range []string{"x", "=dir", "id=", "access_log=/other"} {
		assert.Error(t, d.Set(bad), bad)
	}
}
