package dsar_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/consent"
	"github.com/frist-go/frist/dsar"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/pgstore"
	"github.com/frist-go/frist/store/sqlitestore"
)

// flavor is an SQL database the end-to-end scenarios run on.
type flavor string

const (
	sqliteDB   flavor = "sqlite"
	postgresDB flavor = "postgres"
)

// sqliteTime is SQLite's own date-time text form, the one sqlitestore
// compares native time columns in (UTC).
const sqliteTime = "2006-01-02 15:04:05.999999"

// placeholder is the n-th bind parameter.
func (f flavor) placeholder(n int) string {
	if f == postgresDB {
		return fmt.Sprintf("$%d", n)
	}
	return "?"
}

// columnType is the SQL type of an application column of kind "int",
// "time" or "text".
func (f flavor) columnType(kind string) string {
	switch {
	case kind == "int" && f == postgresDB:
		return "bigint"
	case kind == "int":
		return "INTEGER"
	case kind == "time" && f == postgresDB:
		return "timestamptz"
	case kind == "time":
		return "DATETIME"
	}
	return "TEXT"
}

// tableDDL returns what an application would create for the tables decl
// binds: an integer key, a subject column (integer when intSubject), native
// time columns, text fields, an index on every time column and on the
// subject column.
func tableDDL(f flavor, decl *policy.Declaration, intSubject bool) []string {
	var out []string
	for i := range decl.Datasets {
		ds := &decl.Datasets[i]
		if ds.Table == "" {
			continue
		}
		cols := []string{ds.Key + " " + f.columnType("int") + " PRIMARY KEY"}
		seen := map[string]bool{ds.Key: true}
		add := func(name, kind string) {
			if !seen[name] {
				seen[name] = true
				cols = append(cols, name+" "+f.columnType(kind))
			}
		}
		var idx []string
		if ds.Subject != "" {
			add(ds.Subject, map[bool]string{true: "int", false: "text"}[intSubject])
			if ds.Subject != ds.Key {
				idx = append(idx, fmt.Sprintf("CREATE INDEX %s_%s ON %s (%s)", ds.Table, ds.Subject, ds.Table, ds.Subject))
			}
		}
		for _, tc := range ds.Time {
			add(tc.ColumnName(), "time")
			idx = append(idx, fmt.Sprintf("CREATE INDEX %s_%s ON %s (%s)", ds.Table, tc.ColumnName(), ds.Table, tc.ColumnName()))
		}
		if ds.Marker != "" {
			add(ds.Marker, "time")
		}
		for _, fd := range ds.Fields {
			add(fd.ColumnName(), "text")
		}
		out = append(out, fmt.Sprintf("CREATE TABLE %s (%s)", ds.Table, strings.Join(cols, ", ")))
		out = append(out, idx...)
	}
	return out
}

// sqlValue converts a Go value for an application column in f: times in
// SQLite's own UTC text form there, as a native time column holds them.
func (f flavor) sqlValue(v any) any {
	if t, ok := v.(time.Time); ok && f == sqliteDB {
		return t.UTC().Format(sqliteTime)
	}
	return v
}

// openSQLiteDB opens a fresh SQLite file with the DSN sqlitestore
// recommends.
func openSQLiteDB(tb testing.TB) *sql.DB {
	tb.Helper()
	return openSQLiteFile(tb, filepath.Join(tb.TempDir(), "app.db"))
}

