package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
)

// stadtAmtFile is the declaration whose web-server log is bound to files
// and whose contact form is a table.
const stadtAmtFile = "../../examples/policies/stadt-amt.yaml"

// logLine is one combined-format line from ip at t.
func logLine(ip string, t time.Time) string {
	return fmt.Sprintf("%s - - [%s] \"GET /kontakt HTTP/1.1\" 200 512 \"-\" \"Mozilla/5.0\"\n", ip, t.Format("02/Jan/2006:15:04:05 -0700"))
}

// writeLogFile writes lines to dir/name, gzip-compressed for .gz.
func writeLogFile(t *testing.T, dir, name string, lines ...string) {
	t.Helper()
	var b bytes.Buffer
	if strings.HasSuffix(name, ".gz") {
		gz := gzip.NewWriter(&b)
		_, err := io.WriteString(gz, strings.Join(lines, ""))
		require.NoError(t, err)
		require.NoError(t, gz.Close())
	} else {
		b.WriteString(strings.Join(lines, ""))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644))
}

// readLogFile returns the text of dir/name, decompressed; "" when it is
// gone.
func readLogFile(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if os.IsNotExist(err) {
		return ""
	}
	require.NoError(t, err)
	if strings.HasSuffix(name, ".gz") {
		gz, err := gzip.NewReader(bytes.NewReader(b))
		require.NoError(t, err)
		b, err = io.ReadAll(gz)
		require.NoError(t, err)
	}
	return string(b)
}

// dirHashes returns the hash of every file in dir.
func dirHashes(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	out := map[string][32]byte{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		out[e.Name()] = sha256.Sum256(b)
	}
	return out
}

var ipv4 = regexp.MustCompile(`^(\d+\.\d+\.\d+\.\d+) `)

// ipsOf returns the client address of every line of text.
func ipsOf(text string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(text), "\n") {
		if m := ipv4.FindStringSubmatch(l); m != nil {
			out = append(out, m[1])
		}
	}
	return out
}

