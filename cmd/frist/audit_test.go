package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sweptDB returns a database whose audit log holds four entries: one per
// batch of the first sweep (the access log's two, the appointment's one),
// and the record that the appointment's recipient is to be told of its
// erasure (Art. 19).
func sweptDB(t *testing.T) (string, string) {
	t.Helper()
	url, path := newJobcenterDB(t, seed{oldRequests: 2, pastAppts: 1})
	code, _, errs := runCLI("run", jobcenterFile, "--db", url, "--keys", keyFile(t), "--once")
	require.Equal(t, exitOK, code, errs)
	require.Equal(t, 4, countRows(t, path, "frist_audit", "1=1"))
	return url, path
}

func verifyJSONOf(t *testing.T, wantCode int, args ...string) verifyJSON {
	t.Helper()
	code, out, errs := runCLI(append([]string{"audit", "verify", jobcenterFile, "--format", "json"}, args...)...)
	require.Equal(t, wantCode, code, errs)
	var v verifyJSON
	require.NoError(t, jsonUnmarshal(out, &v))
	return v
}

func TestAuditVerifyAcceptsAnIntactLogAndPrintsItsHead(t *testing.T) {
	url, _ := sweptDB(t)
	v := verifyJSONOf(t, exitOK, "--db", url)
	assert.True(t, v.OK)
	assert.Equal(t, uint64(4), v.Entries)
	require.True(t, strings.HasPrefix(v.Head, "4:"), v.Head)

	// The recorded head verifies the same log again.
	code, out, errs := runCLI("audit", "verify", jobcenterFile, "--db", url, "--head", v.Head)
	require.Equal(t, exitOK, code, errs)
	assert.Contains(t, out, "verifies: 4 entries, head "+v.Head)
}

func TestAuditVerifyReportsWhereAndHowTheChainIsBroken(t *testing.T) {
	tests := []struct {
		name     string
		tamper   string
		wantSeq  uint64
		wantKind string
	}{
		{"an entry removed from the middle", "DELETE FROM frist_audit WHERE seq = 2", 2, "removed"},
		{"an entry altered", `UPDATE frist_audit SET body = replace(body, '"count":2', '"count":1') WHERE seq = 1`, 1, "changed"},
		// The rows below verified before the columns were checked against
		// the sealed body and the log's end against frist_audit_head: each
		// printed "verifies: 3 entries" (or 2) and exited 0, and the garbled
		// body exited 2.
		{"a count column changed without its body", `UPDATE frist_audit SET count = 999 WHERE seq = 2`, 2, "changed"},
		{"an action column changed without its body", `UPDATE frist_audit SET action = 'hold.place' WHERE seq = 3`, 3, "changed"},
		{"a garbled body", `UPDATE frist_audit SET body = 'garbage' WHERE seq = 2`, 2, "changed"},
		{"the newest entry deleted", `DELETE FROM frist_audit WHERE seq = 4`, 4, "truncated"},
		{"the log going on after the recorded head", `UPDATE frist_audit_head SET seq = 2, hash = (SELECT hash FROM frist_audit WHERE seq = 2)`, 3, "inserted"},
		{"the recorded head's hash differing", `UPDATE frist_audit_head SET hash = 'ab'`, 4, "forked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, path := sweptDB(t)
			execSQL(t, path, tt.tamper)
			v := verifyJSONOf(t, exitFindings, "--db", url)
			assert.False(t, v.OK)
			require.NotNil(t, v.Broken)
			assert.Equal(t, tt.wantSeq, v.Broken.Seq)
			assert.Equal(t, tt.wantKind, v.Broken.Kind)

			code, out, errs := runCLI("audit", "verify", jobcenterFile, "--db", url)
			assert.Equal(t, exitFindings, code)
			assert.Contains(t, out, "is BROKEN at entry")
			assert.Contains(t, errs, "preserve the database as evidence")
		})
	}
}

func TestAuditVerifyDetectsATruncatedLogAgainstARecordedHead(t *testing.T) {
	url, path := sweptDB(t)
	head := verifyJSONOf(t, exitOK, "--db", url).Head
	execSQL(t, path, "DELETE FROM frist_audit WHERE seq = 4")
	v := verifyJSONOf(t, exitFindings, "--db", url, "--head", head)
	require.NotNil(t, v.Broken)
	assert.Equal(t, "truncated", v.Broken.Kind)
	assert.Equal(t, uint64(4), v.Broken.Seq)
}

// TestAuditVerifyNeedsARecordedHeadAgainstAResetHead pins the limit that
// the usage text states: whoever deletes the newest entries and resets
// frist_audit_head to match is found only against a head recorded
// outside the database.
func TestAuditVerifyNeedsARecordedHeadAgainstAResetHead(t *testing.T) {
	url, path := sweptDB(t)
	head := verifyJSONOf(t, exitOK, "--db", url).Head
	execSQL(t, path, "DELETE FROM frist_audit WHERE seq = 4")
	execSQL(t, path, "UPDATE frist_audit_head SET seq = 3, hash = (SELECT hash FROM frist_audit WHERE seq = 3)")
	assert.True(t, verifyJSONOf(t, exitOK, "--db", url).OK, "a consistent shorter log verifies on its own")
	v := verifyJSONOf(t, exitFindings, "--db", url, "--head", head)
	require.NotNil(t, v.Broken)
	assert.Equal(t, "truncated", v.Broken.Kind)
}

func TestAuditRefusesBadInputWithExit2(t *testing.T) {
	url, _ := newJobcenterDB(t, seed{})
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no subcommand", []string{"audit"}, "expected the subcommand verify"},
		{"unknown subcommand", []string{"audit", "repair"}, "expected the subcommand verify"},
		{"bad head", []string{"audit", "verify", jobcenterFile, "--db", url, "--head", "latest"}, `--head "latest" is not a head`},
		{"no database", []string{"audit", "verify", jobcenterFile}, "no database given"},
		{"unreachable postgres", []string{"audit", "verify", jobcenterFile, "--db", "postgres://127.0.0.1:1/x?connect_timeout=2"}, "check that the database is running"},
		{"sqlite in a missing directory", []string{"audit", "verify", jobcenterFile, "--db", "sqlite:/nonexistent-dir/app.db"}, "does not exist"},
		{"missing declaration file", []string{"audit", "verify", "nope.yaml", "--db", url}, "cannot read nope.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCLI(tt.args...)
			assert.Equal(t, exitInvalid, code)
			assert.Empty(t, out)
			assert.Contains(t, errs, tt.wantErr)
		})
	}
}
