package bench

import (
	"fmt"
	"testing"

	"github.com/frist-go/frist/retention"
)

// Sizes of the delete benchmark: 100k due records in a 1M-row table.
const (
	deleteRows = 1_000_000
	deleteDue  = 100_000
	rawBatch   = 1000
)

// BenchmarkSweepDelete deletes 100k due rows out of 1M with a sweep and,
// in the same iteration on the same table, with hand-written SQL. The
// timer measures the sweep; the metrics are ratios of the sweep's time to
// the baseline's:
//
//   - adaptive: the engine's defaults (batches from 1000 growing within a
//     100 ms budget) against one DELETE ... WHERE created_at < cutoff
//     (x-vs-raw) and against a loop of DELETE ... LIMIT 1000 statements
//     (x-vs-batched);
//   - batch1000: fixed batches of 1000 (BatchBudget < 0) against the same
//     batched loop (x-vs-raw).
func BenchmarkSweepDelete(b *testing.B) {
	eachBackend(b, func(b *testing.B, bk *backend) {
		const table = "access_log"
		bk.seed(b, table, deleteRows, deleteDue)
		decl := declaration(b, table, false)
		// The table starts with its due rows; each step deletes them and
		// restore puts them back, outside the timer.
		restore := func() {
			bk.insert(b, table, 0, deleteDue, deleteDue)
			bk.settle(b, table)
		}
		check := func(what string) {
			if n := bk.count(b, "SELECT COUNT(*) FROM "+table); n != deleteRows-deleteDue {
				b.Fatalf("after %s %d rows are left, want %d", what, n, deleteRows-deleteDue)
			}
		}
		single := func() { bk.exec(b, "DELETE FROM "+table+" WHERE created_at < "+bk.ph(1), rawCutoff) }
		batched := func() { rawBatchedDelete(b, bk, table, rawBatch) }

		b.Run("adaptive", func(b *testing.B) {
			eng := bk.engine(b, decl, retention.Options{})
			var frist, raw, loop cost
			b.ResetTimer()
			for range b.N {
				frist.measure(func() { sweep(b, eng, deleteDue) })
				b.StopTimer()
				check("the sweep")
				restore()
				raw.measure(single)
				check("the single DELETE")
				restore()
				loop.measure(batched)
				check("the batched DELETE")
				restore()
				b.StartTimer()
			}
			b.StopTimer()
			report(b, bk, frist, raw, "x-vs-raw", "frist", "raw")
			report(b, bk, frist, loop, "x-vs-batched", "frist", "batched")
		})
		b.Run("batch1000", func(b *testing.B) {
			eng := bk.engine(b, decl, retention.Options{BatchSize: rawBatch, BatchBudget: -1})
			var frist, loop cost
			b.ResetTimer()
			for range b.N {
				frist.measure(func() { sweep(b, eng, deleteDue) })
				b.StopTimer()
				check("the sweep")
				restore()
				loop.measure(batched)
				check("the batched DELETE")
				restore()
				b.StartTimer()
			}
			b.StopTimer()
			report(b, bk, frist, loop, "x-vs-raw", "frist", "batched")
		})
	})
}

// rawBatchedDelete is the hand-written batched delete: statements of size
// rows in the time column's order, each its own transaction, until one
// deletes fewer.
func rawBatchedDelete(b *testing.B, bk *backend, table string, size int) {
	b.Helper()
	stmt := fmt.Sprintf("DELETE FROM %s WHERE id IN (SELECT id FROM %s WHERE created_at < %s ORDER BY created_at, id LIMIT %d)",
		table, table, bk.ph(1), size)
	for {
		n, err := bk.exec(b, stmt, rawCutoff).RowsAffected()
		if err != nil {
			b.Fatal(err)
		}
		if n < int64(size) {
			return
		}
	}
}
