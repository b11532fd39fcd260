package metrics_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/metrics"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store/sqlitestore"
	_ "modernc.org/sqlite"
)

// TestUnreadableTimeValuesAreCountedAtEverySweep pins the counter an
// operator alerts on when records can never be processed because their
// time value cannot be read: it rises by their number at every sweep.
// Without the engine reporting them (checked by leaving out the
// observer call) the counter stays absent and the test fails.
func TestUnreadableTimeValuesAreCountedAtEverySweep(t *testing.T) {
	ctx := context.Background()
	d, err := policy.Load(strings.NewReader(decl), "decl.yaml")
	require.NoError(t, err)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "app.db")+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=secure_delete(1)")
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec(`CREATE TABLE appointments (id INTEGER PRIMARY KEY, starts_at DATETIME, email TEXT)`)
	require.NoError(t, err)
	_, err = db.Exec(`INSERT INTO appointments VALUES (1, '2025-01-01 10:00:00', 'a@example.org'), (2, '03/10/2025', 'b@example.org'), (3, '', 'c@example.org')`)
	require.NoError(t, err)
	st, err := sqlitestore.New(db, d, nil)
	require.NoError(t, err)
	reg := prometheus.NewRegistry()
	o, err := metrics.New(reg)
	require.NoError(t, err)
	ring, err := anonymize.NewKeyRing(anonymize.Key{ID: "k1", Secret: []byte("0123456789abcdef0123456789abcdef")})
	require.NoError(t, err)
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	eng, err := retention.New(d, st, &retention.Options{AuditKey: ring, Observer: o, Now: func() time.Time { return now }})
	require.NoError(t, err)
	for range 2 {
		rep, err := eng.Sweep(ctx)
		require.NoError(t, err)
		assert.Equal(t, 2, rep.Unreadable())
	}
	assert.Contains(t, scrape(t, reg), `frist_unreadable_time_values_total{column="appointment_at",dataset="appointment",rule="delete_after_14d_appointment_at"} 4`)
	var left int
	require.NoError(t, db.QueryRow(`SELECT COUNT(*) FROM appointments`).Scan(&left))
	assert.Equal(t, 2, left, "the valid due appointment is deleted, the unreadable ones stay")
}
