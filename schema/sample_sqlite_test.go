package schema_test

import (
	"context"
	"database/sql/driver"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"modernc.org/sqlite"

	"github.com/frist-go/frist/schema"
)

// rowsRead counts the calls of the SQL function frist_test_row_read,
// which a virtual generated column of the sampled table calls once for
// every row a statement reads.
var (
	rowsRead     atomic.Int64
	registerOnce sync.Once
)

// registerRowCounter registers frist_test_row_read for the connections
// opened after it.
func registerRowCounter() {
	registerOnce.Do(func() {
		sqlite.MustRegisterDeterministicScalarFunction("frist_test_row_read", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			rowsRead.Add(1)
			return nil, nil
		})
	})
}

// On SQLite, sampling reads at most the sample: a virtual column that
// counts every row read shows that Check read 100 rows of a table of
// 200,000 (ten million with FRIST_BIG=1, generated with a recursive CTE).
// Broken by sampling without LIMIT: the count is then the table's size.
func TestCheckSamplesAnSQLiteTableByItsSampleOnly(t *testing.T) {
	n := 200_000
	if os.Getenv("FRIST_BIG") == "1" {
		n = 10_000_000
	}
	registerRowCounter()
	db := sqliteDB(t)
	db.SetMaxOpenConns(1)
	_, err := db.Exec(`CREATE TABLE big (id INTEGER PRIMARY KEY, email TEXT)`)
	require.NoError(t, err)
	_, err = db.Exec(fmt.Sprintf(`WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < %d)
INSERT INTO big (id, email) SELECT i, 'user' || i || '@example.org' FROM c`, n))
	require.NoError(t, err)
	// Added after the rows, so generating them counts nothing.
	_, err = db.Exec(`ALTER TABLE big ADD COLUMN read_guard TEXT GENERATED ALWAYS AS (frist_test_row_read(id)) VIRTUAL`)
	require.NoError(t, err)
	rowsRead.Store(0)
	rep, err := schema.Check(context.Background(), db, schema.SQLite, loadLive(t, "7d"), &schema.CheckOptions{Sample: 100})
	require.NoError(t, err)
	assert.Equal(t, 100, rep.RowsSampled)
	assert.Equal(t, int64(100), rowsRead.Load(), "rows of the %d-row table read", n)
	t.Logf("rows in the table: %d; rows read by Check: %d; statements: %d", n, rowsRead.Load(), rep.Queries)
}
