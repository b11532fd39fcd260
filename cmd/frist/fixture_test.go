package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store/sqlitestore"
)

// jobcenterFile is the example declaration the database tests run on.
const jobcenterFile = "../../examples/policies/jobcenter.yaml"

// jobcenterTables creates the application tables that
// examples/policies/jobcenter.yaml binds: the web server's access_log (with
// the anonymized_at marker) and the appointments. The access log's time
// column is indexed, the appointments' is not, so plan has a missing index
// to report.
var jobcenterTables = []string{
	`CREATE TABLE access_log (id INTEGER PRIMARY KEY, requested_at DATETIME, anonymized_at DATETIME,
		ip TEXT, user_agent TEXT, path TEXT)`,
	`CREATE INDEX access_log_requested_at ON access_log (requested_at)`,
	`CREATE TABLE appointments (id INTEGER PRIMARY KEY, citizen_id TEXT, starts_at DATETIME, booked_at DATETIME,
		name TEXT, birth_date TEXT, customer_number TEXT, concern TEXT, place TEXT, email TEXT, free_text TEXT)`,
}

// sqliteTime writes t as SQLite's own timestamp text in UTC.
func sqliteTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") }

// seed describes the rows of a test database relative to now.
type seed struct {
	oldRequests    int // access-log lines 10 days old: anonymized and deleted (7d)
	recentRequests int // access-log lines 1 day old: not due
	pastAppts      int // appointments 20 days ago: deleted (14d after the appointment)
	futureAppts    int // appointments in 3 days: not due
	// appOnly leaves out frist's own tables, which the service that
	// embeds frist creates when it starts: the database holds only the
	// application's tables.
	appOnly bool
}

// newJobcenterDB creates an SQLite database file with the jobcenter tables
// and rows, and returns its --db URL and path.
func newJobcenterDB(t *testing.T, s seed) (string, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "booking.db")
	db, err := sql.Open("sqlite", "file:"+path+sqliteDSNOptions)
	require.NoError(t, err)
	defer db.Close()
	ctx := context.Background()
	for _, stmt := range jobcenterTables {
		_, err := db.ExecContext(ctx, stmt)
		require.NoError(t, err, stmt)
	}
	now := time.Now()
	id := 0
	addRequest := func(at time.Time) {
		id++
		_, err := db.ExecContext(ctx, `INSERT INTO access_log (id, requested_at, ip, user_agent, path) VALUES (?, ?, ?, ?, ?)`,
			id, sqliteTime(at), fmt.Sprintf("203.0.113.%d", id%250), "Firefox/128.0", "/termine")
		require.NoError(t, err)
	}
	addAppt := func(at time.Time) {
		id++
		_, err := db.ExecContext(ctx, `INSERT INTO appointments (id, citizen_id, starts_at, booked_at, name, birth_date,
			customer_number, concern, place, email) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, fmt.Sprintf("citizen-%d", id), sqliteTime(at), sqliteTime(at.AddDate(0, 0, -7)),
			"Erika Mustermann", "1970-01-01", "123D456789", "Beratung", "Kaltenkirchen", "erika@example.org")
		require.NoError(t, err)
	}
	for range s.oldRequests {
		addRequest(now.AddDate(0, 0, -10))
	}
	for range s.recentRequests {
		addRequest(now.AddDate(0, 0, -1))
	}
	for range s.pastAppts {
		addAppt(now.AddDate(0, 0, -20))
	}
	for range s.futureAppts {
		addAppt(now.AddDate(0, 0, 3))
	}
	if !s.appOnly {
		decl, err := policy.LoadFile(jobcenterFile)
		require.NoError(t, err)
		_, err = sqlitestore.New(db, decl, nil)
		require.NoError(t, err)
	}
	return "sqlite:" + path, path
}

// countRows counts the rows of table matching where.
func countRows(t *testing.T, path, table, where string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+sqliteDSNOptions)
	require.NoError(t, err)
	defer db.Close()
	var n int
	require.NoError(t, db.QueryRow("SELECT count(*) FROM "+table+" WHERE "+where).Scan(&n))
	return n
}

// execSQL runs a statement on the database at path.
func execSQL(t *testing.T, path, stmt string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+sqliteDSNOptions)
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec(stmt)
	require.NoError(t, err)
}

// keyFile writes a key file with an audit key and returns its path.
func keyFile(t *testing.T, extra ...string) string {
	t.Helper()
	secret := make([]byte, 32)
	_, err := rand.Read(secret)
	require.NoError(t, err)
	var b bytes.Buffer
	fmt.Fprintf(&b, "# frist keys\naudit k1 %s\n", base64.StdEncoding.EncodeToString(secret))
	for _, line := range extra {
		b.WriteString(line + "\n")
	}
	p := filepath.Join(t.TempDir(), "frist.keys")
	require.NoError(t, os.WriteFile(p, b.Bytes(), 0o600))
	return p
}

// jsonUnmarshal decodes the JSON text s into v.
func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
