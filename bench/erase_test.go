package bench

import (
	"database/sql"
	"testing"

	"github.com/frist-go/frist/retention"
)

// BenchmarkSecureErase measures what physical erasure costs on SQLite:
// 100k due rows out of 1M deleted in batches of 1000, each variant in the
// same iteration on the same table. The baseline is the hand-written
// batched DELETE loop on a connection with secure_delete off, as SQLite
// opens by default:
//
//   - secure-vs-plain: the same loop with secure_delete on, which
//     overwrites every deleted row with zeros;
//   - frist-vs-plain: frist's sweep with fixed batches of 1000, which runs
//     with secure_delete and ends with the store's Purge (a checkpoint
//     that truncates the write-ahead log);
//   - checkpoint-ms: the checkpoint alone, after the plain loop.
func BenchmarkSecureErase(b *testing.B) {
	bk := openSQLite(b)
	const table = "access_log"
	bk.seed(b, table, deleteRows, deleteDue)
	decl := declaration(b, table, false)
	plain, err := sql.Open("sqlite", bk.dsn+"&_pragma=secure_delete(0)")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { plain.Close() })
	plainBk := &backend{name: "sqlite", db: plain}
	restore := func() {
		bk.insert(b, table, 0, deleteDue, deleteDue)
		bk.settle(b, table)
	}
	check := func(what string) {
		if n := bk.count(b, "SELECT COUNT(*) FROM "+table); n != deleteRows-deleteDue {
			b.Fatalf("after %s %d rows are left, want %d", what, n, deleteRows-deleteDue)
		}
	}
	eng := bk.engine(b, decl, retention.Options{BatchSize: rawBatch, BatchBudget: -1})
	var frist, secure, loose, checkpoint cost
	b.ResetTimer()
	for range b.N {
		frist.measure(func() { sweep(b, eng, deleteDue) })
		b.StopTimer()
		check("the sweep")
		restore()
		secure.measure(func() { rawBatchedDelete(b, bk, table, rawBatch) })
		check("the secure loop")
		restore()
		loose.measure(func() { rawBatchedDelete(b, plainBk, table, rawBatch) })
		check("the plain loop")
		checkpoint.measure(func() { plainBk.exec(b, "PRAGMA wal_checkpoint(TRUNCATE)") })
		restore()
		b.StartTimer()
	}
	b.StopTimer()
	report(b, bk, secure, loose, "secure-vs-plain", "secure", "plain")
	report(b, bk, frist, loose, "frist-vs-plain", "frist", "plain")
	b.ReportMetric(perOp(b, checkpoint.wall), "checkpoint-ms")
}
