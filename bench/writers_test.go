package bench

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/sqlitestore"
)

// writersDue is how many due rows the writer benchmark sweeps.
const writersDue = 300_000

// BenchmarkWriterWait measures, on SQLite, how long frist's writers wait
// for the write lock while a sweep of 300k due rows runs: one after the
// other, 5 ms apart, a writer places a hold (the hold and its audit entry),
// stores a consent grant and a withdrawal, and records each call's wait.
// In the same run it records when each batch of the sweep committed; the
// time between two commits is one batch (its statements, its commit and
// the pause before the next). It reports:
//
//   - worst-wait-ms: the longest wait of a write that began and ended
//     while batches were still committing;
//   - batch-ms: the longest batch;
//   - wait-vs-batch: worst-wait-ms / batch-ms, the guarantee "a writer
//     waits at most one batch" as a number (a write that meets a batch
//     waits for the rest of it and then commits itself, so about 1; a
//     hold is two writes);
//   - after-ms: the longest wait of a write that began during the batches
//     and ended after the last (the checkpoint that ends a sweep holds the
//     lock too);
//   - writes: how many writes committed during the batches, per run.
//
// delete sweeps with a delete rule, mask with ip_mask (a Go operator),
// both with the engine's defaults (batches of 1000 growing to what takes
// half the 100 ms budget). same-store writes through the sweeping engine's
// store, as an application that shares one store does; other-db through
// a store on a second *sql.DB, as another process would; app inserts rows
// of the application's own with plain autocommit INSERTs on a second
// *sql.DB, which wait in SQLite's busy handler (busy-errors counts those
// that failed with SQLITE_BUSY after the 5 s busy_timeout).
func BenchmarkWriterWait(b *testing.B) {
	for _, mask := range []bool{false, true} {
		for _, writer := range []string{"same-store", "other-db", "app"} {
			name := map[bool]string{false: "delete", true: "mask"}[mask] + "/" + writer
			b.Run(name, func(b *testing.B) {
				bk := openSQLite(b)
				const table = "access_log"
				bk.seed(b, table, writersDue, writersDue)
				decl := writersDeclaration(b, table, mask)
				restore := func() {
					if mask {
						bk.exec(b, fmt.Sprintf("UPDATE %s SET ip = '192.0.2.' || ((id - 1) %% 250), masked_at = NULL", table))
					} else {
						bk.insert(b, table, 0, writersDue, writersDue)
					}
					bk.exec(b, "DELETE FROM frist_holds")
					bk.settle(b, table)
				}
				st, err := bk.open(decl)
				if err != nil {
					b.Fatal(err)
				}
				wst, app := st, (*sql.DB)(nil)
				if writer != "same-store" {
					db, err := sql.Open("sqlite", bk.dsn)
					if err != nil {
						b.Fatal(err)
					}
					b.Cleanup(func() { db.Close() })
					if wst, err = sqlitestore.New(db, decl, nil); err != nil {
						b.Fatal(err)
					}
					if writer == "app" {
						app = db
						bk.exec(b, "CREATE TABLE IF NOT EXISTS bookings (id INTEGER PRIMARY KEY, at BIGINT)")
					}
				}
				var all writerRun
				b.ResetTimer()
				for i := range b.N {
					var r writerRun
					r.measure(b, decl, st, wst, app)
					all.add(r)
					b.StopTimer()
					if i < b.N-1 {
						restore()
					}
					b.StartTimer()
				}
				b.StopTimer()
				all.report(b)
			})
		}
	}
}

// writerRun is what one sweep with writers showed.
type writerRun struct {
	worst, after, batch time.Duration
	writes, busy        int
}

func (r *writerRun) add(o writerRun) {
	r.worst, r.after, r.batch = max(r.worst, o.worst), max(r.after, o.after), max(r.batch, o.batch)
	r.writes += o.writes
	r.busy += o.busy
}

func (r *writerRun) report(b *testing.B) {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(r.worst), "worst-wait-ms")
	b.ReportMetric(ms(r.batch), "batch-ms")
	b.ReportMetric(float64(r.worst)/float64(r.batch), "wait-vs-batch")
	b.ReportMetric(ms(r.after), "after-ms")
	b.ReportMetric(float64(r.writes)/float64(b.N), "writes")
	b.ReportMetric(float64(r.busy)/float64(b.N), "busy-errors")
}

