package sqlitestore

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"

	"github.com/frist-go/frist/store/internal/sqldriver"
)

// TestParametersBindWhereTheyStand pins that a statement's parameters
// bind by number: a clause built first and written last still gets its
// own argument, and one placeholder used twice binds one argument twice,
// so the order in which a statement's clauses are built and joined cannot
// bind a value to another clause.
//
// Broken on purpose to see it fail: with Placeholder returning a bare "?"
// (as before), the first query read "first" for the column it wrote
// second.
func TestParametersBindWhereTheyStand(t *testing.T) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "bind.db"))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })

	bd := sqldriver.NewBuilder(&writeLock{})
	first := bd.Arg("first")
	second := bd.Arg("second")
	var a, b string
	require.NoError(t, db.QueryRow("SELECT "+second+", "+first, bd.Args()...).Scan(&a, &b))
	require.Equal(t, "second", a)
	require.Equal(t, "first", b)

	bd = sqldriver.NewBuilder(&writeLock{})
	p := bd.Arg(int64(7))
	var n int64
	require.NoError(t, db.QueryRow("SELECT "+p+" + "+p, bd.Args()...).Scan(&n))
	require.Equal(t, int64(14), n)
}
