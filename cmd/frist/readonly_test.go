package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// snapshot returns the hash of the database file at path, and fails the
// test when its write-ahead log holds anything: SQLite's readers, frist's
// read-only commands among them, may create an empty -wal and the -shm
// index beside a database in WAL mode, but what they write there is no
// data.
func snapshot(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	if fi, err := os.Stat(path + "-wal"); err == nil {
		require.Zero(t, fi.Size(), "the write-ahead log holds data")
	}
	return sha256.Sum256(b)
}

// readOnlyCommands are the commands that only read, with the arguments
// after the declaration: they must run on a file nobody may write.
func readOnlyCommands(dbURL, requestID string) [][]string {
	return [][]string{
		{"plan", jobcenterFile, "--db", dbURL},
		{"audit", "verify", jobcenterFile, "--db", dbURL},
		{"dsar", "list", jobcenterFile, "--db", dbURL},
		{"dsar", "show", jobcenterFile, "--db", dbURL, requestID},
	}
}

// The read-only commands open an SQLite file with mode=ro and never create
// frist's tables: on a database with only the application's tables they
// say that frist's tables are missing and leave the file byte for byte as
// it was, even when nobody may write it (0444); once a writing command
// has created the tables (and said so), they run on the 0444 file. Broken
// by opening plan's database read-write: it then creates frist's tables
// and the snapshot differs; broken by opening it without mode=ro on the
// 0444 file: "attempt to write a readonly database".
func TestReadOnlyCommandsNeverWriteSQLite(t *testing.T) {
	dbURL, path := newJobcenterDB(t, seed{pastAppts: 1, appOnly: true})
	require.NoError(t, os.Chmod(path, 0o444))
	t.Cleanup(func() { _ = os.Chmod(path, 0o644) })
	before := snapshot(t, path)
	const someID = "0190d5e4-7b3a-7c2d-9e4f-0123456789ab"
	for _, args := range readOnlyCommands(dbURL, someID) {
		code, out, errs := runCLI(args...)
		assert.Equal(t, exitInvalid, code, "%v: %s", args, errs)
		assert.Empty(t, out, args)
		assert.Contains(t, errs, "frist's own tables (frist_schema_version, frist_audit, frist_holds, ...) are missing", args)
		assert.Contains(t, errs, `"frist run --once"`, args)
		assert.Equal(t, before, snapshot(t, path), "%v wrote to the database", args)
	}

	// A writing command creates frist's tables and says which.
	require.NoError(t, os.Chmod(path, 0o644))
	keys := keyFile(t)
	code, _, errs := runCLI("run", jobcenterFile, "--db", dbURL, "--keys", keys, "--once")
	require.Equal(t, exitOK, code, errs)
	assert.Contains(t, errs, "frist: created frist's own tables in "+dbURL)
	for _, table := range []string{"frist_schema_version", "frist_audit", "frist_holds", "frist_leases"} {
		assert.Contains(t, errs, table)
	}
	id := openRequest(t, dbURL, keys, "access", "citizen-1", "--confirm-none")
	code, _, errs = runCLI("run", jobcenterFile, "--db", dbURL, "--keys", keys, "--once")
	require.Equal(t, exitOK, code, errs)
	assert.NotContains(t, errs, "created", "tables that exist are not reported again")

	require.NoError(t, os.Chmod(path, 0o444))
	before = snapshot(t, path)
	for _, args := range readOnlyCommands(dbURL, id) {
		code, out, errs := runCLI(args...)
		assert.Equal(t, exitOK, code, "%v: %s", args, errs)
		assert.NotEmpty(t, out, args)
		assert.Equal(t, before, snapshot(t, path), "%v wrote to the database", args)
	}
	for _, args := range [][]string{
		{"notice", jobcenterFile, "--draft"}, {"ropa", jobcenterFile, "--draft"},
	} {
		code, _, errs := runCLI(args...)
		assert.Equal(t, exitOK, code, "%v: %s", args, errs)
	}
	assert.Equal(t, before, snapshot(t, path))
}

// postgresRole creates a role that may only read the schema of dbURL
// (USAGE and SELECT, now and on tables created later) and returns dbURL
// with that role as its user.
func postgresRole(t *testing.T, dbURL string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	require.NoError(t, err)
	schema := u.Query().Get("search_path")
	admin, err := sql.Open("pgx", dbURL)
	require.NoError(t, err)
	t.Cleanup(func() { admin.Close() })
	role := "reader_" + strings.TrimPrefix(schema, "frist_cli_")
	for _, q := range []string{
		"CREATE ROLE " + role + " LOGIN",
		"GRANT USAGE ON SCHEMA " + schema + " TO " + role,
		"GRANT SELECT ON ALL TABLES IN SCHEMA " + schema + " TO " + role,
		"ALTER DEFAULT PRIVILEGES IN SCHEMA " + schema + " GRANT SELECT ON TABLES TO " + role,
	} {
		_, err := admin.Exec(q)
		require.NoError(t, err, q)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec("ALTER DEFAULT PRIVILEGES IN SCHEMA " + schema + " REVOKE SELECT ON TABLES FROM " + role)
		_, _ = admin.Exec("DROP OWNED BY " + role)
		_, _ = admin.Exec("DROP ROLE " + role)
	})
	u.User = url.User(role)
	return u.String()
}

// fristTableCount counts frist's tables in the schema of dbURL.
func fristTableCount(t *testing.T, dbURL string) int {
	t.Helper()
	db, err := sql.Open("pgx", dbURL)
	require.NoError(t, err)
	defer db.Close()
	var n int
	require.NoError(t, db.QueryRowContext(context.Background(),
		`SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'frist\_%'`).Scan(&n))
	return n
}

// The read-only commands run as a PostgreSQL role that holds nothing but
// SELECT, and on a schema without frist's tables they say so instead of
// failing with "permission denied for schema". Broken by opening plan's
// database read-write: it then fails with "permission denied for schema".
func TestReadOnlyCommandsNeedOnlySelectOnPostgreSQL(t *testing.T) {
	admin := postgresJobcenterDB(t)
	reader := postgresRole(t, admin)
	const someID = "0190d5e4-7b3a-7c2d-9e4f-0123456789ab"
	for _, args := range readOnlyCommands(reader, someID) {
		code, out, errs := runCLI(args...)
		assert.Equal(t, exitInvalid, code, "%v: %s", args, errs)
		assert.Empty(t, out, args)
		assert.Contains(t, errs, "frist's own tables (frist_schema_version, frist_audit, frist_holds, ...) are missing", args)
		assert.NotContains(t, errs, "permission denied", args)
	}
	assert.Zero(t, fristTableCount(t, admin))

	keys := keyFile(t)
	id := openRequest(t, admin, keys, "access", "citizen-1")
	for _, args := range readOnlyCommands(reader, id) {
		code, out, errs := runCLI(args...)
		assert.Equal(t, exitOK, code, "%v: %s", args, errs)
		assert.NotEmpty(t, out, args)
	}
	code, _, errs := runCLI("dsar", "open", jobcenterFile, "--db", reader, "--keys", keys, "--kind", "access", "--subject", "citizen-2")
	assert.Equal(t, exitInvalid, code, "the role cannot write: %s", errs)
}
