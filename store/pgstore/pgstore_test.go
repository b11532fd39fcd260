package pgstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retentiontest"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/internal/sqltest"
	"github.com/frist-go/frist/store/pgstore"
)

// Store is what retentiontest's assertions read, without an adapter.
var _ retentiontest.Store = (*pgstore.Store)(nil)

// openSchema connects to the server named by FRIST_TEST_POSTGRES and
// returns a *sql.DB whose search_path is a fresh schema of its own, so
// tests and packages can run in parallel. Without the variable the test is
// skipped, unless FRIST_REQUIRE_POSTGRES=1 (as in CI), where it fails.
func openSchema(t *testing.T) *sql.DB {
	t.Helper()
	raw := os.Getenv("FRIST_TEST_POSTGRES")
	required := os.Getenv("FRIST_REQUIRE_POSTGRES") == "1"
	unavailable := func(format string, args ...any) {
		t.Helper()
		if required {
			t.Fatalf("FRIST_REQUIRE_POSTGRES=1: "+format, args...)
		}
		t.Skipf(format+"; to run the PostgreSQL tests, set FRIST_TEST_POSTGRES=postgres://user@host:port/db?sslmode=disable (as .ci/run does)", args...)
	}
	if raw == "" {
		unavailable("FRIST_TEST_POSTGRES is not set")
	}
	u, err := url.Parse(raw)
	require.NoError(t, err, "FRIST_TEST_POSTGRES")
	admin, err := sql.Open("pgx", raw)
	require.NoError(t, err)
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		unavailable("PostgreSQL at FRIST_TEST_POSTGRES is unreachable: %v", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "frist_test_" + hex.EncodeToString(b[:])
	_, err = admin.ExecContext(ctx, "CREATE SCHEMA "+schema)
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := sql.Open("pgx", u.String())
	require.NoError(t, err)
	dsns.Store(db, u.String())
	t.Cleanup(func() {
		db.Close()
		if c, err := sql.Open("pgx", raw); err == nil {
			_, _ = c.Exec("DROP SCHEMA " + schema + " CASCADE")
			c.Close()
		}
	})
	return db
}

// dsns remembers the DSN of each database openSchema returned.
var dsns sync.Map

// reopen returns another *sql.DB on the same schema as db, as another
// replica of the application would open it.
func reopen(t *testing.T, db *sql.DB) *sql.DB {
	t.Helper()
	dsn, ok := dsns.Load(db)
	require.True(t, ok)
	other, err := sql.Open("pgx", dsn.(string))
	require.NoError(t, err)
	t.Cleanup(func() { other.Close() })
	return other
}

// open creates the application's tables for decl and a store on them.
func open(t *testing.T, decl *policy.Declaration) *sqltest.Backend {
	t.Helper()
	db := openSchema(t)
	require.NoError(t, sqltest.CreateTables(context.Background(), db, sqltest.Postgres, decl, sqltest.IntKey))
	s, err := pgstore.New(db, decl, nil)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return &sqltest.Backend{Store: s, Decl: decl}
}

func TestFocused(t *testing.T) { sqltest.RunFocused(t, open) }

func TestNewNamesEveryColumnTheDatabaseLacks(t *testing.T) {
	decl, err := sqltest.Declaration()
	require.NoError(t, err)
	db := openSchema(t)
	_, err = db.Exec(`CREATE TABLE appointments (id bigint PRIMARY KEY, citizen text, starts_at timestamptz)`)
	require.NoError(t, err)
	_, err = pgstore.New(db, decl, nil)
	require.Error(t, err)
	for _, want := range []string{`datasets[0].time[1].column: table appointments has no column "created_unix"`,
		`datasets[0].fields[0].column: table appointments has no column "name"`, `datasets[1].table: table "contacts" does not exist`} {
		assert.Contains(t, err.Error(), want)
	}
}

func TestConcurrentNewMigratesOnce(t *testing.T) {
	decl, err := sqltest.Declaration()
	require.NoError(t, err)
	db := openSchema(t)
	require.NoError(t, sqltest.CreateTables(context.Background(), db, sqltest.Postgres, decl, sqltest.IntKey))
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		go func() {
			_, err := pgstore.New(db, decl, nil)
			errs <- err
		}()
	}
	for i := 0; i < 4; i++ {
		require.NoError(t, <-errs)
	}
	var n, newest int
	require.NoError(t, db.QueryRow(`SELECT COUNT(*), MAX(version) FROM frist_schema_version`).Scan(&n, &newest))
	assert.Equal(t, newest, n, "every migration is recorded exactly once")
}

func TestFourReplicasProcessEachDueRecordOnce(t *testing.T) {
	decl, err := sqltest.Declaration()
	require.NoError(t, err)
	db := openSchema(t)
	require.NoError(t, sqltest.CreateTables(context.Background(), db, sqltest.Postgres, decl, sqltest.IntKey))
	first, err := pgstore.New(db, decl, nil)
	require.NoError(t, err)
	sqltest.RunReplicas(t, &sqltest.Backend{Store: first, Decl: decl}, func(t *testing.T) store.Driver {
		s, err := pgstore.New(reopen(t, db), decl, nil)
		require.NoError(t, err)
		return s
	})
}
