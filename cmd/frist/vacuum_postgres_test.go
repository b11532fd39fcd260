package main

import (
	"database/sql"
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
// Seen to fail: with --vacuum not handed to the store (dbOptions ignored
// in openDatabaseWith), the access log's dead rows were still counted
// after the run.
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
	code, _, errs = runCLI("run", jobcenterFile, "--db", url, "--keys", keys, "--once", "--vacuum", "plain")
	require.Equal(t, exitOK, code, errs)
	var n int64
	require.NoError(t, db.QueryRow(`SELECT n_dead_tup FROM pg_stat_user_tables WHERE relid = to_regclass('access_log')`).Scan(&n))
	assert.Zero(t, n, "the run vacuumed the table it processed")
}
