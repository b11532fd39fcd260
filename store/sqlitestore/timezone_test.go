package sqlitestore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/internal/sqldriver"
	"github.com/frist-go/frist/store/internal/sqltest"
	"github.com/frist-go/frist/store/sqlitestore"
	"github.com/frist-go/frist/store/storetest"
)

// TestTextInADeclaredZoneIsReadAsWallClockTime pins that SQLite text
// without an offset is read in the zone the declaration gives: at 12:00
// UTC, 13:00 in Berlin is due and 13:00:01 is not; text with UTC's offset
// is read by its instant, and text with an offset Berlin never has is
// unreadable there. Read as UTC (checked by leaving the zone out of the
// cutoff and the reading), none of the three Berlin times is selected and
// Earliest is an hour off.
func TestTextInADeclaredZoneIsReadAsWallClockTime(t *testing.T) {
	ctx := context.Background()
	decl := storetest.Declaration()
	decl.Datasets[0].Time[0].Zone = "Europe/Berlin"
	db := openDB(t, recommendedDSN)
	require.NoError(t, sqltest.CreateTables(ctx, db, sqltest.SQLite, decl, sqltest.IntKey))
	st, err := sqlitestore.New(db, decl, nil)
	require.NoError(t, err)
	defer st.Close()
	for id, v := range map[int]string{1: "2026-01-10 12:59:59", 2: "2026-01-10 13:00:00", 3: "2026-01-10 13:00:01", 4: "2026-01-10 11:00:00+00:00", 5: "2026-01-10 12:00:00-05:00"} {
		_, err := db.Exec(`INSERT INTO storetest_bookings (id, booked_at) VALUES (?, ?)`, id, v)
		require.NoError(t, err)
	}
	sel := store.Selection{Dataset: storetest.Bookings, Bounds: []store.Bound{{Column: "booked_at", Cutoff: storetest.T0}}, Now: storetest.T0}
	free, _, err := st.Count(ctx, sel)
	require.NoError(t, err)
	assert.Equal(t, 3, free, "12:59:59 and 13:00 in Berlin and 11:00 UTC are at or before 12:00 UTC")
	next, ok, err := st.Earliest(ctx, store.Selection{Dataset: storetest.Bookings, Now: storetest.T0}, "booked_at", storetest.T0)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, storetest.T0.Add(time.Second), next, "13:00:01 in Berlin is 12:00:01 UTC")
	n, want, err := st.Unreadable(ctx, sel)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "text with New York's offset in a column declared in Berlin")
	assert.Contains(t, want, "Europe/Berlin")
}

// TestNewRefusesUnixTimesInATextColumn pins that New names the dataset and
// the time column when a unix column has TEXT affinity: SQLite stores
// 1740484800 there as the text '1740484800', which sorts above every
// number, so no cutoff would ever select it (checked: with textAffinity
// always false, New succeeds).
func TestNewRefusesUnixTimesInATextColumn(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, recommendedDSN)
	for _, tb := range storetest.Tables() {
		var cols []string
		for _, c := range tb.Columns {
			typ := sqltest.ColumnType(sqltest.SQLite, string(c.Type), c.Key)
			if c.Name == "starts_unix" {
				typ = "VARCHAR(20)"
			}
			cols = append(cols, sqldriver.Quote(c.Name)+" "+typ)
		}
		_, err := db.ExecContext(ctx, fmt.Sprintf("CREATE TABLE %s (%s)", sqldriver.Quote(tb.Name), strings.Join(cols, ", ")))
		require.NoError(t, err)
	}
	_, err := sqlitestore.New(db, storetest.Declaration(), nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `dataset "bookings", time column "starts_at" (column starts_unix, VARCHAR(20))`)
	assert.Contains(t, err.Error(), "declare the column INTEGER")
}
