package sqlitestore_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/sqlitestore"
)

// accessLogYAML binds the benchmarks' access log (bench/BENCHMARKS.md):
// an IP address masked by a Go operator seven days after created_at (Unix
// seconds), with a marker; and a consent purpose, so that grants and
// withdrawals can be stored.
const accessLogYAML = `
controller: { name: Stadt Beispiel, address: "Markt 1, 12345 Beispiel", time_zone: Europe/Berlin, public_authority: true }
dpo: { address: "Markt 1, 12345 Beispiel" }
authority: { name: LDI NRW, address: "Kavalleriestr. 2-4, 40213 Düsseldorf" }
purposes:
  - id: website
    description: { de: "Aufruf der Webseite", en: "Delivering the website" }
    legal_basis: [6.1.e]
  - id: newsletter
    description: { de: "Newsletter", en: "Newsletter" }
    legal_basis: [6.1.a]
    consent: { version: "1", withdraw: [link] }
datasets:
  - id: access_log
    table: access_log
    key: id
    marker: masked_at
    time:
      created_at: { column: created_at, format: unix }
    purposes: [website]
    fields:
      ip: { category: online_identifier }
    rules:
      - { id: mask_ip, after: 7d, from: created_at, anonymize: { ip: "ip_mask(v4=1, v6=80)" } }
`

// TestWritersWaitAtMostOneBatchDuringASweep places holds and stores
// consent grants and withdrawals, one after the other, while a sweep masks
// a large access log, and checks that each commits within a generous
// bound (2 s, twenty times the default batch budget, and well under the
// busy_timeout of 5 s) while the sweep goes on.
//
// Seen to fail, with and without the race detector, on the code before
// frist's writers took the lock between two batches: the first hold waited
// 3.7–5.7 s and the next write failed with SQLITE_BUSY. SQLite gives the
// lock to no waiter in particular, a waiting connection's busy handler
// retries only every 100 ms after the first quarter second, and the
// sweep's next BEGIN IMMEDIATE, microseconds after its last COMMIT, won
// nearly every time.
func TestWritersWaitAtMostOneBatchDuringASweep(t *testing.T) {
	t.Run("through the sweeping store", func(t *testing.T) { testWritersDuringASweep(t, false) })
	t.Run("through a store on another *sql.DB", func(t *testing.T) { testWritersDuringASweep(t, true) })
}

// testWritersDuringASweep runs the test; other makes the writer use a
// store of its own on a second *sql.DB, as another process would.
func testWritersDuringASweep(t *testing.T, other bool) {
	rows, opts := 150_000, retention.Options{}
	if raceEnabled {
		// Batches of 1000 masked records take over a second under the
		// race detector; smaller ones keep "one batch" short.
		rows, opts = 4_000, retention.Options{BatchSize: 100, MaxBatchSize: retention.DefaultMaxBatchSize}
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "app.db")
	db, err := sql.Open("sqlite", "file:"+path+recommendedDSN)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	for _, st := range []string{
		`CREATE TABLE access_log (id INTEGER PRIMARY KEY, created_at BIGINT NOT NULL, ip TEXT, masked_at DATETIME)`,
		`CREATE INDEX access_log_created ON access_log (created_at, id)`,
		fmt.Sprintf(`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < %d)
INSERT INTO access_log (id, created_at, ip) SELECT x, 946684800 + x, '192.0.2.' || (x %% 250) FROM c`, rows),
		`ANALYZE access_log`,
	} {
		_, err := db.ExecContext(ctx, st)
		require.NoError(t, err, st)
	}
	decl, err := policy.Load(strings.NewReader(accessLogYAML), "access_log.yaml")
	require.NoError(t, err)
	st, err := sqlitestore.New(db, decl, nil)
	require.NoError(t, err)
	wst, weng := st, (*retention.Engine)(nil)
	if other {
		db2, err := sql.Open("sqlite", "file:"+path+recommendedDSN)
		require.NoError(t, err)
		t.Cleanup(func() { db2.Close() })
		wst, err = sqlitestore.New(db2, decl, nil)
		require.NoError(t, err)
	}
	ring, err := anonymize.NewKeyRing(anonymize.Key{ID: "k1", Secret: []byte("0123456789abcdef0123456789abcdef")})
	require.NoError(t, err)
	now := time.Date(2050, 1, 1, 0, 0, 0, 0, time.UTC)
	batches := &batchSignal{first: make(chan struct{})}
	opts.Now, opts.AuditKey, opts.Observer = func() time.Time { return now }, ring, batches
	eng, err := retention.New(decl, st, &opts)
	require.NoError(t, err)
	weng = eng
	if other {
		weng, err = retention.New(decl, wst, &retention.Options{Now: opts.Now, AuditKey: ring})
		require.NoError(t, err)
	}

	var sweeping atomic.Bool
	sweeping.Store(true)
	done := make(chan error, 1)
	go func() {
		rep, err := eng.Sweep(ctx)
		sweeping.Store(false)
		if err == nil && rep.Processed() != rows {
			err = fmt.Errorf("the sweep processed %d records, want %d", rep.Processed(), rows)
		}
		done <- err
	}()
	<-batches.first

	writes := []struct {
		name string
		do   func(i int) error
	}{
		{"place a hold", func(i int) error {
			_, err := weng.PlaceHold(ctx, retention.HoldRequest{Dataset: "access_log", Key: fmt.Sprint(rows + 1 + i), Reason: store.HoldLegalClaims, Note: "Az. 1 O 1/25"})
			return err
		}},
		{"store a grant", func(i int) error {
			_, err := wst.AppendConsent(ctx, store.ConsentEvent{ID: uuid.NewString(), Subject: fmt.Sprintf("s%d", i), Purpose: "newsletter",
				Kind: store.ConsentGranted, At: now, Version: "1", Method: "web_form", Actor: "subject"},
				audit.Entry{Time: now, Action: "consent.grant", Count: 1})
			return err
		}},
		{"store a withdrawal", func(i int) error {
			_, err := wst.AppendConsent(ctx, store.ConsentEvent{ID: uuid.NewString(), Subject: fmt.Sprintf("s%d", i-1), Purpose: "newsletter",
				Kind: store.ConsentWithdrawn, At: now, Method: "link", Actor: "subject"},
				audit.Entry{Time: now, Action: "consent.withdraw", Count: 1})
			return err
		}},
	}
	var during int
	var worst time.Duration
	for i := 0; sweeping.Load(); i++ {
		w := writes[i%len(writes)]
		start := time.Now()
		err := w.do(i)
		waited := time.Since(start)
		require.NoError(t, err, "write %d (%s) during the sweep", i+1, w.name)
		require.Less(t, waited, 2*time.Second, "write %d (%s) waited longer than twenty batch budgets", i+1, w.name)
		if sweeping.Load() {
			during++
			worst = max(worst, waited)
		}
		time.Sleep(10 * time.Millisecond) // an office clerk is fast, but not that fast
	}
	require.NoError(t, <-done)
	t.Logf("%d writes committed during the sweep of %d rows, the slowest after %v", during, rows, worst)
	assert.GreaterOrEqual(t, during, 6, "the writes committed while the sweep ran, not after it")
}

// batchSignal closes first when the first batch has committed.
type batchSignal struct {
	retention.NopObserver
	once  atomic.Bool
	first chan struct{}
}

func (b *batchSignal) Processed(string, string, retention.Action, int) {
	if b.once.CompareAndSwap(false, true) {
		close(b.first)
	}
}