// examples/policies/stadt-amt.yaml enforced end to end through the
// command line: its contact form is a table in SQLite, its web-server log
// rotated files. One "frist run --once" masks the client address of every
// line older than an hour ("Die IP-Adresse des aufrufenden Rechners wird
// anonymisiert"), deletes the lines older than seven days ("Nach 7 Tagen
// werden die Protokolle des Webservers gelöscht."), keeps younger lines as
// they are and never touches the live access.log; the contact form's
// rule runs on its event ("... per E-Mail übermittelt, ausgedruckt und
// anschließend gelöscht.") through the same store; plan reads all of it
// and writes nothing; audit verify sees every batch in one chain. Broken
// by opening the database without the log files (the SQL store alone):
// run then fails at once with "does not serve datasets that have rules:
// access_log" and no line changes.
func TestStadtAmtIsEnforcedOnTablesAndLogFilesTogether(t *testing.T) {
	now := time.Now()
	logs := t.TempDir()
	live := []string{logLine("198.51.100.7", now.Add(-5*time.Minute))}
	writeLogFile(t, logs, "access.log", live...)
	writeLogFile(t, logs, "access.log.1",
		logLine("203.0.113.11", now.Add(-3*time.Hour)), logLine("203.0.113.12", now.Add(-2*time.Hour)),
		logLine("203.0.113.13", now.Add(-20*time.Minute)), logLine("203.0.113.14", now.Add(-10*time.Minute)))
	writeLogFile(t, logs, "access.log.2.gz",
		logLine("192.0.2.21", now.AddDate(0, 0, -3)), logLine("192.0.2.22", now.AddDate(0, 0, -2)))
	writeLogFile(t, logs, "access.log.3.gz",
		logLine("192.0.2.31", now.AddDate(0, 0, -9)), logLine("192.0.2.32", now.AddDate(0, 0, -8)))

	path := filepath.Join(t.TempDir(), "stadt.db")
	dbURL := "sqlite:" + path
	execSQL(t, path, `CREATE TABLE contact_requests (id INTEGER PRIMARY KEY, received_at DATETIME, name TEXT, email TEXT, message TEXT)`)
	for _, id := range []int{1, 2} {
		execSQL(t, path, fmt.Sprintf(`INSERT INTO contact_requests VALUES (%d, '%s', 'Erika Mustermann', 'erika@example.org', 'Bitte um Rückruf')`, id, sqliteTime(now.AddDate(0, 0, -1))))
	}
	keys := keyFile(t)

	// A log directory that does not exist is named, and nothing is
	// written: not even frist's tables.
	missing := filepath.Join(t.TempDir(), "no-such-dir")
	code, out, errs := runCLI("run", stadtAmtFile, "--db", dbURL, "--keys", keys, "--once", "--logs", "access_log="+missing)
	assert.Equal(t, exitInvalid, code)
	assert.Empty(t, out)
	assert.Contains(t, errs, "the log files of dataset access_log cannot be read: "+missing+" (--logs)")
	code, _, errs = runCLI("plan", stadtAmtFile, "--db", dbURL, "--logs", "contact_form="+logs)
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, errs, `--logs names "contact_form", which is not a dataset the declaration binds to files`)
	assert.Zero(t, countRows(t, path, "sqlite_master", `name LIKE 'frist\_%' ESCAPE '\'`), "a bad log path wrote to the database")

	// Without --logs, the declaration's /var/log/nginx is named.
	if _, err := os.Stat("/var/log/nginx"); os.IsNotExist(err) {
		code, _, errs = runCLI("run", stadtAmtFile, "--db", dbURL, "--keys", keys, "--once")
		assert.Equal(t, exitInvalid, code)
		assert.Contains(t, errs, "/var/log/nginx (files.dir of the declaration)")
	}

	code, out, errs = runCLI("run", stadtAmtFile, "--db", dbURL, "--keys", keys, "--once", "--logs", "access_log="+logs)
	require.Equal(t, exitOK, code, errs+out)

	assert.Equal(t, strings.Join(live, ""), readLogFile(t, logs, "access.log"), "the live log is never rewritten")
	assert.Equal(t, []string{"203.0.113.0", "203.0.113.0", "203.0.113.13", "203.0.113.14"}, ipsOf(readLogFile(t, logs, "access.log.1")),
		"addresses of lines older than an hour are masked, younger ones kept")
	assert.Equal(t, []string{"192.0.2.0", "192.0.2.0"}, ipsOf(readLogFile(t, logs, "access.log.2.gz")),
		"lines younger than seven days are kept, masked")
	assert.Empty(t, ipsOf(readLogFile(t, logs, "access.log.3.gz")), "lines older than seven days are deleted")
	assert.Equal(t, 2, countRows(t, path, "contact_requests", "1"), "the contact form waits for its event")

	// The service triggers the contact form's event through the same
	// store the command line opens.
	decl, err := policy.LoadFile(stadtAmtFile)
	require.NoError(t, err)
	k, err := readKeys(keys, decl, func(string) {})
	require.NoError(t, err)
	db, err := openDatabaseWith(context.Background(), dbURL, decl, readWrite, nil, dbOptions{logDirs: map[string]string{"access_log": logs}})
	require.NoError(t, err)
	eng, err := retention.New(decl, db.store, &retention.Options{AuditKey: k.audit, Keys: k.rings})
	require.NoError(t, err)
	_, err = eng.Trigger(context.Background(), retention.Event{Kind: "matter_settled", Dataset: "contact_form", Key: "1"})
	require.NoError(t, err)
	require.NoError(t, db.Close())
	assert.Equal(t, 0, countRows(t, path, "contact_requests", "id = 1"), "deleted on its event")
	assert.Equal(t, 1, countRows(t, path, "contact_requests", "id = 2"), "another request is kept")

	// plan reads the whole declaration and writes nothing, in the log
	// directory either.
	before := dirHashes(t, logs)
	code, out, errs = runCLI("plan", stadtAmtFile, "--db", dbURL, "--logs", "access_log="+logs)
	require.Equal(t, exitOK, code, errs)
	assert.Contains(t, out, "access_log")
	assert.Equal(t, before, dirHashes(t, logs), "plan wrote to the log directory")

	// Data-subject requests open the same store, with the same flag.
	code, _, errs = runCLI("dsar", "list", stadtAmtFile, "--db", dbURL, "--logs", "access_log="+logs)
	assert.Equal(t, exitOK, code, errs)

	code, out, errs = runCLI("audit", "verify", stadtAmtFile, "--db", dbURL, "--logs", "access_log="+logs, "--format", "json")
	require.Equal(t, exitOK, code, errs)
	var v verifyJSON
	require.NoError(t, jsonUnmarshal(out, &v))
	assert.True(t, v.OK)
	assert.GreaterOrEqual(t, v.Entries, uint64(3), "the log batches' copies and the contact form's deletion are in the database's chain")

	// A rewritten entry in the log files' own chain is found, though
	// the database's chain still verifies.
	chain := filepath.Join(logs, ".frist-audit.jsonl")
	b, err := os.ReadFile(chain)
	require.NoError(t, err)
	require.Contains(t, string(b), `"count":2`)
	require.NoError(t, os.WriteFile(chain, []byte(strings.Replace(string(b), `"count":2`, `"count":1`, 1)), 0o600))
	code, out, errs = runCLI("audit", "verify", stadtAmtFile, "--db", dbURL, "--logs", "access_log="+logs)
	assert.Equal(t, exitFindings, code, errs)
	assert.Contains(t, out, "but the log files' chain does not match it")
	assert.Contains(t, errs, "the log files' audit chain does not match the database's")
}
