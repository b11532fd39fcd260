package logstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/logstore"
)

// TestWhatALogCannotDoIsUnsupported pins the store contract's answer for
// an operation a backend cannot do: SubjectsByField and UpdateFields are
// methods of every store.Driver, and on log files they fail with an error
// wrapping errors.ErrUnsupported, changing nothing and appending no audit
// entry; Purge has nothing to do and returns nil. Seen to fail with
// UpdateFields returning a plain error (errors.Is finds no
// ErrUnsupported) and with it appending its entry before refusing.
func TestWhatALogCannotDoIsUnsupported(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	rotatedLogs(t, dir)
	decl := accessLogDecl(t, dir, "", policy.Rule{After: policy.MustParsePeriod("7d"), From: "requested_at", Delete: true})
	st, err := logstore.New(decl, nil)
	require.NoError(t, err)
	defer func() { require.NoError(t, st.Close()) }()
	before := readAll(t, dir)

	_, err = st.SubjectsByField(ctx, "access_log", "ip", "192.0.2.1")
	require.ErrorIs(t, err, errors.ErrUnsupported)
	require.ErrorIs(t, err, logstore.ErrUnsupported)
	_, err = st.UpdateFields(ctx, "access_log", "access.log.1:1", "x", map[string]any{"ip": "192.0.2.9"}, audit.Entry{Time: now, Action: "rectify", Dataset: "access_log", Count: 1})
	require.ErrorIs(t, err, errors.ErrUnsupported)
	log, err := st.ReadAudit(ctx, 0, 0)
	require.NoError(t, err)
	assert.Empty(t, log, "a refused rectification leaves no audit entry")
	assert.Equal(t, before, readAll(t, dir), "and changes no file")

	_, err = st.SubjectsByField(ctx, "nope", "ip", "x")
	require.ErrorIs(t, err, store.ErrUnknownDataset, "an unknown dataset is named as such first")
	require.NoError(t, st.Purge(ctx, store.PurgeScope{Datasets: []string{"access_log"}, Own: store.AllOwnRecords()}), "a rewrite leaves nothing to purge")
}
