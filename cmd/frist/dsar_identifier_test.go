package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shellWords splits a command line printed by shellCommand.
func shellWords(t *testing.T, line string) []string {
	t.Helper()
	var out []string
	var cur strings.Builder
	inQuote, have := false, false
	for i := 0; i < len(line); i++ {
		ch := line[i]
		switch {
		case inQuote && ch == '\'':
			inQuote = false
		case inQuote:
			cur.WriteByte(ch)
		case ch == '\'':
			inQuote, have = true, true
		case ch == '\\' && i+1 < len(line):
			i++
			cur.WriteByte(line[i])
			have = true
		case ch == ' ':
			if have || cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
				have = false
			}
		default:
			cur.WriteByte(ch)
		}
	}
	require.False(t, inQuote, "unterminated quote in %q", line)
	if have || cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// nextCommands returns the commands a "Next:" hint prints, each split into
// its arguments after "frist".
func nextCommands(t *testing.T, out string) [][]string {
	t.Helper()
	var cmds [][]string
	after := false
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "Next:") {
			after = true
			continue
		}
		if after && strings.HasPrefix(line, "  frist ") {
			w := shellWords(t, strings.TrimSpace(line))
			cmds = append(cmds, w[1:])
		}
	}
	return cmds
}

// The person names themselves by the e-mail address they booked with, in
// any case of its letters; the appointments' subject columns hold random
// IDs the operator cannot know. open searches the declared identifying
// field, opens one request per subject found, and its "Next:" hints, run
// exactly as printed, verify and answer them with the person's data.
// (Broken by opening the request with the value as its subject, as open
// --subject did: the report said no data was processed about Erika.)
func TestDsarOpenByIdentifierFindsTheSubjectsAndItsHintsRunAsPrinted(t *testing.T) {
	url, path, keys := dsarDB(t)
	execSQL(t, path, `UPDATE appointments SET email = 'max@example.org' WHERE citizen_id = 'citizen-2'`)
	policyFile, err := filepath.Abs(jobcenterFile)
	require.NoError(t, err)
	dir := t.TempDir()
	t.Chdir(dir)

	code, out, errs := runCLI("dsar", "open", policyFile, "--db", url, "--keys", keys, "--kind", "access", "--identifier", "email=Erika@Example.ORG")
	require.Equal(t, exitOK, code, errs)
	assert.Equal(t, 1, strings.Count(out, "Opened the access request"), out)
	verifies := nextCommands(t, out)
	require.Len(t, verifies, 1, out)
	code, out, errs = runCLI(verifies[0]...)
	require.Equal(t, exitOK, code, "the verify hint runs as printed: %v\n%s", verifies[0], errs)
	exports := nextCommands(t, out)
	require.Len(t, exports, 1, out)
	code, _, errs = runCLI(exports[0]...)
	var files []string
	require.Equal(t, exitOK, code, "the export hint runs as printed: %v\n%s", exports[0], errs)
	files, err = filepath.Glob(filepath.Join(dir, "auskunft-*.html"))
	require.NoError(t, err)
	require.Len(t, files, 1)
	report, err := os.ReadFile(files[0])
	require.NoError(t, err)
	assert.Contains(t, string(report), "Weiterbildung", "the report holds Erika's appointments")
	assert.NotContains(t, string(report), "max@example.org")
}

