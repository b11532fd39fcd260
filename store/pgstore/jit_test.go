package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/pgstore"
	"github.com/frist-go/frist/store/storetest"
)

// TestBatchesRunWithoutJIT pins that frist's batches run with JIT
// compilation off, in the two-round-trip pipeline (a dataset without a
// subject) and in an ordinary transaction (a Go operator), and that the
// setting ends with the batch's transaction: the application's
// connections keep the server's setting. A statement trigger on the
// application's table records the setting each batch statement ran with.
// With JIT on, the last batch of a sweep over a 1M-row table spent 20 ms
// compiling a statement that ran for 3 ms (bench/BENCHMARKS.md).
func TestBatchesRunWithoutJIT(t *testing.T) {
	ctx := context.Background()
	db := openSchema(t)
	// One connection: the check after the batches reads the setting on
	// the very connection the batches ran on.
	db.SetMaxOpenConns(1)
	decl := storetest.Declaration()
	for _, stmt := range []string{
		`CREATE TABLE storetest_bookings (id bigint PRIMARY KEY, citizen_id bigint, booked_at timestamptz, starts_unix bigint,
cancelled_ms bigint, name text, email text, client_ip text, note text, service text, anonymized_at timestamptz)`,
		`CREATE TABLE storetest_visits (id text PRIMARY KEY, seen_at text, ip text, user_agent text)`,
		`CREATE TABLE jit_seen (op text, jit text)`,
		`CREATE FUNCTION note_jit() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN INSERT INTO jit_seen VALUES (TG_OP, current_setting('jit')); RETURN NULL; END $$`,
		`CREATE TRIGGER visits_jit AFTER UPDATE OR DELETE ON storetest_visits FOR EACH STATEMENT EXECUTE FUNCTION note_jit()`,
		`CREATE TRIGGER bookings_jit AFTER UPDATE OR DELETE ON storetest_bookings FOR EACH STATEMENT EXECUTE FUNCTION note_jit()`,
	} {
		_, err := db.ExecContext(ctx, stmt)
		require.NoError(t, err, stmt)
	}
	var serverJIT string
	require.NoError(t, db.QueryRowContext(ctx, `SHOW jit`).Scan(&serverJIT))
	if serverJIT != "on" {
		// The test would pass without the setting; make the server's
		// default explicit on this connection instead.
		_, err := db.ExecContext(ctx, `SET jit = on`)
		require.NoError(t, err)
	}
	seen := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	_, err := db.ExecContext(ctx, `INSERT INTO storetest_visits VALUES ('v-1', $1, '198.51.100.7', 'Mozilla/5.0')`, seen.Format(time.RFC3339))
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, `INSERT INTO storetest_bookings (id, citizen_id, booked_at, client_ip) VALUES (1, 42, $1, '198.51.100.7')`, seen)
	require.NoError(t, err)

	s, err := pgstore.New(db, decl, nil)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	now := seen.Add(30 * 24 * time.Hour)
	entry := func(dataset string) func([]store.Record, int) (audit.Entry, error) {
		return func(_ []store.Record, n int) (audit.Entry, error) {
			return audit.Entry{Time: now, Action: "anonymize", Dataset: dataset, Rule: "r", Count: n}, nil
		}
	}
	// A dataset without a subject: the pipelined batch.
	res, err := s.Process(ctx, store.Batch{
		Selection: store.Selection{Dataset: storetest.Visits, Bounds: []store.Bound{{Column: "seen_at", Cutoff: now}}, Now: now},
		Action:    store.Action{Null: []string{"ip", "user_agent"}},
		Audit:     entry(storetest.Visits),
	})
	require.NoError(t, err)
	require.Equal(t, 1, res.Count)
	// A Go operator: an ordinary transaction.
	res, err = s.Process(ctx, store.Batch{
		Selection: store.Selection{Dataset: storetest.Bookings, Bounds: []store.Bound{{Column: "booked_at", Cutoff: now}}, Marker: "anonymized_at", Now: now},
		Action: store.Action{Transform: []string{"ip"}, SetMarker: "anonymized_at",
			Apply: func(store.Record) (map[string]any, error) { return map[string]any{"ip": "198.51.100.0"}, nil }},
		Audit: entry(storetest.Bookings),
	})
	require.NoError(t, err)
	require.Equal(t, 1, res.Count)

	rows, err := db.QueryContext(ctx, `SELECT op, jit FROM jit_seen`)
	require.NoError(t, err)
	var got [][2]string
	for rows.Next() {
		var op, jit string
		require.NoError(t, rows.Scan(&op, &jit))
		got = append(got, [2]string{op, jit})
	}
	require.NoError(t, rows.Err())
	rows.Close()
	assert.Equal(t, [][2]string{{"UPDATE", "off"}, {"UPDATE", "off"}}, got, "each batch statement runs with jit = off")

	var after string
	require.NoError(t, db.QueryRowContext(ctx, `SHOW jit`).Scan(&after))
	assert.Equal(t, "on", after, "the setting ends with frist's transaction; the application's connection keeps its own")
}
