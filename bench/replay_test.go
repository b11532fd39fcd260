package bench

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/ledger"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
)

// replayErasures is the size of the ledger BenchmarkReplay replays:
// FRIST_BENCH_REPLAY, default 100,000.
func replayErasures(b *testing.B) int {
	if s := os.Getenv("FRIST_BENCH_REPLAY"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("FRIST_BENCH_REPLAY=%q is not a positive number", s)
		}
		return n
	}
	return 100_000
}

// BenchmarkReplay replays an erasure ledger of cancellations (one record
// each) after all their records were restored, on SQLite, against the
// hand-written replay in the same iteration on the same table: one
// DELETE ... WHERE id = ? per erasure, each its own transaction. frist's
// replay also reads the ledger, decrypts every entry, counts held records
// and writes an audit entry per cancellation. Reported: x-vs-raw, the
// ratio of wall time, and erasures-per-s for frist. The ledger is written
// once, before the timer, to /dev/shm when it exists (its fsyncs are setup,
// not what is measured).
func BenchmarkReplay(b *testing.B) {
	n := replayErasures(b)
	bk := openSQLite(b)
	const table = "access_log"
	bk.createTable(b, table)
	decl := cancelDeclaration(b, table)
	restore := func() {
		bk.insert(b, table, 0, n, 0)
		bk.settle(b, table)
	}
	restore()
	dir := b.TempDir()
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if d, err := os.MkdirTemp("/dev/shm", "frist-bench-"); err == nil {
			dir = d
			b.Cleanup(func() { os.RemoveAll(d) })
		}
	}
	ring, err := anonymize.NewKeyRing(anonymize.Key{ID: "l1", Secret: []byte("bench-ledger-key-0123456789abcdef")})
	if err != nil {
		b.Fatal(err)
	}
	led, err := ledger.Open(filepath.Join(dir, "erasures.jsonl"), decl, ring)
	if err != nil {
		b.Fatal(err)
	}
	// The cancellations as they happened, recorded through the engine.
	eng := bk.engine(b, decl, retention.Options{Ledger: led})
	for i := 1; i <= n; i++ {
		if _, err := eng.Trigger(context.Background(), retention.Event{Kind: policy.EventCancelled, Dataset: "access_log", Key: strconv.Itoa(i)}); err != nil {
			b.Fatal(err)
		}
	}
	check := func(what string) {
		if left := bk.count(b, "SELECT COUNT(*) FROM "+table); left != 0 {
			b.Fatalf("after %s %d rows are left, want 0", what, left)
		}
	}
	check("the cancellations")
	restore()
	replayer := bk.engine(b, decl, retention.Options{})
	del := "DELETE FROM " + table + " WHERE id = " + bk.ph(1)
	var frist, raw cost
	b.ResetTimer()
	for range b.N {
		frist.measure(func() {
			rep, err := replayer.Replay(context.Background(), led)
			if err != nil {
				b.Fatal(err)
			}
			if rep.Processed != n {
				b.Fatalf("the replay erased %d records, want %d", rep.Processed, n)
			}
		})
		b.StopTimer()
		check("the replay")
		restore()
		raw.measure(func() {
			for i := 1; i <= n; i++ {
				bk.exec(b, del, i)
			}
		})
		check("the hand-written replay")
		restore()
		b.StartTimer()
	}
	b.StopTimer()
	report(b, bk, frist, raw, "x-vs-raw", "frist", "raw")
	b.ReportMetric(float64(n)*float64(b.N)/frist.wall.Seconds(), "erasures-per-s")
}

// cancelDeclaration binds table as an access log whose records are
// deleted when cancelled.
func cancelDeclaration(b *testing.B, name string) *policy.Declaration {
	b.Helper()
	decl, err := policy.Load(strings.NewReader(accessLogYAML(name, "", "{ on: cancelled, delete: true }", "")), name+".yaml")
	if err != nil {
		b.Fatal(err)
	}
	return decl
}
