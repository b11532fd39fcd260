package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sweptDB returns a database whose audit log holds three entries: one per
// batch of the first sweep.
func sweptDB(t *testing.T) (string, string) {
	t.Helper()
	url, path := newJobcenterDB(t, seed{oldRequests: 2, pastAppts: 1})
	code, _, errs := runCLI("run", jobcenterFile, "--db", url, "--keys", keyFile(t), "--once")
	require.Equal(t, exitOK, code, errs)
	require.Equal(t, 3, countRows(t, path, "frist_audit", "1=1"))
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
	assert.Equal(t, uint64(3), v.Entries)
	require.True(t, strings.HasPrefix(v.Head, "3:"), v.Head)

	// The recorded head verifies the same log again.
	code, out, errs := runCLI("audit", "verify", jobcenterFile, "--db", url, "--head", v.Head)
	require.Equal(t, exitOK, code, errs)
	assert.Contains(t, out, "verifies: 3 entries, head "+v.Head)
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
	execSQL(t, path, "DELETE FROM frist_audit WHERE seq = 3")
	v := verifyJSONOf(t, exitFindings, "--db", url, "--head", head)
	require.NotNil(t, v.Broken)
	assert.Equal(t, "truncated", v.Broken.Kind)
	assert.Equal(t, uint64(3), v.Broken.Seq)
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
