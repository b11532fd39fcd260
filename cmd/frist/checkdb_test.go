package main

import (
	"database/sql"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// check --db compares the declaration with the live database, which it
// opens read-only: a column added to appointments (phone) and a table
// the declaration does not name (newsletter, with an e-mail column and
// addresses in its rows) are reported with their IDs, articles and hints,
// the sampled values are never printed, and the file is left byte for
// byte as it was, even with no write permission. Broken by dropping the
// column comparison: DB001 for phone is then missing.
func TestCheckDBComparesTheDeclarationWithTheDatabase(t *testing.T) {
	dbURL, path := newJobcenterDB(t, seed{appOnly: true})
	execSQL(t, path, `ALTER TABLE appointments ADD COLUMN phone TEXT`)
	execSQL(t, path, `CREATE TABLE newsletter (id INTEGER PRIMARY KEY, email TEXT)`)
	execSQL(t, path, `INSERT INTO newsletter VALUES (1, 'erika@example.org'), (2, 'max@example.org'), (3, 'x')`)
	require.NoError(t, os.Chmod(path, 0o444))
	t.Cleanup(func() { _ = os.Chmod(path, 0o644) })
	before := snapshot(t, path)

	code, out, errs := runCLI("check", jobcenterFile, "--db", dbURL, "--sample", "2")
	assert.Equal(t, exitFindings, code, errs)
	assert.Contains(t, out, "DB001 error: column phone of table main.appointments (dataset appointment) is not declared")
	assert.Contains(t, out, "(Art. 5(1)(c) DSGVO, Art. 30(1)(c) DSGVO)")
	assert.Contains(t, out, "hint: declare phone under fields")
	assert.Contains(t, out, "DB003 warning: table main.newsletter is not in the declaration but looks personal (columns named like personal data: email; sampled values that look like EMAIL in column email (2 of 2 rows read))")
	assert.Contains(t, out, "DB005 warning: time column starts_at of table main.appointments leads no index")
	assert.Contains(t, out, "compared with "+dbURL+": ")
	assert.Contains(t, out, ", 2 rows sampled")
	assert.NotContains(t, out, "erika@example.org")
	assert.NotContains(t, out, "max@example.org")
	assert.Equal(t, before, snapshot(t, path), "check --db wrote to the database")

	var res struct {
		Files []fileResult `json:"files"`
	}
	code, out, _ = runCLI("check", jobcenterFile, "--db", dbURL, "--format", "json")
	assert.Equal(t, exitFindings, code)
	require.NoError(t, jsonUnmarshal(out, &res))
	require.Len(t, res.Files, 1)
	require.NotNil(t, res.Files[0].Database)
	assert.Equal(t, 3, res.Files[0].Database.Queries, "SQLite's catalog is read in three statements")
	assert.Zero(t, res.Files[0].Database.RowsSampled)
}

// Bad input to check --db is named and nothing is opened for writing.
func TestCheckDBRefusesBadInput(t *testing.T) {
	dbURL, _ := newJobcenterDB(t, seed{})
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"a database that does not answer", []string{jobcenterFile, "--db", "postgres://frist:hunter2@127.0.0.1:1/x?connect_timeout=2"}, "check that the database is running and reachable"},
		{"a missing SQLite file", []string{jobcenterFile, "--db", "sqlite:/no/such/app.db"}, "/no/such/app.db does not exist"},
		{"two declarations", []string{jobcenterFile, stadtAmtFile, "--db", dbURL}, "--db compares one declaration with the database; 2 files given"},
		{"sample without a database", []string{jobcenterFile, "--sample", "5"}, "--sample reads rows of a database; name it with --db"},
		{"a negative sample", []string{jobcenterFile, "--db", dbURL, "--sample", "-1"}, "--sample -1 is negative"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := runCLI(append([]string{"check"}, tt.args...)...)
			assert.Equal(t, exitInvalid, code)
			assert.Contains(t, errs, tt.want)
			assert.False(t, strings.Contains(errs, "hunter2"))
		})
	}
}

// On PostgreSQL, check --db runs as a role with nothing but SELECT, in a
// read-only session; a table the role may not read is named when
// sampling needs it. Broken by ignoring the error of a sample: the
// command then exits 1 with the other findings.
func TestCheckDBOnPostgreSQLWithASelectOnlyRole(t *testing.T) {
	admin := postgresJobcenterDB(t)
	reader := postgresRole(t, admin)
	code, out, errs := runCLI("check", jobcenterFile, "--db", reader, "--sample", "5")
	assert.Equal(t, exitFindings, code, errs)
	assert.Contains(t, out, "DB005 warning: time column starts_at of table ")
	assert.Contains(t, out, "4 queries")
	assert.Zero(t, fristTableCount(t, admin), "check --db created frist's tables")

	db := openPG(t, admin)
	_, err := db.Exec(`CREATE TABLE newsletter (id bigint PRIMARY KEY, email text)`)
	require.NoError(t, err)
	u := strings.Split(strings.Split(reader, "//")[1], "@")[0]
	_, err = db.Exec(`REVOKE SELECT ON newsletter FROM ` + u)
	require.NoError(t, err)
	code, _, errs = runCLI("check", jobcenterFile, "--db", reader, "--sample", "5")
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, errs, "sampling table ")
	assert.Contains(t, errs, ".newsletter: ")
	assert.Contains(t, errs, "permission denied")
}

// openPG opens dbURL for a test.
func openPG(t *testing.T, dbURL string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", dbURL)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}
