package bench

import (
	"testing"

	"github.com/frist-go/frist/retention"
)

// Sizes of the scale benchmark: the same 10k due records in a small and a
// large table.
const (
	scaleDue   = 10_000
	smallRows  = 100_000
	largeRows  = 1_000_000
	smallTable = "access_log_small"
	largeTable = "access_log_large"
)

// BenchmarkSweepScale deletes the same 10k due rows from a 100k-row table
// and from a 1M-row table in each iteration. The timer measures the large
// table; x-vs-small is its ratio to the small one, which is about 1 when a
// sweep costs O(records due) and about 10 when it costs O(table) (docs/DESIGN.md,
// "Sweeps cost what is due"). loop-x-vs-small is the same ratio for the hand-written
// 1000-row DELETE loop on the same tables in the same iteration: what the
// database itself charges for the larger table, which no sweep can avoid.
func BenchmarkSweepScale(b *testing.B) {
	eachBackend(b, func(b *testing.B, bk *backend) {
		bk.seed(b, smallTable, smallRows, scaleDue)
		bk.seed(b, largeTable, largeRows, scaleDue)
		small := bk.engine(b, declaration(b, smallTable, false), retention.Options{})
		large := bk.engine(b, declaration(b, largeTable, false), retention.Options{})
		restore := func(table string, rows int) {
			bk.insert(b, table, 0, scaleDue, scaleDue)
			bk.settle(b, table)
			if n := bk.count(b, "SELECT COUNT(*) FROM "+table); n != rows {
				b.Fatalf("%s has %d rows after the restore, want %d", table, n, rows)
			}
		}
		var s, l, rs, rl cost
		b.ResetTimer()
		for range b.N {
			l.measure(func() { sweep(b, large, scaleDue) })
			b.StopTimer()
			restore(largeTable, largeRows)
			s.measure(func() { sweep(b, small, scaleDue) })
			restore(smallTable, smallRows)
			rl.measure(func() { rawBatchedDelete(b, bk, largeTable, rawBatch) })
			restore(largeTable, largeRows)
			rs.measure(func() { rawBatchedDelete(b, bk, smallTable, rawBatch) })
			restore(smallTable, smallRows)
			b.StartTimer()
		}
		b.StopTimer()
		report(b, bk, l, s, "x-vs-small", "large", "small")
		report(b, bk, rl, rs, "loop-x-vs-small", "loop-large", "loop-small")
	})
}