// When nothing matches, nothing is opened and nothing answered until the
// operator confirms that the answer is to be "no data is held"; an
// identifier in a form the declaration does not declare, or malformed, is
// refused naming what is wrong. (Broken by opening whatever was typed: the
// report for erika@example.org said "Wir verarbeiten keine
// personenbezogenen Daten zu Ihrer Person" although Erika had
// appointments.)
func TestDsarOpenRefusesANoDataAnswerUnlessConfirmed(t *testing.T) {
	url, _, keys := dsarDB(t)
	count := func() int {
		var rs []requestJSON
		dsarJSON(t, &rs, "list", jobcenterFile, "--db", url)
		return len(rs)
	}
	code, _, errs := runCLI("dsar", "open", jobcenterFile, "--db", url, "--keys", keys, "--kind", "access", "--identifier", "email=nobody@example.org")
	assert.Equal(t, exitFindings, code)
	assert.Contains(t, errs, "nothing matches the person given (searched appointment.email)")
	assert.Contains(t, errs, "--confirm-none")
	code, _, errs = runCLI("dsar", "open", jobcenterFile, "--db", url, "--keys", keys, "--kind", "access", "--subject", "erika@example.org")
	assert.Equal(t, exitFindings, code, "the subject column holds no e-mail address")
	assert.Contains(t, errs, "--identifier")
	assert.Zero(t, count(), "nothing was opened")

	code, _, errs = runCLI("dsar", "open", jobcenterFile, "--db", url, "--keys", keys, "--kind", "access", "--identifier", "phone=+49 4191 123456")
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, errs, `declares no identifier of this form "phone" (declared: email, exact)`)
	code, _, errs = runCLI("dsar", "open", jobcenterFile, "--db", url, "--keys", keys, "--kind", "access", "--identifier", "email=Erika Mustermann")
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, errs, "want a bare address")
	assert.NotContains(t, errs, "Mustermann")
	code, _, _ = runCLI("dsar", "open", jobcenterFile, "--db", url, "--keys", keys, "--kind", "access", "--identifier", "erika@example.org")
	assert.Equal(t, exitInvalid, code, "FORM=VALUE is required")
	assert.Zero(t, count(), "nothing was opened")

	code, out, errs := runCLI("dsar", "open", jobcenterFile, "--db", url, "--keys", keys, "--kind", "access", "--identifier", "email=nobody@example.org", "--confirm-none")
	require.Equal(t, exitOK, code, errs)
	verify := nextCommands(t, out)
	require.Len(t, verify, 1)
	code, _, errs = runCLI(verify[0]...)
	require.Equal(t, exitOK, code, errs)
	id := verify[0][len(verify[0])-3]
	code, _, errs = runCLI("dsar", "export", jobcenterFile, "--db", url, "--keys", keys, id, "--format", "md")
	assert.Equal(t, exitFindings, code)
	assert.Contains(t, errs, "the answer would say that no data about the person is processed")
	code, out, errs = runCLI("dsar", "export", jobcenterFile, "--db", url, "--keys", keys, id, "--format", "md", "--confirm-none")
	require.Equal(t, exitOK, code, errs)
	assert.Contains(t, out, "keine personenbezogenen Daten")
}

// The audit log, kept for good, holds only the method's term; the note
// goes to the request's history.
func TestDsarVerifyKeepsTheNoteOutOfTheAuditLog(t *testing.T) {
	url, path, keys := dsarDB(t)
	id := openRequest(t, url, keys, "access", "citizen-1")
	code, _, errs := runCLI("dsar", "verify", jobcenterFile, "--db", url, "--keys", keys, id, "--method", "postal_ident", "--note", "Antwort auf den Brief liegt vor")
	require.Equal(t, exitOK, code, errs)
	var reasons []string
	for _, tr := range showRequest(t, url, id).History {
		reasons = append(reasons, tr.Reason)
	}
	assert.Contains(t, reasons, "postal_ident: Antwort auf den Brief liegt vor")
	attested := false
	for _, b := range auditBodies(t, path) {
		assert.NotContains(t, b, "Antwort auf den Brief")
		attested = attested || strings.Contains(b, "the operator attests the requester's identity: postal_ident")
	}
	assert.True(t, attested)
}

// The hints of an erasure request run as printed too: open, verify, erase.
func TestDsarErasureHintsRunAsPrinted(t *testing.T) {
	url, path, keys := dsarDB(t)
	code, out, errs := runCLI("dsar", "open", jobcenterFile, "--db", url, "--keys", keys, "--kind", "erasure", "--identifier", "exact=123D456789")
	require.Equal(t, exitOK, code, errs)
	verifies := nextCommands(t, out)
	require.NotEmpty(t, verifies, out)
	for _, v := range verifies {
		code, out, errs = runCLI(v...)
		require.Equal(t, exitOK, code, "%v\n%s", v, errs)
		erases := nextCommands(t, out)
		require.Len(t, erases, 1, out)
		code, _, errs = runCLI(erases[0]...)
		require.Equal(t, exitOK, code, "the erase hint runs as printed: %v\n%s", erases[0], errs)
	}
	db, err := sql.Open("sqlite", "file:"+path+sqliteDSNOptions)
	require.NoError(t, err)
	defer db.Close()
	var n int
	require.NoError(t, db.QueryRow(`SELECT COUNT(*) FROM appointments WHERE customer_number = '123D456789'`).Scan(&n))
	assert.Zero(t, n, "the appointments with the customer number are erased")
}
