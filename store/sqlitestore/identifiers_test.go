package sqlitestore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/internal/sqltest"
	"github.com/frist-go/frist/store/sqlitestore"
	"github.com/frist-go/frist/store/storetest"
)

// TestAnUndeclaredNameNeverBecomesAnIdentifier: the SQL layer writes only
// identifiers it took from the declaration, checked against the catalog,
// when it bound the table, and looks every name a call passes up among
// them. So a field, marker or subject the declaration lacks never becomes
// part of a statement, even when a caller breaks the promise of
// well-formed input (package store, "Well-formed input") that
// internal/storecheck keeps: the statement fails or selects by the
// declared column, and no row changes.
//
// Seen to fail: with sqldriver's where writing sqldriver.Quote(f) for a
// NotNull field the table does not know, instead of t.fields[f], the
// hostile name appeared in the count's statement.
func TestAnUndeclaredNameNeverBecomesAnIdentifier(t *testing.T) {
	ctx := context.Background()
	db := openRecording(t)
	decl := storetest.Declaration()
	require.NoError(t, sqltest.CreateTables(ctx, db, sqltest.SQLite, decl, sqltest.IntKey))
	st, err := sqlitestore.New(db, decl, nil)
	require.NoError(t, err)
	defer st.Close()
	b := &sqltest.Backend{Store: st, Decl: decl}
	require.NoError(t, b.Insert(ctx, storetest.Bookings, map[string]any{"id": int64(1), "citizen_id": int64(1001),
		"booked_at": storetest.T0.Add(-time.Hour), "client_ip": "198.51.100.7", "email": "erika@example.org"}))
	require.NoError(t, b.Insert(ctx, storetest.Visits, map[string]any{"id": "v1",
		"seen_at": storetest.T0.Add(-time.Hour).UTC().Format(time.RFC3339), "ip": "198.51.100.7"}))

	const hostile = `evil" IS NULL OR 1=1; DROP TABLE storetest_bookings; --`
	entry := audit.Entry{Time: storetest.T0, Action: "rectify", Dataset: storetest.Bookings, Count: 1}
	audited := func([]store.Record, int) (audit.Entry, error) { return entry, nil }
	bookings := store.Selection{Dataset: storetest.Bookings, Now: storetest.T0}
	visits := store.Selection{Dataset: storetest.Visits, Now: storetest.T0}
	calls := map[string]func() error{
		"Count by an undeclared NotNull field": func() error {
			sel := bookings
			sel.NotNull = []string{hostile}
			_, _, err := st.Count(ctx, sel)
			return err
		},
		"Count by an undeclared marker": func() error {
			sel := visits
			sel.Marker = hostile
			_, _, err := st.Count(ctx, sel)
			return err
		},
		"Count by a subject where there is no subject column": func() error {
			sel := visits
			sel.Subject = hostile
			_, _, err := st.Count(ctx, sel)
			return err
		},
		"Process nulling an undeclared field": func() error {
			_, err := st.Process(ctx, store.Batch{Selection: bookings, Action: store.Action{Null: []string{hostile}}, Audit: audited})
			return err
		},
		"Process setting an undeclared marker": func() error {
			_, err := st.Process(ctx, store.Batch{Selection: visits, Action: store.Action{SetMarker: hostile}, Audit: audited})
			return err
		},
		"Process transforming an undeclared field": func() error {
			_, err := st.Process(ctx, store.Batch{Selection: bookings, Action: store.Action{Transform: []string{hostile},
				Apply: func(store.Record) (map[string]any, error) { return map[string]any{hostile: "x"}, nil }}, Audit: audited})
			return err
		},
		"Records of an undeclared field": func() error {
			_, err := st.Records(ctx, storetest.Bookings, "1001", []string{hostile})
			return err
		},
		"SubjectsByField of an undeclared field": func() error {
			_, err := st.SubjectsByField(ctx, storetest.Bookings, hostile, "x")
			return err
		},
		"UpdateFields of an undeclared field": func() error {
			_, err := st.UpdateFields(ctx, storetest.Bookings, "1", "1001", map[string]any{hostile: "x"}, entry)
			return err
		},
	}
	for name, call := range calls {
		_ = call() // the promise is broken: an error or a count by a declared column, never SQL of the caller's
		for _, q := range recorded() {
			require.NotContains(t, q, "evil", "%s: a name the declaration lacks became part of a statement", name)
		}
	}
	assert.Contains(t, strings.Join(recorded(), "\n"), "SELECT COUNT(*), COALESCE(SUM(CASE WHEN", "the counts' statements were recorded")
	var rows, ips int
	require.NoError(t, db.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(client_ip) FROM storetest_bookings`).Scan(&rows, &ips))
	assert.Equal(t, 1, rows, "the booking is still there")
	assert.Equal(t, 1, ips, "its address is unchanged")
	var seen string
	require.NoError(t, db.QueryRowContext(ctx, `SELECT ip FROM storetest_visits`).Scan(&seen))
	assert.Equal(t, "198.51.100.7", seen, "the visit is unchanged")
}
