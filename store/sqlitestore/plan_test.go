package sqlitestore_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/internal/sqltest"
	"github.com/frist-go/frist/store/sqlitestore"
	"github.com/frist-go/frist/store/storetest"
)

// recorder is a database/sql driver over modernc.org/sqlite that records
// every statement prepared on its connections.
type recorder struct {
	inner driver.Driver
	mu    sync.Mutex
	stmts []string
}

func (r *recorder) Open(name string) (driver.Conn, error) {
	c, err := r.inner.Open(name)
	if err != nil {
		return nil, err
	}
	return &recordingConn{Conn: c, r: r}, nil
}

// recordingConn offers only driver.Conn, so database/sql prepares every
// statement through Prepare.
type recordingConn struct {
	driver.Conn
	r *recorder
}

func (c *recordingConn) Prepare(q string) (driver.Stmt, error) {
	c.r.mu.Lock()
	c.r.stmts = append(c.r.stmts, q)
	c.r.mu.Unlock()
	return c.Conn.Prepare(q)
}

var (
	recording     = &recorder{}
	recordingOnce sync.Once
)

// openRecording opens a fresh database file whose connections record
// every statement in recording, and starts the record afresh.
func openRecording(t *testing.T) *sql.DB {
	t.Helper()
	recordingOnce.Do(func() {
		db, err := sql.Open("sqlite", "")
		require.NoError(t, err)
		recording.inner = db.Driver()
		_ = db.Close()
		sql.Register("sqlite-recording", recording)
	})
	db, err := sql.Open("sqlite-recording", "file:"+filepath.Join(t.TempDir(), "app.db")+recommendedDSN)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	recording.mu.Lock()
	recording.stmts = nil
	recording.mu.Unlock()
	return db
}

// recorded returns the statements recorded since openRecording.
func recorded() []string {
	recording.mu.Lock()
	defer recording.mu.Unlock()
	return slices.Clone(recording.stmts)
}

// TestSweepStatementsReadOnlyTheTimeIndexRange checks with EXPLAIN QUERY
// PLAN that every statement a sweep, a count, Earliest and Unreadable run
// on a table reaches its rows through a range of the time column's index
// (SEARCH), never by reading the table or the whole index (SCAN): the
// lower end and the validity test keep a sweep's cost to its due records
// (docs/DESIGN.md, "Sweeps cost what is due"). It fails when the lower end
// is written so that SQLite cannot use it (checked with a unary plus on
// the column in the range condition: "SCAN t").
//
// It runs with booked_at in UTC and declared in Europe/Berlin, whose
// values may carry offsets: the widened range and the test of each value's
// instant must keep to the index as well (checked by writing the instant
// test as an OR with the range's upper end: "SCAN t").
func TestSweepStatementsReadOnlyTheTimeIndexRange(t *testing.T) {
	for _, zone := range []string{"", "Europe/Berlin"} {
		t.Run("zone="+zone, func(t *testing.T) { sweepStatementsReadOnlyTheTimeIndexRange(t, zone) })
	}
}

func sweepStatementsReadOnlyTheTimeIndexRange(t *testing.T, zone string) {
	ctx := context.Background()
	db := openRecording(t)
	decl := storetest.Declaration()
	decl.Datasets[0].Time[0].Zone = zone
	require.NoError(t, sqltest.CreateTables(ctx, db, sqltest.SQLite, decl, sqltest.IntKey))
	st, err := sqlitestore.New(db, decl, nil)
	require.NoError(t, err)
	defer st.Close()
	b := &sqltest.Backend{Store: st, Decl: decl}
	for i := range 200 {
		require.NoError(t, b.Insert(ctx, storetest.Bookings, map[string]any{"id": int64(i + 1),
			"booked_at": storetest.T0.Add(time.Duration(i-100) * time.Hour), "starts_unix": storetest.T0.Add(time.Duration(i-100) * time.Hour).Unix(),
			"client_ip": "192.0.2.1"}))
		require.NoError(t, b.Insert(ctx, storetest.Visits, map[string]any{"id": "v" + string(rune('a'+i%26)) + strings.Repeat("x", i/26),
			"seen_at": storetest.T0.Add(time.Duration(i-100) * time.Hour).UTC().Format(time.RFC3339), "ip": "192.0.2.1"}))
	}
	_, err = db.Exec("ANALYZE")
	require.NoError(t, err)

	recording.mu.Lock()
	recording.stmts = nil
	recording.mu.Unlock()
	auditAs := func(ds string) func([]store.Record, int) (audit.Entry, error) {
		return func(_ []store.Record, n int) (audit.Entry, error) {
			return audit.Entry{Time: storetest.T0, Action: "delete", Dataset: ds, Count: n}, nil
		}
	}
	for _, c := range []struct{ dataset, column string }{{storetest.Bookings, "booked_at"}, {storetest.Bookings, "starts_at"}, {storetest.Visits, "seen_at"}} {
		sel := store.Selection{Dataset: c.dataset, Bounds: []store.Bound{{Column: c.column, Cutoff: storetest.T0}}, Now: storetest.T0, Limit: 10}
		_, _, err := st.Count(ctx, sel)
		require.NoError(t, err)
		_, _, err = st.Earliest(ctx, sel, c.column, time.Time{})
		require.NoError(t, err)
		_, _, err = st.Unreadable(ctx, sel)
		require.NoError(t, err)
		if c.dataset == storetest.Bookings {
			mark := store.Batch{Selection: sel, Action: store.Action{Null: []string{"ip"}, SetMarker: "anonymized_at"}, Audit: auditAs(c.dataset)}
			mark.Marker = "anonymized_at"
			res, err := st.Process(ctx, mark)
			require.NoError(t, err)
			mark.After = res.Next
			_, err = st.Process(ctx, mark)
			require.NoError(t, err)
		}
		_, err = st.Process(ctx, store.Batch{Selection: sel, Action: store.Action{Delete: true}, Audit: auditAs(c.dataset)})
		require.NoError(t, err)
	}

	recording.mu.Lock()
	stmts := recording.stmts
	recording.mu.Unlock()
	checked := 0
	for _, q := range stmts {
		col := ""
		for _, c := range []string{`t."booked_at" >= `, `t."starts_unix" >= `, `t."seen_at" >= `, `t."booked_at" < `, `t."starts_unix" < `, `t."seen_at" < `} {
			if strings.Contains(q, c) {
				col = strings.Fields(c)[0]
				break
			}
		}
		if col == "" || strings.HasPrefix(q, "EXPLAIN") {
			continue
		}
		checked++
		rows, err := db.Query("EXPLAIN QUERY PLAN "+q, make([]any, strings.Count(q, "?"))...)
		require.NoError(t, err, q)
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
			plan = append(plan, detail)
		}
		require.NoError(t, rows.Err())
		rows.Close()
		index := strings.Trim(strings.TrimPrefix(col, "t."), `"`)
		for _, d := range plan {
			if strings.HasPrefix(d, "SCAN t") || strings.HasPrefix(d, "SEARCH t ") && !strings.Contains(d, index) {
				t.Errorf("a statement selecting by %s must search a range of its index, but its plan has %q:\n%s\nplan: %s", index, d, q, strings.Join(plan, " | "))
			}
		}
	}
	require.GreaterOrEqual(t, checked, 15, "the statements of Count, Earliest, Unreadable and Process were recorded")
}
