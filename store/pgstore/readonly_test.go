package pgstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/internal/sqltest"
	"github.com/frist-go/frist/store/pgstore"
	"github.com/frist-go/frist/store/storetest"
)

// selectOnly creates a role that may only read the schema db works in
// (USAGE on the schema, SELECT on its tables, now and later) and returns a
// *sql.DB connected as that role.
func selectOnly(t *testing.T, db *sql.DB) *sql.DB {
	t.Helper()
	dsn, ok := dsns.Load(db)
	require.True(t, ok)
	var schema string
	require.NoError(t, db.QueryRow(`SELECT current_schema()`).Scan(&schema))
	var b [6]byte
	_, _ = rand.Read(b[:])
	role := "frist_reader_" + hex.EncodeToString(b[:])
	for _, q := range []string{
		"CREATE ROLE " + role + " LOGIN",
		"GRANT USAGE ON SCHEMA " + schema + " TO " + role,
		"GRANT SELECT ON ALL TABLES IN SCHEMA " + schema + " TO " + role,
		"ALTER DEFAULT PRIVILEGES IN SCHEMA " + schema + " GRANT SELECT ON TABLES TO " + role,
	} {
		_, err := db.Exec(q)
		require.NoError(t, err, q)
	}
	u, err := url.Parse(dsn.(string))
	require.NoError(t, err)
	u.User = url.User(role)
	ro, err := sql.Open("pgx", u.String())
	require.NoError(t, err)
	t.Cleanup(func() {
		ro.Close()
		_, _ = db.Exec("ALTER DEFAULT PRIVILEGES IN SCHEMA " + schema + " REVOKE SELECT ON TABLES FROM " + role)
		_, _ = db.Exec("DROP OWNED BY " + role)
		_, _ = db.Exec("DROP ROLE " + role)
	})
	return ro
}

// A read-only store works for a role with nothing but SELECT, and never
// tries to create frist's tables: without them it fails with
// ErrNotMigrated instead of "permission denied for schema". Broken by
// letting New migrate whatever ReadOnly says: New then fails with
// "permission denied for schema".
func TestReadOnlyNewNeedsOnlySelect(t *testing.T) {
	ctx := context.Background()
	decl, err := sqltest.Declaration()
	require.NoError(t, err)
	db := openSchema(t)
	require.NoError(t, sqltest.CreateTables(ctx, db, sqltest.Postgres, decl, sqltest.IntKey))
	ro := selectOnly(t, db)

	_, err = pgstore.New(ro, decl, &pgstore.Options{ReadOnly: true})
	require.ErrorIs(t, err, store.ErrNotMigrated)
	assert.Contains(t, err.Error(), "frist_schema_version does not exist")
	var n int
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'frist\_%'`).Scan(&n))
	assert.Zero(t, n, "a read-only store created tables")

	s, err := pgstore.New(db, decl, nil)
	require.NoError(t, err)
	m := s.Migrated()
	assert.Equal(t, 0, m.From)
	assert.Contains(t, m.Created, "frist_audit")
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'frist\_%'`).Scan(&n))
	assert.Len(t, m.Created, n, "Migrated names every table created")

	rs, err := pgstore.New(ro, decl, &pgstore.Options{ReadOnly: true})
	require.NoError(t, err)
	_, err = rs.ListHolds(ctx, time.Now())
	require.NoError(t, err)
	_, _, err = rs.Count(ctx, store.Selection{Dataset: "appointment"})
	require.NoError(t, err)
	_, err = rs.PlaceHold(ctx, store.Hold{ID: "h", Dataset: "appointment", Key: "1", Reason: store.HoldLegalClaims, PlacedAt: time.Now()}, storetest.HoldEntry("hold.place"))
	assert.ErrorContains(t, err, "permission denied", "the role may not write")
}
