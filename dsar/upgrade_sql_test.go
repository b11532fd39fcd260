package dsar_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql/driver"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/dsar"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
)

// The fixtures in testdata were written by frist at schema version 4 (the
// commit before request bodies lost the subject), through dsar.Service on
// sqlitestore and pgstore with examples/policies/jobcenter.yaml: subject
// KD-2025-771345 has a completed access request and a refused erasure
// request, KD-2025-990021 an open, verified access request. The SQLite
// file is that database as VACUUM INTO wrote it; the PostgreSQL one is
// pg_dump --inserts of its schema (frist_fixture_v4), without the psql
// meta-commands.
const (
	v4Closed = "KD-2025-771345"
	v4Open   = "KD-2025-990021"
)

// notJSONBody is a request body that is not frist's encoding, added to the
// fixtures: the upgrade must leave it as it is.
const notJSONBody = "\xff{\"subject\":\"someone\""

// openV4Fixture opens a copy of the version 4 database of flavor f and
// builds the service on it at now; the store upgrades it.
func openV4Fixture(t *testing.T, f flavor, now time.Time) *sqlFixture {
	t.Helper()
	if f == sqliteDB {
		gz, err := os.Open("testdata/requests-v4.sqlite.gz")
		require.NoError(t, err)
		defer gz.Close()
		zr, err := gzip.NewReader(gz)
		require.NoError(t, err)
		path := filepath.Join(t.TempDir(), "app.db")
		out, err := os.Create(path)
		require.NoError(t, err)
		_, err = io.Copy(out, zr)
		require.NoError(t, err)
		require.NoError(t, out.Close())
		db := openSQLiteFile(t, path)
		return newSQLFixtureOn(t, f, db, "jobcenter", now, func(*policy.Declaration) {
			_, err := db.ExecContext(context.Background(), `INSERT INTO frist_requests (id, subject, kind, state, is_final, received_at, due_at, version, body)
VALUES ('not-json', 'someone', 'access', 'received', 0, 1000000, 2000000, 1, ?)`, []byte(notJSONBody))
			require.NoError(t, err)
		})
	}
	db := openPostgresDB(t)
	dump, err := os.ReadFile("testdata/requests-v4.postgres.sql")
	require.NoError(t, err)
	return newSQLFixtureOn(t, f, db, "jobcenter", now, func(*policy.Declaration) {
		ctx := context.Background()
		var schema string
		require.NoError(t, db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema))
		script := regexp.MustCompile(`(?m)^CREATE SCHEMA frist_fixture_v4;$`).ReplaceAllString(string(dump), "")
		script = strings.ReplaceAll(script, "frist_fixture_v4", schema)
		// The dump clears search_path: it runs on a connection of its own,
		// which is thrown away after.
		conn, err := db.Conn(ctx)
		require.NoError(t, err)
		_, err = conn.ExecContext(ctx, script)
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		_ = conn.Close()
		require.NoError(t, err)
		_, err = db.ExecContext(ctx, `INSERT INTO frist_requests (id, subject, kind, state, is_final, received_at, due_at, version, body)
VALUES ('not-json', 'someone', 'access', 'received', false, now(), now(), 1, $1)`, []byte(notJSONBody))
		require.NoError(t, err)
	})
}

// fristTables returns every byte of every row of frist's own tables, a row
// a line, columns as the driver returns them (bytea and BLOB as raw
// bytes).
func (x *sqlFixture) fristTables() []byte {
	x.t.Helper()
	q := "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'frist%'"
	if x.flavor == postgresDB {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name LIKE 'frist%'"
	}
	rows, err := x.db.QueryContext(x.ctx, q)
	require.NoError(x.t, err)
	var tables []string
	for rows.Next() {
		var n string
		require.NoError(x.t, rows.Scan(&n))
		tables = append(tables, n)
	}
	require.NoError(x.t, rows.Err())
	require.NoError(x.t, rows.Close())
	require.Contains(x.t, tables, "frist_requests")
	var b bytes.Buffer
	for _, tbl := range tables {
		rows, err := x.db.QueryContext(x.ctx, "SELECT * FROM "+tbl)
		require.NoError(x.t, err)
		cols, err := rows.Columns()
		require.NoError(x.t, err)
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			require.NoError(x.t, rows.Scan(ptrs...))
			b.WriteString(tbl + ":")
			for _, v := range vals {
				if bs, ok := v.([]byte); ok {
					b.Write(bs)
				} else {
					fmt.Fprintf(&b, "%v", v)
				}
				b.WriteByte('|')
			}
			b.WriteByte('\n')
		}
		require.NoError(x.t, rows.Err())
		require.NoError(x.t, rows.Close())
	}
	return b.Bytes()
}

