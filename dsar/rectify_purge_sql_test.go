package dsar_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/dsar"
	"github.com/frist-go/frist/policy"
)

// TestRectificationLeavesNoWrongValueInTheDatabaseFiles: the wrong value a
// rectification overwrites (Art. 16) is gone from the SQLite database file
// and its write-ahead log after the engine's next purge, as erased records
// are, while the corrected value and the other person's are there.
//
// Seen to fail: without the mark in Rectify, Engine.Purge had nothing to
// purge, and the main database file still held the wrong e-mail address
// that the checkpoint before the rectification had written into it.
func TestRectificationLeavesNoWrongValueInTheDatabaseFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.db")
	db := openSQLiteFile(t, path)
	x := newSQLFixtureOn(t, sqliteDB, db, "jobcenter", received, func(decl *policy.Declaration) {
		for _, st := range tableDDL(sqliteDB, decl, false) {
			_, err := db.ExecContext(context.Background(), st)
			require.NoError(t, err, st)
		}
	})
	seedJobcenterSQL(x)
	const wrong, right = "erika.muster@example.org", "erika.neu@zzyzx.example"
	_, err := db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	require.NoError(t, err)
	found := func(v string) bool {
		for _, p := range []string{path, path + "-wal"} {
			b, err := os.ReadFile(p)
			if os.IsNotExist(err) {
				continue
			}
			require.NoError(t, err)
			if bytes.Contains(b, []byte(v)) {
				return true
			}
		}
		return false
	}
	require.True(t, found(wrong), "the wrong address is in the database file before the rectification")

	r := x.openVerified(dsar.Rectification, "c-1001")
	var changes []dsar.Change
	for _, key := range []string{"10", "11", "12"} {
		changes = append(changes, dsar.Change{Dataset: "appointment", Key: key, Field: "email", Value: right})
	}
	_, err = x.svc.Rectify(x.ctx, r.ID(), changes)
	require.NoError(t, err)
	require.NoError(t, x.eng.Purge(x.ctx))

	assert.False(t, found(wrong), "the wrong address is still in the database file or its log")
	assert.True(t, found(right), "the corrected address is in the database")
	assert.True(t, found("Erika.Muster@example.org"), "the other person's address is untouched")
}
