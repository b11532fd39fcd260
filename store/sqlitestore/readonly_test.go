package sqlitestore_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/internal/sqltest"
	"github.com/frist-go/frist/store/sqlitestore"
	"github.com/frist-go/frist/store/storetest"
)

// fristTables lists frist's own tables in the database file at path.
func fristTables(t *testing.T, path string) []string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	require.NoError(t, err)
	defer db.Close()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'frist\_%' ESCAPE '\' ORDER BY name`)
	require.NoError(t, err)
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		names = append(names, n)
	}
	require.NoError(t, rows.Err())
	return names
}

// A read-only store never creates frist's tables: on a database holding
// only the application's tables it fails with ErrNotMigrated and leaves the
// file as it was; once a writer has created them, it works on a file
// opened with mode=ro that has no write permission at all. Broken by
// letting New migrate whatever ReadOnly says: the first New then fails
// with "migrate: attempt to write a readonly database" instead of
// ErrNotMigrated.
func TestReadOnlyNewNeverWrites(t *testing.T) {
	ctx := context.Background()
	decl, err := sqltest.Declaration()
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "app.db")
	rw, err := sql.Open("sqlite", "file:"+path+recommendedDSN)
	require.NoError(t, err)
	require.NoError(t, sqltest.CreateTables(ctx, rw, sqltest.SQLite, decl, sqltest.IntKey))
	require.NoError(t, rw.Close())

	roDSN := "file:" + path + "?mode=ro&_pragma=busy_timeout(5000)"
	ro, err := sql.Open("sqlite", roDSN)
	require.NoError(t, err)
	_, err = sqlitestore.New(ro, decl, &sqlitestore.Options{ReadOnly: true})
	require.ErrorIs(t, err, store.ErrNotMigrated)
	assert.Contains(t, err.Error(), "frist_schema_version does not exist")
	require.NoError(t, ro.Close())
	assert.Empty(t, fristTables(t, path), "a read-only store created tables")

	// A writer creates them and says so.
	rw, err = sql.Open("sqlite", "file:"+path+recommendedDSN)
	require.NoError(t, err)
	s, err := sqlitestore.New(rw, decl, nil)
	require.NoError(t, err)
	m := s.Migrated()
	assert.Equal(t, 0, m.From)
	assert.Positive(t, m.To)
	assert.Equal(t, fristTables(t, path), slices.Sorted(slices.Values(m.Created)), "Migrated names exactly the tables created")
	again, err := sqlitestore.New(rw, decl, nil)
	require.NoError(t, err)
	assert.False(t, again.Migrated().Changed(), "nothing is created twice")
	require.NoError(t, rw.Close())

	require.NoError(t, os.Chmod(path, 0o444))
	t.Cleanup(func() { _ = os.Chmod(path, 0o644) })
	ro, err = sql.Open("sqlite", roDSN)
	require.NoError(t, err)
	defer ro.Close()
	rs, err := sqlitestore.New(ro, decl, &sqlitestore.Options{ReadOnly: true})
	require.NoError(t, err)
	_, err = rs.ListHolds(ctx, time.Now())
	require.NoError(t, err, "a read-only store reads frist's tables")
	_, _, err = rs.Count(ctx, store.Selection{Dataset: "appointment"})
	require.NoError(t, err, "and the application's")
	_, err = rs.PlaceHold(ctx, store.Hold{ID: "h", Dataset: "appointment", Key: "1", Reason: store.HoldLegalClaims, PlacedAt: time.Now()}, storetest.HoldEntry("hold.place"))
	require.Error(t, err, "a write fails on a read-only file")
}
