package consent_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store/pgstore"
	"github.com/frist-go/frist/store/sqlitestore"
)

// flavor is an SQL database the scenario runs on.
type flavor int

const (
	sqlite flavor = iota
	postgres
)

// sqlType is the column type of an application column in f.
func (f flavor) sqlType(kind string) string {
	switch {
	case kind == "int" && f == postgres:
		return "bigint"
	case kind == "int":
		return "INTEGER"
	case kind == "time" && f == postgres:
		return "timestamptz"
	case kind == "time":
		return "TEXT" // SQLite's own "2006-01-02 15:04:05" form in UTC
	}
	return "text"
}

// placeholder is the n-th bind parameter in f.
func (f flavor) placeholder(n int) string {
	if f == postgres {
		return fmt.Sprintf("$%d", n)
	}
	return "?"
}

// createTables creates the application's tables of decl as the
// application would: an integer key, an integer subject, native time
// columns with an index each, text for every other column.
func createTables(t testing.TB, db *sql.DB, f flavor, decl *policy.Declaration) {
	t.Helper()
	for i := range decl.Datasets {
		ds := &decl.Datasets[i]
		cols := []string{ds.Key + " " + f.sqlType("int") + " PRIMARY KEY"}
		if ds.Subject != "" {
			cols = append(cols, ds.Subject+" "+f.sqlType("int"))
		}
		var idx []string
		for _, tc := range ds.Time {
			cols = append(cols, tc.ColumnName()+" "+f.sqlType("time"))
			idx = append(idx, fmt.Sprintf("CREATE INDEX %s_%s ON %s (%s)", ds.Table, tc.ColumnName(), ds.Table, tc.ColumnName()))
		}
		if ds.Marker != "" {
			cols = append(cols, ds.Marker+" "+f.sqlType("time"))
		}
		for _, fd := range ds.Fields {
			cols = append(cols, fd.ColumnName()+" "+f.sqlType("text"))
		}
		if ds.Subject != "" {
			idx = append(idx, fmt.Sprintf("CREATE INDEX %s_%s ON %s (%s)", ds.Table, ds.Subject, ds.Table, ds.Subject))
		}
		for _, st := range append([]string{fmt.Sprintf("CREATE TABLE %s (%s)", ds.Table, strings.Join(cols, ", "))}, idx...) {
			_, err := db.Exec(st)
			require.NoError(t, err, st)
		}
	}
}

// sqlAppOn returns the application's view of its tables in db.
func sqlAppOn(db *sql.DB, f flavor, decl *policy.Declaration) app {
	return app{
		insert: func(t testing.TB, dataset string, row map[string]any) {
			t.Helper()
			ds := decl.Dataset(dataset)
			var cols, ph []string
			var args []any
			for col := range row {
				cols = append(cols, col)
			}
			sort.Strings(cols)
			for i, col := range cols {
				v := row[col]
				if tm, ok := v.(time.Time); ok && f == sqlite {
					v = tm.UTC().Format("2006-01-02 15:04:05.999999")
				}
				ph = append(ph, f.placeholder(i+1))
				args = append(args, v)
			}
			st := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", ds.Table, strings.Join(cols, ", "), strings.Join(ph, ", "))
			_, err := db.Exec(st, args...)
			require.NoError(t, err, st)
		},
		exists: func(t testing.TB, dataset, key string) bool {
			t.Helper()
			ds := decl.Dataset(dataset)
			var n int
			require.NoError(t, db.QueryRow(fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE %s = %s", ds.Table, ds.Key, f.placeholder(1)), key).Scan(&n))
			return n > 0
		},
	}
}

// openSQLite opens a fresh SQLite file with the DSN sqlitestore
// recommends.
func openSQLite(t testing.TB) *sql.DB {
	t.Helper()
	dsn := "file:" + filepath.Join(t.TempDir(), "app.db") + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=secure_delete(1)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// openPostgres opens a fresh schema on the server FRIST_TEST_POSTGRES
// names, skipping the test without one unless FRIST_REQUIRE_POSTGRES=1.
func openPostgres(t testing.TB) *sql.DB {
	t.Helper()
	raw := os.Getenv("FRIST_TEST_POSTGRES")
	if raw == "" {
		if os.Getenv("FRIST_REQUIRE_POSTGRES") == "1" {
			t.Fatal("FRIST_REQUIRE_POSTGRES=1, but FRIST_TEST_POSTGRES is not set")
		}
		t.Skip("FRIST_TEST_POSTGRES is not set; set it to postgres://user@host:port/db?sslmode=disable to run the PostgreSQL scenario")
	}
	admin, err := sql.Open("pgx", raw)
	require.NoError(t, err)
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		if os.Getenv("FRIST_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("PostgreSQL at FRIST_TEST_POSTGRES is unreachable: %v", err)
		}
		t.Skipf("PostgreSQL at FRIST_TEST_POSTGRES is unreachable: %v", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "frist_consent_" + hex.EncodeToString(b[:])
	_, err = admin.ExecContext(ctx, "CREATE SCHEMA "+schema)
	require.NoError(t, err)
	u, err := url.Parse(raw)
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := sql.Open("pgx", u.String())
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = db.Close()
		if admin, err := sql.Open("pgx", raw); err == nil {
			_, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE")
			_ = admin.Close()
		}
	})
	return db
}

// jobcenterApp returns the Jobcenter declaration and an app on a fresh
// database of flavor f, with the application's tables and frist's store.
func jobcenterApp(t *testing.T, f flavor) (*policy.Declaration, app) {
	t.Helper()
	decl, err := policy.LoadFile("../examples/policies/jobcenter.yaml")
	require.NoError(t, err)
	var db *sql.DB
	if f == postgres {
		db = openPostgres(t)
	} else {
		db = openSQLite(t)
	}
	createTables(t, db, f, decl)
	a := sqlAppOn(db, f, decl)
	if f == postgres {
		a.drv, err = pgstore.New(db, decl, nil)
	} else {
		a.drv, err = sqlitestore.New(db, decl, nil)
	}
	require.NoError(t, err)
	return decl, a
}

func TestJobcenterScenarioOnSQLite(t *testing.T) {
	decl, a := jobcenterApp(t, sqlite)
	jobcenterScenario(t, decl, a)
}

func TestJobcenterScenarioOnPostgreSQL(t *testing.T) {
	decl, a := jobcenterApp(t, postgres)
	jobcenterScenario(t, decl, a)
}
