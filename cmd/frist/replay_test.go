package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReplayErasesAgainWhatARestoredBackupBroughtBack is the restore
// drill: a backup is taken, an erasure request is carried out with the
// ledger, the backup is restored (the request and the erasure with it),
// and frist replay erases the subject's records again, saying why in the
// audit log. A second replay changes nothing.
//
// Seen to fail: with openDsar opening the ledger but not handing it to the
// engine, the ledger held no erasure ("replayed 0 erasures") and citizen-1's
// restored appointments stayed.
func TestReplayErasesAgainWhatARestoredBackupBroughtBack(t *testing.T) {
	url, path, keys := dsarDB(t)
	appendKey(t, keys, "ledger k1 "+strings.Repeat("TGVkZ2VyS2V5", 4)+"AA==")
	ledgerPath := filepath.Join(t.TempDir(), "erasures.jsonl")
	backup := filepath.Join(t.TempDir(), "backup.db")
	execSQL(t, path, "VACUUM INTO '"+backup+"'")

	id := openRequest(t, url, keys, "erasure", "citizen-1")
	verifyRequest(t, url, keys, id)
	code, _, errs := runCLI("dsar", "erase", jobcenterFile, "--db", url, "--keys", keys, "--ledger", ledgerPath, id)
	require.Equal(t, exitOK, code, errs)
	require.Equal(t, 0, countRows(t, path, "appointments", "citizen_id = 'citizen-1'"))

	restore(t, backup, path)
	require.Equal(t, 2, countRows(t, path, "appointments", "citizen_id = 'citizen-1'"), "the restore brought citizen-1's appointments back")

	code, out, errs := runCLI("replay", jobcenterFile, "--db", url, "--keys", keys, "--ledger", ledgerPath)
	require.Equal(t, exitOK, code, errs)
	assert.Contains(t, out, "replayed 1 erasure from "+ledgerPath+": 2 records erased again")
	assert.Equal(t, 0, countRows(t, path, "appointments", "citizen_id = 'citizen-1'"), "replay erased them again")
	assert.Equal(t, 1, countRows(t, path, "appointments", "citizen_id = 'citizen-2'"), "other citizens' records stay")
	var why int
	for _, b := range auditBodies(t, path) {
		if strings.Contains(b, "replayed from erasure ledger entry") {
			why++
		}
		assert.NotContains(t, b, "citizen-1", "the audit log names the subject by pseudonym only")
	}
	assert.Positive(t, why, "the audit log says why the records were erased again")

	code, out, errs = runCLI("replay", jobcenterFile, "--db", url, "--keys", keys, "--ledger", ledgerPath)
	require.Equal(t, exitOK, code, errs)
	assert.Contains(t, out, "0 records erased again")
}

func TestReplayRefusesBadInputAndChangesNothing(t *testing.T) {
	url, path, keys := dsarDB(t)
	dir := t.TempDir()
	ledgerPath := filepath.Join(dir, "erasures.jsonl")
	torn := filepath.Join(dir, "torn.jsonl")
	require.NoError(t, os.WriteFile(torn, []byte(`{"format":"frist-erasure-ledger","version":1,"controller":"Jobcenter Kreis Segeberg"}`+"\n"+`{"id":"x","rec`), 0o600))
	withLedger := filepath.Join(dir, "with-ledger.keys")
	raw, err := os.ReadFile(keys)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(withLedger, append(raw, []byte("ledger k1 "+strings.Repeat("TGVkZ2VyS2V5", 4)+"AA==\n")...), 0o600))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no ledger", []string{jobcenterFile, "--db", url, "--keys", withLedger}, "no erasure ledger given"},
		{"a missing ledger", []string{jobcenterFile, "--db", url, "--keys", withLedger, "--ledger", ledgerPath}, "cannot be read"},
		{"no ledger key", []string{jobcenterFile, "--db", url, "--keys", keys, "--ledger", torn}, `no key of the ring "ledger"`},
		{"a torn last line", []string{jobcenterFile, "--db", url, "--keys", withLedger, "--ledger", torn}, "torn.jsonl:2: the last line is incomplete"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := countRows(t, path, "appointments", "1=1")
			code, out, errs := runCLI(append([]string{"replay"}, tt.args...)...)
			assert.Equal(t, exitInvalid, code)
			assert.Empty(t, out)
			assert.Contains(t, errs, tt.want)
			assert.Equal(t, before, countRows(t, path, "appointments", "1=1"), "nothing changed")
		})
	}
	_, err = os.Stat(ledgerPath)
	assert.True(t, os.IsNotExist(err), "replay creates no ledger")
}

// appendKey adds a line to a key file.
func appendKey(t *testing.T, path, line string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString(line + "\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

// restore puts the database file back as the backup has it, as an
// operator restoring from a backup would, with no write-ahead log left.
func restore(t *testing.T, backup, path string) {
	t.Helper()
	raw, err := os.ReadFile(backup)
	require.NoError(t, err)
	for _, p := range []string{path + "-wal", path + "-shm"} {
		_ = os.Remove(p)
	}
	require.NoError(t, os.WriteFile(path, raw, 0o600))
}
