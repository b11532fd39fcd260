package pgstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/internal/sqldriver"
	"github.com/frist-go/frist/store/internal/sqltest"
	"github.com/frist-go/frist/store/pgstore"
	"github.com/frist-go/frist/store/storetest"
)

// TestATimestampWithoutZoneIsRefusedUnlessTheZoneIsDeclared pins that New
// does not guess the zone of wall-clock values, and reads them in the
// declared one. Read as UTC, a column filled under session TimeZone
// America/Los_Angeles was deleted up to eight hours early (checked: with
// the zone check removed New accepted the column, and with the declared
// zone ignored all four rows were deleted, the one written at 11:00 Los
// Angeles time seven hours early).
func TestATimestampWithoutZoneIsRefusedUnlessTheZoneIsDeclared(t *testing.T) {
	ctx := context.Background()
	db := suiteTablesWith(t, "timestamp")
	decl := storetest.Declaration()
	if _, err := pgstore.New(db, decl, nil); assert.Error(t, err, "New must refuse a timestamp without time zone without a declared zone") {
		for _, want := range []string{`dataset "bookings", time column "booked_at"`, "timestamp without time zone", "declare the zone"} {
			assert.Contains(t, err.Error(), want)
		}
	}

	decl.Datasets[0].Time[0].Zone = "America/Los_Angeles"
	st, err := pgstore.New(db, decl, nil)
	require.NoError(t, err)
	defer st.Close()
	// The application writes under its session's zone: the instant
	// 19:00 UTC is stored as 11:00.
	conn, err := db.Conn(ctx)
	require.NoError(t, err)
	_, err = conn.ExecContext(ctx, "SET TimeZone = 'America/Los_Angeles'")
	require.NoError(t, err)
	at := map[int]time.Time{1: storetest.T0.Add(-time.Second), 2: storetest.T0, 3: storetest.T0.Add(time.Second), 4: storetest.T0.Add(7 * time.Hour)}
	for id, tm := range at {
		_, err := conn.ExecContext(ctx, `INSERT INTO storetest_bookings (id, booked_at) VALUES ($1, CAST($2 AS timestamptz))`, id, tm.Format(time.RFC3339))
		require.NoError(t, err)
	}
	_, err = conn.ExecContext(ctx, "RESET TimeZone")
	require.NoError(t, err)
	require.NoError(t, conn.Close())

	sel := store.Selection{Dataset: storetest.Bookings, Bounds: []store.Bound{{Column: "booked_at", Cutoff: storetest.T0}}, Now: storetest.T0}
	free, _, err := st.Count(ctx, sel)
	require.NoError(t, err)
	assert.Equal(t, 2, free, "Count: the rows at 03:59:59 and 04:00 Los Angeles time are due at 12:00 UTC")
	next, ok, err := st.Earliest(ctx, store.Selection{Dataset: storetest.Bookings, Now: storetest.T0}, "booked_at", storetest.T0)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, storetest.T0.Add(time.Second), next, "Earliest reads the wall-clock value in the declared zone")
	res, err := st.Process(ctx, store.Batch{Selection: sel, Action: store.Action{Delete: true},
		Audit: func(_ []store.Record, n int) (audit.Entry, error) {
			return audit.Entry{Time: storetest.T0, Action: "delete", Dataset: storetest.Bookings, Count: n}, nil
		}})
	require.NoError(t, err)
	var left []int
	rows, err := db.Query(`SELECT id FROM storetest_bookings ORDER BY id`)
	require.NoError(t, err)
	defer rows.Close()
	for rows.Next() {
		var id int
		require.NoError(t, rows.Scan(&id))
		left = append(left, id)
	}
	assert.Equal(t, []int{3, 4}, left, "only the rows due at the cutoff are deleted; the one written at 11:00 Los Angeles time is not due for seven hours")
	assert.Equal(t, 2, res.Count)
}

// TestNewRefusesAFormatTheColumnTypeCannotHold pins that New names the
// dataset, the time column and the type when the declared format does not
// fit the column: a text column read as timestamps compared its text with
// a cutoff in another form (checked: with the pairing accepted, New
// returns no error).
func TestNewRefusesAFormatTheColumnTypeCannotHold(t *testing.T) {
	for _, tc := range []struct{ typ, format, want string }{
		{"text", "timestamp", `a text column cannot hold format timestamp`},
		{"bigint", "timestamp", `a bigint column cannot hold format timestamp`},
		{"timestamptz", "unix", `a timestamp with time zone column cannot hold format unix`},
	} {
		t.Run(tc.typ+"/"+tc.format, func(t *testing.T) {
			db := suiteTablesWith(t, tc.typ)
			decl := storetest.Declaration()
			decl.Datasets[0].Time[0].Format = policy.TimeFormat(tc.format)
			_, err := pgstore.New(db, decl, nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), `dataset "bookings", time column "booked_at"`)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// suiteTablesWith creates the conformance suite's tables in a fresh schema,
// with booked_at of type typ.
func suiteTablesWith(t *testing.T, typ string) *sql.DB {
	t.Helper()
	db := openSchema(t)
	for _, tb := range storetest.Tables() {
		var cols []string
		for _, c := range tb.Columns {
			ct := sqltest.ColumnType(sqltest.Postgres, string(c.Type), c.Key)
			if c.Name == "booked_at" {
				ct = typ
			}
			cols = append(cols, sqldriver.Quote(c.Name)+" "+ct)
		}
		_, err := db.Exec(fmt.Sprintf("CREATE TABLE %s (%s)", sqldriver.Quote(tb.Name), strings.Join(cols, ", ")))
		require.NoError(t, err)
	}
	return db
}