// TestRequestBodiesFromBeforeVersion5HoldNoSubjectOncePseudonymized: a
// database written by frist at schema version 4 keeps the subject in each
// request's body. The upgrade clears it there (the column keeps it), every
// request still loads with its subject, state and history, and once the
// closed requests are pseudonymized by a sweep the identifier is in no
// byte of any frist_ table, nor, on SQLite, anywhere in the database file
// or its write-ahead log; the open request keeps its subject. A body that
// is not JSON (not frist's encoding) neither stops the upgrade nor is
// changed.
//
// Seen to fail: with the version 6 migration's statement replaced by
// SELECT 1, every body still held its subject after the upgrade and the
// bodies of both closed requests held "KD-2025-771345" after the sweep, on
// both databases, and on SQLite the database file held it after the
// sweep's purge; with the PostgreSQL cast to jsonb outside its own block, the
// upgrade failed on the body that is not JSON.
func TestRequestBodiesFromBeforeVersion5HoldNoSubjectOncePseudonymized(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, f flavor) {
		// The upgrade to version 5 dates the closing of requests closed
		// before it to the upgrade (never earlier), which happens now, on
		// the wall clock; the sweep that pseudonymizes runs a year later.
		upgraded := time.Now()
		x := openV4Fixture(t, f, upgraded.Add(time.Minute))
		m := x.st.(interface{ Migrated() store.Migration }).Migrated()
		require.Equal(t, 4, m.From, "the fixture is at schema version 4")
		require.Equal(t, 8, m.To)
		raw := x.fristTables()
		require.Contains(t, string(raw), v4Closed, "before the sweep, the subject column of the closed requests holds the identifier")
		bodies := x.requestBodies()
		require.Len(t, bodies, 4)
		assert.Equal(t, notJSONBody, string(bodies["not-json"]), "a body that is not JSON is left as it is")
		delete(bodies, "not-json")
		for id, body := range bodies {
			assert.NotContains(t, string(body), v4Closed, "the upgrade cleared the subject from the body of %s", id)
			assert.NotContains(t, string(body), v4Open, "the upgrade cleared the subject from the body of %s", id)
		}

		closed, err := x.svc.List(x.ctx, dsar.Filter{Subject: v4Closed})
		require.NoError(t, err)
		require.Len(t, closed, 2)
		states := map[dsar.State]bool{}
		for _, r := range closed {
			assert.Equal(t, v4Closed, r.Subject(), "the subject is read from its column")
			states[r.State()] = true
			assert.NotEmpty(t, r.History())
		}
		assert.Equal(t, map[dsar.State]bool{dsar.Completed: true, dsar.Refused: true}, states)
		open, err := x.svc.List(x.ctx, dsar.Filter{Subject: v4Open})
		require.NoError(t, err)
		require.Len(t, open, 1)
		assert.Equal(t, dsar.Verified, open[0].State())

		x.mu.Lock()
		x.now = upgraded.AddDate(1, 0, 0)
		x.mu.Unlock()
		rep, err := x.eng.Sweep(x.ctx)
		require.NoError(t, err)
		pseudonymized := 0
		for _, kr := range rep.Records {
			if kr.Kind == "requests" {
				pseudonymized = kr.Pseudonymized
			}
		}
		assert.Equal(t, 2, pseudonymized, "both closed requests are pseudonymized")

		raw = x.fristTables()
		assert.NotContains(t, string(raw), v4Closed, "the identifier is in no byte of any frist_ table")
		assert.Contains(t, string(raw), v4Open, "the open request keeps its subject")
		again, err := x.svc.List(x.ctx, dsar.Filter{Subject: v4Closed})
		require.NoError(t, err)
		assert.Len(t, again, 2, "found under the pseudonym recomputed from the identifier")

		if f == sqliteDB {
			// The sweep that pseudonymized purged frist's own tables
			// (store.Driver.Purge): the log no longer holds the pages as
			// they were before.
			var path string
			require.NoError(t, x.db.QueryRowContext(x.ctx, "SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&path))
			for _, p := range []string{path, path + "-wal"} {
				b, err := os.ReadFile(p)
				if os.IsNotExist(err) {
					continue
				}
				require.NoError(t, err)
				assert.False(t, bytes.Contains(b, []byte(v4Closed)), "%s holds the identifier", filepath.Base(p))
			}
		}
	})
}

// requestBodies returns the stored body of every request by ID.
func (x *sqlFixture) requestBodies() map[string][]byte {
	x.t.Helper()
	rows, err := x.db.QueryContext(x.ctx, "SELECT id, body FROM frist_requests")
	require.NoError(x.t, err)
	defer rows.Close()
	out := map[string][]byte{}
	for rows.Next() {
		var id string
		var body []byte
		require.NoError(x.t, rows.Scan(&id, &body))
		out[id] = body
	}
	require.NoError(x.t, rows.Err())
	return out
}
