package main

import (
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPlanCountsDeadRowsAndRunVacuumRemovesThemOnPostgreSQL: the rows a
// sweep deletes stay in the table's files as dead row versions, which
// frist plan reports, until frist run --vacuum vacuums the tables it
// processed.
//
// Seen to fail: with --vacuum not handed to the store (pgstore.VacuumOff
// in openDatabaseWith), the access log's vacuum_count stayed 0 after the
// run.
//
// It runs in a database of its own: in the shared one, the open
// transactions of tests running in parallel keep VACUUM from removing the
// deleted rows, and the test failed there now and then with 140 dead row
// versions left.
func TestPlanCountsDeadRowsAndRunVacuumRemovesThemOnPostgreSQL(t *testing.T) {
	url := postgresJobcenterDBAt(t, postgresOwnDatabase(t))
	keys := keyFile(t)
	db, err := sql.Open("pgx", url)
	require.NoError(t, err)
	defer db.Close()
	// Sweep once without vacuum: frist's tables are created, and the
	// access log's old lines deleted.
	old := time.Now().AddDate(0, 0, -10)
	for i := 1; i <= 50; i++ {
		_, err := db.Exec(`INSERT INTO access_log (id, requested_at, ip, user_agent, path) VALUES ($1, $2, '192.0.2.1', 'Mozilla/5.0', '/')`, i, old)
		require.NoError(t, err)
	}
	code, _, errs := runCLI("run", jobcenterFile, "--db", url, "--keys", keys, "--once")
	require.Equal(t, exitOK, code, errs)

	dead := func() int64 {
		var p planJSON
		var out string
		// The statistics arrive a moment after the transaction.
		for try := 0; try < 40; try++ {
			code, o, errs := runCLI("plan", jobcenterFile, "--db", url, "--format", "json")
			require.Equal(t, exitOK, code, errs)
			out = o
			require.NoError(t, jsonUnmarshal(out, &p))
			if p.DeadTuples["access_log"] > 0 {
				break
			}
			time.Sleep(250 * time.Millisecond)
		}
		return p.DeadTuples["access_log"]
	}
	require.Positive(t, dead(), "the deleted access-log lines are dead row versions until VACUUM")
	code, out, _ := runCLI("plan", jobcenterFile, "--db", url)
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "Dead row versions (deleted or overwritten data still in the table's files until VACUUM")

	for i := 51; i <= 60; i++ {
		_, err := db.Exec(`INSERT INTO access_log (id, requested_at, ip, user_agent, path) VALUES ($1, $2, '192.0.2.1', 'Mozilla/5.0', '/')`, i, old)
		require.NoError(t, err)
	}
	vacuums := func() int64 {
		var n int64
		require.NoError(t, db.QueryRow(`SELECT vacuum_count FROM pg_stat_user_tables WHERE relid = to_regclass('access_log')`).Scan(&n))
		return n
	}
	before := vacuums()
	code, _, errs = runCLI("run", jobcenterFile, "--db", url, "--keys", keys, "--once", "--vacuum", "plain")
	require.Equal(t, exitOK, code, errs)
	// vacuum_count counts the VACUUMs run by hand (not autovacuum's), and
	// VACUUM reports it at once. n_dead_tup is no proof either way: the
	// deleting connection's statistics may reach the server only when the
	// command closes it, after the VACUUM that removed the rows.
	assert.Greater(t, vacuums(), before, "the run vacuumed the table it processed")
}

// TestPlanCountsDeadRowsOfFristsOwnTablesAndRunVacuumsThem: consent proof
// that a run expires leaves dead row versions in frist_consent_events,
// which frist plan reports as it reports the application's tables', and a
// run with --vacuum vacuums that table after its records keepers deleted
// from it, though no rule processed a record of the application.
//
// Seen to fail: with plan reading only the datasets' tables (as before),
// frist_consent_events was never reported; with the engine purging only
// after batches on the application's tables, the run with --vacuum left
// vacuum_count of frist_consent_events at 0.
func TestPlanCountsDeadRowsOfFristsOwnTablesAndRunVacuumsThem(t *testing.T) {
	url := postgresJobcenterDBAt(t, postgresOwnDatabase(t))
	keys := keyFile(t)
	db, err := sql.Open("pgx", url)
	require.NoError(t, err)
	defer db.Close()
	code, _, errs := runCLI("run", jobcenterFile, "--db", url, "--keys", keys, "--once")
	require.Equal(t, exitOK, code, errs)
	// Consents withdrawn in 2020: their proof is kept three years from
	// the end of that year, and the next run deletes it.
	seed := func(from, n int) {
		for i := from; i < from+n; i++ {
			for j, kind := range []string{"granted", "withdrawn"} {
				_, err := db.Exec(`INSERT INTO frist_consent_events (id, subject, purpose, kind, at, version, text_sha256, method, actor,
guardian_relation, guardian_verification, evidence, reason, reference, erased)
VALUES ($1, $2, 'booking', $3, $4, '2024-01', 'abc', 'web_form', 'subject', '', '', '', '', '', false)`,
					fmt.Sprintf("01900000-0000-7000-8000-%06d%06d", i, j), fmt.Sprintf("old-%03d@zzyzx.example", i), kind,
					time.Date(2020, 3, 1, 9, j, 0, 0, time.UTC))
				require.NoError(t, err)
			}
		}
	}
	countEvents := func() int {
		var n int
		require.NoError(t, db.QueryRow(`SELECT COUNT(*) FROM frist_consent_events`).Scan(&n))
		return n
	}
	// 40 dead rows stay below autovacuum's threshold of 50, so that it
	// does not remove them before plan counts them.
	seed(0, 20)
	code, _, errs = runCLI("run", jobcenterFile, "--db", url, "--keys", keys, "--once")
	require.Equal(t, exitOK, code, errs)
	require.Zero(t, countEvents(), "the run expired the old consent proof")

	var p planJSON
	for try := 0; try < 40; try++ {
		code, out, errs := runCLI("plan", jobcenterFile, "--db", url, "--format", "json")
		require.Equal(t, exitOK, code, errs)
		require.NoError(t, jsonUnmarshal(out, &p))
		if p.OwnDeadTuples["frist_consent_events"] > 0 {
			break
		}
		time.Sleep(250 * time.Millisecond) // the statistics arrive a moment after the transaction
	}
	require.Positive(t, p.OwnDeadTuples["frist_consent_events"], "the expired events are dead row versions until VACUUM")
	code, out, _ := runCLI("plan", jobcenterFile, "--db", url)
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "frist_consent_events (frist's own records): ")

	vacuums := func() int64 {
		var n int64
		require.NoError(t, db.QueryRow(`SELECT vacuum_count FROM pg_stat_all_tables WHERE relid = to_regclass('frist_consent_events')`).Scan(&n))
		return n
	}
	before := vacuums()
	seed(100, 10)
	code, _, errs = runCLI("run", jobcenterFile, "--db", url, "--keys", keys, "--once", "--vacuum", "plain")
	require.Equal(t, exitOK, code, errs)
	require.Zero(t, countEvents())
	assert.Greater(t, vacuums(), before, "the run vacuumed frist_consent_events after expiring its records")
}
