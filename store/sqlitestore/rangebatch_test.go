package sqlitestore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/sqlitestore"
	"github.com/frist-go/frist/store/storetest"
)

// TestRangeBatchesEndExactlyAtTheirLastRecord pins that a limited batch
// takes exactly Limit records when several share its last record's time,
// in a DATETIME column holding text the application wrote itself in
// SQLite's own CURRENT_TIMESTAMP form ("2024-01-02 03:04:05"). The driver
// reads such a column as a time.Time and would bind it back in another
// form ("... +0000 UTC"), which compares differently: the batch's end is
// read and bound as the stored text.
func TestRangeBatchesEndExactlyAtTheirLastRecord(t *testing.T) {
	ctx := context.Background()
	decl := storetest.Declaration()
	db := openDB(t, recommendedDSN)
	for _, stmt := range []string{
		`CREATE TABLE storetest_bookings (id INTEGER PRIMARY KEY, citizen_id TEXT, booked_at DATETIME, starts_unix BIGINT,
			cancelled_ms BIGINT, anonymized_at DATETIME, name TEXT, email TEXT, client_ip TEXT, note TEXT)`,
		`CREATE INDEX storetest_bookings_booked ON storetest_bookings (booked_at, id)`,
		`CREATE TABLE storetest_visits (id TEXT PRIMARY KEY, seen_at TEXT, ip TEXT, user_agent TEXT)`,
	} {
		_, err := db.Exec(stmt)
		require.NoError(t, err)
	}
	// Seven bookings: ids 1-3 at 10:00:00, 4-6 at 10:00:01, 7 at 10:00:02,
	// inserted in reverse so that rowid and time order differ.
	for id := 7; id >= 1; id-- {
		at := fmt.Sprintf("2024-01-02 10:00:%02d", (id-1)/3)
		_, err := db.Exec(`INSERT INTO storetest_bookings (id, citizen_id, booked_at) VALUES (?, ?, ?)`, id, fmt.Sprint(1000+id), at)
		require.NoError(t, err)
	}
	s, err := sqlitestore.New(db, decl, nil)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })

	now := time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)
	b := store.Batch{
		Selection: store.Selection{Dataset: storetest.Bookings, Bounds: []store.Bound{{Column: "booked_at", Cutoff: now}}, Now: now, Limit: 2},
		Action:    store.Action{Delete: true},
		Audit: func(_ []store.Record, n int) (audit.Entry, error) {
			return audit.Entry{Time: now, Action: "delete", Dataset: storetest.Bookings, Rule: "r", Count: n}, nil
		},
	}
	for i, want := range [][]string{{"1", "2"}, {"3", "4"}, {"5", "6"}, {"7"}, nil} {
		res, err := s.Process(ctx, b)
		require.NoError(t, err)
		var got []string
		for _, r := range res.Processed {
			got = append(got, r.Key)
		}
		assert.Equal(t, want, got, "batch %d of two records in (booked_at, id) order", i+1)
	}
}
