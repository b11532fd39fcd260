package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withLogFiles binds the declaration's access_log to the web server's log
// files in dir instead of a table.
func withLogFiles(dir string) func(string) string {
	return func(s string) string {
		for old, repl := range map[string]string{
			"    table: access_log\n    key: id\n": fmt.Sprintf("    files: {dir: %s, pattern: \"access.log*\", format: combined}\n", dir),
			"        column: requested_at\n":       "        column: time_local\n",
			"      ip: {category":                  "      ip: {column: remote_addr, category",
			"      user_agent: {category":          "      user_agent: {column: http_user_agent, category",
		} {
			if !strings.Contains(s, old) {
				panic("jobcenter.yaml changed: " + old)
			}
			s = strings.Replace(s, old, repl, 1)
		}
		return s
	}
}

// A declaration that binds the access log to files is enforced on the
// files, through the same engine as the appointments in the database, at
// the directory LogDirs names instead of files.dir; a directory that does
// not exist is named when the App is built. Broken by giving the engine
// the SQLite store alone: New then fails with "does not serve datasets
// that have rules: access_log".
func TestAppEnforcesADeclarationThatBindsLogFiles(t *testing.T) {
	declared := filepath.Join(t.TempDir(), "declared")
	decl := loadJobcenter(t, withLogFiles(declared))
	logs := t.TempDir()
	old := testStart.AddDate(0, 0, -10).Format("02/Jan/2006:15:04:05 -0700")
	line := fmt.Sprintf("203.0.113.9 - - [%s] \"GET /termine HTTP/1.1\" 200 512 \"-\" \"Mozilla/5.0\"\n", old)
	require.NoError(t, os.WriteFile(filepath.Join(logs, "access.log.1"), []byte(line), 0o644))

	db, err := sql.Open("sqlite", SQLiteDSN(filepath.Join(t.TempDir(), "booking.db")))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	keys, err := DeriveKeys(t.Name())
	require.NoError(t, err)
	opts := Options{DB: db, Declaration: decl, Keys: keys, Now: func() time.Time { return testStart }, BaseURL: testBaseURL}
	_, err = New(context.Background(), opts)
	require.Error(t, err)
	assert.Contains(t, err.Error(), declared, "the declared directory that does not exist is named")

	opts.LogDirs = map[string]string{"access_log": logs}
	app, err := New(context.Background(), opts)
	require.NoError(t, err)
	rep, err := app.Engine().Sweep(context.Background())
	require.NoError(t, err)
	assert.Positive(t, rep.Processed())
	b, err := os.ReadFile(filepath.Join(logs, "access.log.1"))
	if !os.IsNotExist(err) { // a file left without lines is removed
		require.NoError(t, err)
	}
	assert.NotContains(t, string(b), "203.0.113.9", "the line older than seven days is gone")
}