// measure runs one sweep on st with a writer on wst beside it, or when
// app is set, an application's writer inserting rows on app with a plain
// autocommit INSERT; the application's writes that fail (SQLITE_BUSY) are
// counted, frist's fail the benchmark.
func (r *writerRun) measure(b *testing.B, decl *policy.Declaration, st, wst store.Driver, app *sql.DB) {
	ctx := context.Background()
	ring, err := anonymize.NewKeyRing(anonymize.Key{ID: "bench", Secret: []byte("bench-audit-key-0123456789abcdef")})
	if err != nil {
		b.Fatal(err)
	}
	now := func() time.Time { return sweepAt }
	commits := &commitTimes{}
	sweeper, err := retention.New(decl, st, &retention.Options{Now: now, AuditKey: ring, Observer: commits})
	if err != nil {
		b.Fatal(err)
	}
	writer := sweeper
	if wst != st {
		if writer, err = retention.New(decl, wst, &retention.Options{Now: now, AuditKey: ring}); err != nil {
			b.Fatal(err)
		}
	}
	cons := wst.(store.ConsentStore)
	commits.add(time.Now())
	var sweeping atomic.Bool
	sweeping.Store(true)
	done := make(chan error, 1)
	go func() {
		rep, err := sweeper.Sweep(ctx)
		sweeping.Store(false)
		if err == nil && rep.Processed() != writersDue {
			err = fmt.Errorf("the sweep processed %d records, want %d", rep.Processed(), writersDue)
		}
		done <- err
	}()
	type wait struct{ from, to time.Time }
	var waits []wait
	for i := 0; sweeping.Load(); i++ {
		from := time.Now()
		var err error
		switch {
		case app != nil:
			if _, err := app.ExecContext(ctx, "INSERT INTO bookings (at) VALUES (?)", i); err != nil {
				r.busy++
				continue
			}
		case i%3 == 0:
			_, err = writer.PlaceHold(ctx, retention.HoldRequest{Dataset: "access_log", Key: fmt.Sprint(writersDue + 1 + i),
				Reason: store.HoldLegalClaims, Note: "Az. 1 O 1/25"})
		case i%3 == 1:
			_, err = cons.AppendConsent(ctx, store.ConsentEvent{ID: uuid.NewString(), Subject: fmt.Sprintf("s%d", i), Purpose: "newsletter",
				Kind: store.ConsentGranted, At: sweepAt, Version: "1", Method: "web_form", Actor: "subject"},
				audit.Entry{Time: sweepAt, Action: "consent.grant", Count: 1})
		default:
			_, err = cons.AppendConsent(ctx, store.ConsentEvent{ID: uuid.NewString(), Subject: fmt.Sprintf("s%d", i-1), Purpose: "newsletter",
				Kind: store.ConsentWithdrawn, At: sweepAt, Method: "link", Actor: "subject"},
				audit.Entry{Time: sweepAt, Action: "consent.withdraw", Count: 1})
		}
		if err != nil {
			b.Fatalf("write %d during the sweep, %v after it began: %v", i+1, time.Since(from), err)
		}
		waits = append(waits, wait{from, time.Now()})
		time.Sleep(5 * time.Millisecond)
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	times := commits.all()
	last := times[len(times)-1]
	for i := 1; i < len(times); i++ {
		r.batch = max(r.batch, times[i].Sub(times[i-1]))
	}
	for _, w := range waits {
		switch {
		case !w.to.After(last):
			r.worst = max(r.worst, w.to.Sub(w.from))
			r.writes++
		case w.from.Before(last):
			r.after = max(r.after, w.to.Sub(w.from))
		}
	}
}

// commitTimes records when each batch committed.
type commitTimes struct {
	retention.NopObserver
	mu sync.Mutex
	at []time.Time
}

func (c *commitTimes) add(t time.Time) {
	c.mu.Lock()
	c.at = append(c.at, t)
	c.mu.Unlock()
}

func (c *commitTimes) Processed(string, string, retention.Action, int) { c.add(time.Now()) }

func (c *commitTimes) all() []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.at)
}

// writersDeclaration is declaration's access log with a consent purpose,
// so that grants and withdrawals can be stored.
func writersDeclaration(b *testing.B, name string, mask bool) *policy.Declaration {
	b.Helper()
	y := declarationYAML(name, mask, `  - id: newsletter
    description: { de: "Newsletter", en: "Newsletter" }
    legal_basis: [6.1.a]
    consent: { version: "1", withdraw: [link] }`)
	decl, err := policy.Load(strings.NewReader(y), name+".yaml")
	if err != nil {
		b.Fatal(err)
	}
	return decl
}
