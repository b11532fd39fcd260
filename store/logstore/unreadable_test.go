package logstore_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
)

// TestACorruptRotatedFileIsReportedAtEverySweepWhileTheRestIsProcessed
// pins that an empty and a truncated .gz neither stop the dataset's rules
// nor are deleted: on main both rules of the dataset failed at every
// sweep ("finding the oldest due record": not a gzip file), so no due line
// of any other file was anonymized or deleted.
func TestACorruptRotatedFileIsReportedAtEverySweepWhileTheRestIsProcessed(t *testing.T) {
	dir := t.TempDir()
	rotatedLogs(t, dir)
	// An empty file, as a full disk leaves it, and one cut in the middle.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "access.log.11.gz"), nil, 0o644))
	whole, err := os.ReadFile(filepath.Join(dir, "access.log.10.gz"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "access.log.12.gz"), whole[:len(whole)/2], 0o644))
	decl := accessLogDecl(t, dir, policy.MalformedMask,
		policy.Rule{After: policy.MustParsePeriod("7d"), From: "requested_at", Delete: true})

	for i := range 2 {
		rep := sweep(t, decl, now)
		require.NoError(t, rep.Err(), "no rule fails on a file it cannot read")
		rr := rep.Rules[0]
		if i == 0 {
			assert.Positive(t, rr.Processed, "the due lines of the readable files are deleted")
		}
		require.Len(t, rr.Unreadable, 1, "the corrupt files are reported at every sweep")
		assert.Equal(t, "requested_at", rr.Unreadable[0].Column)
		assert.Equal(t, 2, rr.Unreadable[0].Count)
	}
	for _, name := range []string{"access.log.9.gz", "access.log.10.gz"} {
		_, err := os.Stat(filepath.Join(dir, name))
		assert.ErrorIs(t, err, os.ErrNotExist, "%s, wholly past seven days, is deleted", name)
	}
	for _, name := range []string{"access.log.11.gz", "access.log.12.gz"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		require.NoError(t, err, "a file that cannot be read is never deleted silently")
		assert.Equal(t, map[string]int64{"access.log.11.gz": 0, "access.log.12.gz": int64(len(whole) / 2)}[name], fi.Size())
	}

	// Repaired, it is read again and processed.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "access.log.12.gz"), whole, 0o644))
	require.NoError(t, os.Chtimes(filepath.Join(dir, "access.log.12.gz"), time.Now(), time.Now()))
	rep := sweep(t, decl, now)
	require.NoError(t, rep.Err())
	assert.Equal(t, 1, rep.Rules[0].Unreadable[0].Count, "only the empty file is left")
	_, err = os.Stat(filepath.Join(dir, "access.log.12.gz"))
	assert.ErrorIs(t, err, os.ErrNotExist, "the repaired file is processed")
}
