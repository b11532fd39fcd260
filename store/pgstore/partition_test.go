package pgstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/internal/sqltest"
	"github.com/frist-go/frist/store/pgstore"
	"github.com/frist-go/frist/store/storetest"
)

// partitioned returns a store on a partitioned visits table whose rows
// a-1 and b-1 have the same ctid, each the first row of its partition,
// with the time the rows were seen.
func partitioned(t *testing.T) (*pgstore.Store, *sql.DB, time.Time) {
	t.Helper()
	db := openSchema(t)
	decl := storetest.Declaration()
	for _, stmt := range sqltest.TableDDL(sqltest.Postgres, &decl.Datasets[0], true) {
		_, err := db.Exec(stmt)
		require.NoError(t, err)
	}
	for _, stmt := range []string{
		`CREATE TABLE storetest_visits (id text PRIMARY KEY, seen_at text, ip text, user_agent text) PARTITION BY LIST (id)`,
		`CREATE TABLE storetest_visits_a PARTITION OF storetest_visits FOR VALUES IN ('a-1', 'a-2')`,
		`CREATE TABLE storetest_visits_b PARTITION OF storetest_visits FOR VALUES IN ('b-1', 'b-2')`,
		`CREATE INDEX ON storetest_visits (seen_at, id)`,
	} {
		_, err := db.Exec(stmt)
		require.NoError(t, err)
	}
	// a-1 and b-1 are each the first row of their partition: same ctid.
	seen := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, id := range []string{"a-1", "b-1", "a-2", "b-2"} {
		_, err := db.Exec(`INSERT INTO storetest_visits VALUES ($1, $2, '198.51.100.7', 'Mozilla/5.0')`,
			id, seen.Add(time.Duration(i)*time.Minute).Format(time.RFC3339))
		require.NoError(t, err)
	}
	var same bool
	require.NoError(t, db.QueryRow(`SELECT (SELECT ctid FROM storetest_visits_a WHERE id = 'a-1') = (SELECT ctid FROM storetest_visits_b WHERE id = 'b-1')`).Scan(&same))
	require.True(t, same, "the test needs two rows with the same ctid")

	s, err := pgstore.New(db, decl, nil)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s, db, seen
}

// TestAPartitionedTableIsClaimedByKey pins that batches on a partitioned
// table claim rows by key, not by ctid: every partition numbers its rows
// from (0,1), so a ctid names a row in each of them, and a batch of one
// row claimed by ctid would delete one row in every partition.
func TestAPartitionedTableIsClaimedByKey(t *testing.T) {
	ctx := context.Background()
	s, db, seen := partitioned(t)
	now := seen.Add(time.Hour)
	b := store.Batch{
		Selection: store.Selection{Dataset: storetest.Visits, Bounds: []store.Bound{{Column: "seen_at", Cutoff: now}}, Now: now, Limit: 1},
		Action:    store.Action{Delete: true},
		Audit: func(_ []store.Record, n int) (audit.Entry, error) {
			return audit.Entry{Time: now, Action: "delete", Dataset: storetest.Visits, Rule: "r", Count: n}, nil
		},
	}
	for i, want := range []string{"a-1", "b-1", "a-2", "b-2"} {
		res, err := s.Process(ctx, b)
		require.NoError(t, err)
		require.Equal(t, 1, res.Count, "batch %d of one row", i+1)
		var left []string
		rows, err := db.Query(`SELECT id FROM storetest_visits ORDER BY seen_at`)
		require.NoError(t, err)
		for rows.Next() {
			var id string
			require.NoError(t, rows.Scan(&id))
			left = append(left, id)
		}
		require.NoError(t, rows.Err())
		rows.Close()
		assert.NotContains(t, left, want, "batch %d deletes %s", i+1, want)
		assert.Len(t, left, 3-i, "batch %d deletes exactly one row: %s", i+1, fmt.Sprint(left))
	}
}

// TestAPartitionedTableIsWrittenBackByKey pins the same for a Go
// operator: its batch is written back record by record by key, not by
// ctid, so each row gets its own value and no row of another partition is
// touched.
func TestAPartitionedTableIsWrittenBackByKey(t *testing.T) {
	ctx := context.Background()
	s, db, seen := partitioned(t)
	now := seen.Add(time.Hour)
	res, err := s.Process(ctx, store.Batch{
		Selection: store.Selection{Dataset: storetest.Visits, Bounds: []store.Bound{{Column: "seen_at", Cutoff: now}}, Now: now, Limit: 3},
		Action: store.Action{Transform: []string{"ip"}, Apply: func(r store.Record) (map[string]any, error) {
			return map[string]any{"ip": "masked " + r.Key}, nil
		}},
		Audit: func(_ []store.Record, n int) (audit.Entry, error) {
			return audit.Entry{Time: now, Action: "anonymize", Dataset: storetest.Visits, Rule: "r", Count: n}, nil
		},
	})
	require.NoError(t, err)
	require.Equal(t, 3, res.Count)
	got := map[string]string{}
	rows, err := db.Query(`SELECT id, ip FROM storetest_visits`)
	require.NoError(t, err)
	for rows.Next() {
		var id, ip string
		require.NoError(t, rows.Scan(&id, &ip))
		got[id] = ip
	}
	require.NoError(t, rows.Err())
	rows.Close()
	assert.Equal(t, map[string]string{"a-1": "masked a-1", "b-1": "masked b-1", "a-2": "masked a-2", "b-2": "198.51.100.7"}, got)
}
