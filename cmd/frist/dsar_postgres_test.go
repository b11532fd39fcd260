package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/dsar"
)

// jobcenterPostgresTables are jobcenterTables as a PostgreSQL application
// would create them.
var jobcenterPostgresTables = []string{
	`CREATE TABLE access_log (id bigint PRIMARY KEY, requested_at timestamptz, anonymized_at timestamptz,
		ip text, user_agent text, path text)`,
	`CREATE INDEX access_log_requested_at ON access_log (requested_at)`,
	`CREATE TABLE appointments (id bigint PRIMARY KEY, citizen_id text, starts_at timestamptz, booked_at timestamptz,
		name text, birth_date text, customer_number text, concern text, place text, email text, free_text text)`,
}

// postgresJobcenterDB creates the jobcenter tables in a fresh schema of
// the server named by FRIST_TEST_POSTGRES, with citizen-1's appointments 1
// and 100 and citizen-2's appointment 2, and returns the --db URL of the
// schema. Without the variable the test is skipped, unless
// FRIST_REQUIRE_POSTGRES=1 (as in CI), where it fails.
func postgresJobcenterDB(t *testing.T) string {
	t.Helper()
	return postgresJobcenterDBAt(t, postgresURL(t))
}

// postgresURL returns FRIST_TEST_POSTGRES, skipping the test without it
// (failing it where FRIST_REQUIRE_POSTGRES=1).
func postgresURL(t *testing.T) string {
	t.Helper()
	raw := os.Getenv("FRIST_TEST_POSTGRES")
	if raw == "" {
		if os.Getenv("FRIST_REQUIRE_POSTGRES") == "1" {
			t.Fatal("FRIST_REQUIRE_POSTGRES=1 but FRIST_TEST_POSTGRES is not set")
		}
		t.Skip("FRIST_TEST_POSTGRES is not set; set it to postgres://user@host:port/db?sslmode=disable to run the PostgreSQL tests (as .ci/run does)")
	}
	return raw
}

// postgresOwnDatabase creates a database of its own on the server named by
// FRIST_TEST_POSTGRES, dropped when the test ends, and returns its URL. A
// test that needs VACUUM to remove what it deleted uses it: VACUUM keeps
// every row version an open transaction in the same database may still
// see, and the other packages' tests, run in parallel against the shared
// database, hold such transactions.
func postgresOwnDatabase(t *testing.T) string {
	t.Helper()
	raw := postgresURL(t)
	admin, err := sql.Open("pgx", raw)
	require.NoError(t, err)
	defer admin.Close()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "frist_cli_" + hex.EncodeToString(b[:])
	_, err = admin.Exec("CREATE DATABASE " + name)
	require.NoError(t, err, "PostgreSQL at FRIST_TEST_POSTGRES")
	t.Cleanup(func() {
		if c, err := sql.Open("pgx", raw); err == nil {
			_, _ = c.Exec("DROP DATABASE " + name + " WITH (FORCE)")
			c.Close()
		}
	})
	u, err := url.Parse(raw)
	require.NoError(t, err)
	u.Path = "/" + name
	return u.String()
}

// postgresJobcenterDBAt is postgresJobcenterDB on the server and database
// of raw.
func postgresJobcenterDBAt(t *testing.T, raw string) string {
	t.Helper()
	ctx := context.Background()
	admin, err := sql.Open("pgx", raw)
	require.NoError(t, err)
	defer admin.Close()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "frist_cli_" + hex.EncodeToString(b[:])
	_, err = admin.ExecContext(ctx, "CREATE SCHEMA "+schema)
	require.NoError(t, err, "PostgreSQL at FRIST_TEST_POSTGRES")
	t.Cleanup(func() {
		if c, err := sql.Open("pgx", raw); err == nil {
			_, _ = c.Exec("DROP SCHEMA " + schema + " CASCADE")
			c.Close()
		}
	})
	u, err := url.Parse(raw)
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := sql.Open("pgx", u.String())
	require.NoError(t, err)
	defer db.Close()
	for _, stmt := range jobcenterPostgresTables {
		_, err := db.ExecContext(ctx, stmt)
		require.NoError(t, err, stmt)
	}
	now := time.Now()
	for _, a := range []struct {
		id      int64
		subject string
		starts  time.Time
	}{{1, "citizen-1", now.AddDate(0, 0, 3)}, {2, "citizen-2", now.AddDate(0, 0, 3)}, {100, "citizen-1", now.AddDate(0, 0, 10)}} {
		_, err := db.ExecContext(ctx, `INSERT INTO appointments (id, citizen_id, starts_at, booked_at, name, birth_date, customer_number,
			concern, place, email) VALUES ($1, $2, $3, $4, 'Erika Mustermann', '1970-01-01', '123D456789', 'Beratung', 'Kaltenkirchen', 'erika@example.org')`,
			a.id, a.subject, a.starts, now.AddDate(0, 0, -1))
		require.NoError(t, err)
	}
	return u.String()
}

func TestDsarRunsOpenVerifyExportEraseOnPostgreSQL(t *testing.T) {
	url := postgresJobcenterDB(t)
	keys := keyFile(t)

	access := openRequest(t, url, keys, "access", "citizen-1", "--received", "2025-03-18")
	assert.Equal(t, "2025-04-22", showRequest(t, url, access).Due)
	code, out, errs := runCLI("dsar", "export", jobcenterFile, "--db", url, "--keys", keys, access, "--format", "json")
	assert.Equal(t, exitFindings, code)
	assert.Empty(t, out)
	assert.Contains(t, errs, "is not verified")

	verifyRequest(t, url, keys, access)
	var rep dsar.AccessReport
	dsarJSON(t, &rep, "export", jobcenterFile, "--db", url, "--keys", keys, access)
	require.Len(t, rep.Datasets, 1)
	var got []string
	for _, r := range rep.Datasets[0].Records {
		got = append(got, r.Key)
	}
	assert.ElementsMatch(t, []string{"1", "100"}, got)
	assert.Equal(t, "completed", showRequest(t, url, access).State)

	erasure := openRequest(t, url, keys, "erasure", "citizen-1")
	verifyRequest(t, url, keys, erasure)
	var rc dsar.Receipt
	dsarJSON(t, &rc, "erase", jobcenterFile, "--db", url, "--keys", keys, erasure)
	assert.Empty(t, rc.Kept)
	erased := 0
	for _, d := range rc.Datasets {
		erased += d.Erased
	}
	assert.Equal(t, 2, erased, "both of citizen-1's appointments")

	var all []requestJSON
	dsarJSON(t, &all, "list", jobcenterFile, "--db", url)
	require.Len(t, all, 2)
	for _, r := range all {
		assert.Equal(t, "completed", r.State)
	}
	code, out, errs = runCLI("audit", "verify", jobcenterFile, "--db", url)
	require.Equal(t, exitOK, code, errs)
	assert.True(t, strings.Contains(out, "verifies"), out)
}
