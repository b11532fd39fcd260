package logstore_test

import (
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/logstore"
	"github.com/frist-go/frist/store/storetest"
)

func TestNewRefusesABindingItCannotServeAndNamesWhere(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(ds *policy.Dataset)
		want   string
	}{
		{"unknown part", func(ds *policy.Dataset) { ds.Fields[0].Column = "client" }, `"client" is not a part of a combined log line`},
		{"agent in common", func(ds *policy.Dataset) { ds.Files.Format = "common" }, "the common log format has no http_user_agent"},
		{"subject on log lines", func(ds *policy.Dataset) { ds.Subject = "user" }, "names no data subject"},
		{"path in pattern", func(ds *policy.Dataset) { ds.Files.Pattern = "logs/access.log*" }, "is not a file-name pattern"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			decl := accessLogDecl(t, t.TempDir(), "", policy.Rule{After: policy.MustParsePeriod("7d"), From: "requested_at", Delete: true})
			c.mutate(&decl.Datasets[0])
			_, err := logstore.New(decl, nil)
			require.Error(t, err)
			assert.True(t, errors.Is(err, logstore.ErrBinding), "%v", err)
			assert.Contains(t, err.Error(), `dataset "access_log"`)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestNewRefusesASecondProcessOnTheStateDirectory(t *testing.T) {
	decl := accessLogDecl(t, t.TempDir(), "", policy.Rule{After: policy.MustParsePeriod("7d"), From: "requested_at", Delete: true})
	st, err := logstore.New(decl, nil)
	require.NoError(t, err)
	_, err = logstore.New(decl, nil)
	assert.ErrorIs(t, err, logstore.ErrLocked)
	require.NoError(t, st.Close())
	st, err = logstore.New(decl, nil)
	require.NoError(t, err, "Close must release the lock")
	require.NoError(t, st.Close())
}

// A hold on a line of a log with <file>:<line> keys holds the whole file:
// rewriting it would renumber the lines (Art. 17(3)(e): a log kept as
// evidence).
func TestAHoldOnALineHoldsItsWholeFile(t *testing.T) {
	dir := t.TempDir()
	rotatedLogs(t, dir)
	decl := accessLogDecl(t, dir, "", policy.Rule{After: policy.MustParsePeriod("7d"), From: "requested_at", Delete: true})
	st, err := logstore.New(decl, nil)
	require.NoError(t, err)
	ctx := context.Background()
	_, err = st.PlaceHold(ctx, store.Hold{ID: "0190f6d2-0000-7000-8000-000000000001", Dataset: "access_log",
		Key: "access.log.9.gz:17", Reason: store.HoldLegalClaims, Note: "Strafanzeige", PlacedAt: now.Add(-time.Hour)}, storetest.HoldEntry("hold.place"))
	require.NoError(t, err)
	sel := store.Selection{Dataset: "access_log", Bounds: []store.Bound{{Column: "requested_at", Cutoff: now.AddDate(0, 0, -7)}}, Now: now}
	free, held, err := st.Count(ctx, sel)
	require.NoError(t, err)
	assert.Equal(t, 720, held, "every line of the held file is held")
	assert.Positive(t, free)
	require.NoError(t, st.Close())

	before := readAll(t, dir)["access.log.9.gz"]
	sweep(t, decl, now)
	after := readAll(t, dir)
	assert.Equal(t, before, after["access.log.9.gz"], "a held file must not be touched")
	assert.NotContains(t, after, "access.log.10.gz", "files not held are deleted")
}

// A sweep opens only the files the index says can hold due lines: a file
// whose identity did not change is not read again.
func TestASweepReadsOnlyFilesThatCanHoldDueLines(t *testing.T) {
	dir := t.TempDir()
	rotatedLogs(t, dir)
	decl := accessLogDecl(t, dir, "", policy.Rule{After: policy.MustParsePeriod("7d"), From: "requested_at",
		Anonymize: []policy.FieldOp{{Field: "ip", Op: "ip_mask(v4=1, v6=80)"}}})
	sweep(t, decl, now)
	require.FileExists(t, filepath.Join(dir, ".frist-index.json"))

	// Replace a young file's content by bytes that are no gzip stream,
	// keeping its size, inode and modification time: reading it would fail.
	young := filepath.Join(dir, "access.log.3.gz")
	fi, err := os.Stat(young)
	require.NoError(t, err)
	f, err := os.OpenFile(young, os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteAt([]byte(strings.Repeat("x", int(fi.Size()))), 0)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	require.NoError(t, os.Chtimes(young, fi.ModTime(), fi.ModTime()))
	_, err = gzip.NewReader(strings.NewReader(strings.Repeat("x", 10)))
	require.Error(t, err)

	rep := sweep(t, decl, now.Add(time.Hour))
	assert.NoError(t, rep.Err(), "a sweep an hour later must not open a file with no due line")
	assert.Positive(t, rep.Processed(), "the lines that fell due in the hour are processed")
}
