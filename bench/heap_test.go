package bench

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/frist-go/frist/retention"
)

// heapRows is the size of the heap benchmark's table, every row due.
const heapRows = 1_000_000

// heapMetric is the bytes of live and not yet swept heap objects.
const heapMetric = "/memory/classes/heap/objects:bytes"

// BenchmarkSweepHeap deletes 1M due rows with the engine's defaults while
// a goroutine samples the heap every millisecond (runtime/metrics, which
// does not stop the world). peak-heap-MiB is the largest heap seen during
// the sweep, base-heap-MiB the heap after a GC just before it; the target
// is a peak under 64 MiB however many records are due.
func BenchmarkSweepHeap(b *testing.B) {
	eachBackend(b, func(b *testing.B, bk *backend) {
		const table = "access_log_heap"
		bk.seed(b, table, heapRows, heapRows)
		eng := bk.engine(b, declaration(b, table, false), retention.Options{})
		var peak, base uint64
		b.ResetTimer()
		for i := range b.N {
			if i > 0 {
				b.StopTimer()
				bk.insert(b, table, 0, heapRows, heapRows)
				bk.settle(b, table)
				b.StartTimer()
			}
			runtime.GC()
			base = max(base, heapNow())
			stop := sampleHeap(&peak)
			sweep(b, eng, heapRows)
			stop()
		}
		b.StopTimer()
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(base)/(1<<20), "base-heap-MiB")
	})
}

// heapNow returns the current heap size.
func heapNow() uint64 {
	s := []metrics.Sample{{Name: heapMetric}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// sampleHeap records the largest heap size in *peak until stop is called.
func sampleHeap(peak *uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			*peak = max(*peak, heapNow())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		*peak = max(*peak, heapNow())
	}
}