// openSQLiteFile opens the SQLite file at path with the DSN sqlitestore
// recommends.
func openSQLiteFile(tb testing.TB, path string) *sql.DB {
	tb.Helper()
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=secure_delete(1)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

// openPostgresDB opens a fresh schema on the server FRIST_TEST_POSTGRES
// names. Without the variable, or when the server is unreachable, the test
// is skipped, unless FRIST_REQUIRE_POSTGRES=1, where it fails.
func openPostgresDB(tb testing.TB) *sql.DB {
	tb.Helper()
	raw := os.Getenv("FRIST_TEST_POSTGRES")
	unavailable := func(format string, args ...any) {
		tb.Helper()
		if os.Getenv("FRIST_REQUIRE_POSTGRES") == "1" {
			tb.Fatalf("FRIST_REQUIRE_POSTGRES=1: "+format, args...)
		}
		tb.Skipf(format+"; to run the PostgreSQL tests, set FRIST_TEST_POSTGRES=postgres://user@host:port/db?sslmode=disable", args...)
	}
	if raw == "" {
		unavailable("FRIST_TEST_POSTGRES is not set")
	}
	u, err := url.Parse(raw)
	require.NoError(tb, err, "FRIST_TEST_POSTGRES")
	admin, err := sql.Open("pgx", raw)
	require.NoError(tb, err)
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		unavailable("PostgreSQL at FRIST_TEST_POSTGRES is unreachable: %v", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "frist_dsar_" + hex.EncodeToString(b[:])
	_, err = admin.ExecContext(ctx, "CREATE SCHEMA "+schema)
	require.NoError(tb, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := sql.Open("pgx", u.String())
	require.NoError(tb, err)
	tb.Cleanup(func() {
		_ = db.Close()
		if c, err := sql.Open("pgx", raw); err == nil {
			_, _ = c.Exec("DROP SCHEMA " + schema + " CASCADE")
			_ = c.Close()
		}
	})
	return db
}

// sqlFixture is a service on an SQL store with a settable clock and an
// identity check that trusts the subjects in verified, like fixture on
// memstore.
type sqlFixture struct {
	t      *testing.T
	ctx    context.Context
	flavor flavor
	db     *sql.DB
	decl   *policy.Declaration
	st     fullStore
	eng    *retention.Engine
	ledger *consent.Ledger
	svc    *dsar.Service
	ring   *anonymize.KeyRing

	mu       sync.Mutex
	now      time.Time
	verified map[string]bool
}

// newSQLFixture loads the example declaration name, creates its tables in
// a fresh database of flavor f (integer subject columns when intSubject)
// and builds the service on the flavor's store at now.
func newSQLFixture(t *testing.T, f flavor, name string, intSubject bool, now time.Time) *sqlFixture {
	t.Helper()
	var db *sql.DB
	if f == postgresDB {
		db = openPostgresDB(t)
	} else {
		db = openSQLiteDB(t)
	}
	return newSQLFixtureOn(t, f, db, name, now, func(decl *policy.Declaration) {
		for _, st := range tableDDL(f, decl, intSubject) {
			_, err := db.ExecContext(context.Background(), st)
			require.NoError(t, err, st)
		}
	})
}

// newSQLFixtureOn builds the service of the example declaration name on
// db, after prepare has created the application's tables (and whatever
// else the database should hold before the store opens it).
func newSQLFixtureOn(t *testing.T, f flavor, db *sql.DB, name string, now time.Time, prepare func(decl *policy.Declaration)) *sqlFixture {
	t.Helper()
	decl, err := policy.LoadFile("../examples/policies/" + name + ".yaml")
	require.NoError(t, err)
	x := &sqlFixture{t: t, ctx: context.Background(), flavor: f, db: db, decl: decl, now: now, verified: map[string]bool{}}
	prepare(decl)
	if f == postgresDB {
		x.st, err = pgstore.New(x.db, decl, nil)
	} else {
		x.st, err = sqlitestore.New(x.db, decl, nil)
	}
	require.NoError(t, err)
	t.Cleanup(func() { _ = x.st.Close() })
	x.ring, err = anonymize.NewKeyRing(anonymize.Key{ID: "dsar1", Secret: []byte("dsar test audit key, thirty-two bytes")})
	require.NoError(t, err)
	x.eng, err = retention.New(decl, x.st, &retention.Options{Now: x.clock, AuditKey: x.ring})
	require.NoError(t, err)
	for i := range decl.Purposes {
		if decl.Purposes[i].HasBasis(policy.Consent) {
			x.ledger, err = consent.New(x.eng, x.st, &consent.Options{Keys: x.ring})
			require.NoError(t, err)
			break
		}
	}
	x.svc, err = dsar.NewService(x.eng, x.st, x.ledger, &dsar.ServiceOptions{
		Now: x.clock, AuditKey: x.ring,
		Identity: dsar.IdentityFunc(func(_ context.Context, r *dsar.Request) (bool, error) {
			x.mu.Lock()
			defer x.mu.Unlock()
			return x.verified[r.Subject()], nil
		}),
	})
	require.NoError(t, err)
	return x
}

// forEachFlavor runs fn as a subtest on SQLite and on PostgreSQL.
func forEachFlavor(t *testing.T, fn func(t *testing.T, f flavor)) {
	for _, f := range []flavor{sqliteDB, postgresDB} {
		t.Run(string(f), func(t *testing.T) { fn(t, f) })
	}
}

func (x *sqlFixture) clock() time.Time {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.now
}

func (x *sqlFixture) advance(d time.Duration) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.now = x.now.Add(d)
}

// insert writes row (values by SQL column) into dataset's table, as the
// application would.
func (x *sqlFixture) insert(dataset string, row map[string]any) {
	x.t.Helper()
	ds := x.decl.Dataset(dataset)
	require.NotNil(x.t, ds, dataset)
	cols := slices.Sorted(maps.Keys(row))
	ps := make([]string, len(cols))
	args := make([]any, len(cols))
	for i, c := range cols {
		ps[i] = x.flavor.placeholder(i + 1)
		args[i] = x.flavor.sqlValue(row[c])
	}
	stmt := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", ds.Table, strings.Join(cols, ", "), strings.Join(ps, ", "))
	_, err := x.db.ExecContext(x.ctx, stmt, args...)
	require.NoError(x.t, err, stmt)
}

// get returns the row of dataset with key by SQL column (text as string),
// and whether it exists.
func (x *sqlFixture) get(dataset, key string) (map[string]any, bool) {
	x.t.Helper()
	ds := x.decl.Dataset(dataset)
	require.NotNil(x.t, ds, dataset)
	rows, err := x.db.QueryContext(x.ctx, fmt.Sprintf("SELECT * FROM %s WHERE CAST(%s AS TEXT) = %s", ds.Table, ds.Key, x.flavor.placeholder(1)), key)
	require.NoError(x.t, err)
	defer rows.Close()
	if !rows.Next() {
		require.NoError(x.t, rows.Err())
		return nil, false
	}
	names, err := rows.Columns()
	require.NoError(x.t, err)
	vals := make([]any, len(names))
	dst := make([]any, len(names))
	for i := range vals {
		dst[i] = &vals[i]
	}
	require.NoError(x.t, rows.Scan(dst...))
	row := make(map[string]any, len(names))
	for i, n := range names {
		if b, ok := vals[i].([]byte); ok {
			vals[i] = string(b)
		}
		row[n] = vals[i]
	}
	return row, true
}

// exists reports whether dataset has a record with key.
func (x *sqlFixture) exists(dataset, key string) bool {
	x.t.Helper()
	_, ok := x.get(dataset, key)
	return ok
}

// openVerified opens a request of kind by subject now and verifies it.
func (x *sqlFixture) openVerified(kind dsar.Kind, subject string) *dsar.Request {
	x.t.Helper()
	r, err := x.svc.Open(x.ctx, kind, subject, time.Time{})
	require.NoError(x.t, err)
	x.mu.Lock()
	x.verified[subject] = true
	x.mu.Unlock()
	r, err = x.svc.Verify(x.ctx, r.ID())
	require.NoError(x.t, err)
	require.Equal(x.t, dsar.Verified, r.State())
	return r
}

// auditText returns the whole audit log as JSON, after checking that it
// verifies, to search for leaks.
func (x *sqlFixture) auditText() string {
	x.t.Helper()
	log, err := x.st.ReadAudit(x.ctx, 0, 0)
	require.NoError(x.t, err)
	base, err := x.st.AuditBase(x.ctx)
	require.NoError(x.t, err)
	_, err = audit.VerifyFrom(base, log, nil)
	require.NoError(x.t, err, "the audit log verifies from its base")
	b, err := json.Marshal(log)
	require.NoError(x.t, err)
	return string(b)
}

// fullStore is a store with both features, as sqlitestore's and pgstore's
// are.
type fullStore interface {
	store.Driver
	store.ConsentStore
	store.RequestStore
}
