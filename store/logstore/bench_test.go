package logstore_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/logstore"
)

// benchSize is the size of the benchmark's log: 64 MiB, or 1 GiB with
// FRIST_BENCH_1GIB=1.
func benchSize() int64 {
	if os.Getenv("FRIST_BENCH_1GIB") == "1" {
		return 1 << 30
	}
	return 64 << 20
}

// writeBenchLog writes a combined-format log of about size bytes with IPv4
// clients only, all of it older than seven days, so that sed's IPv4
// expression and the rule do the same work.
func writeBenchLog(b *testing.B, path string, size int64) int {
	f, err := os.Create(path)
	require.NoError(b, err)
	w := bufio.NewWriterSize(f, 1<<20)
	start := now.AddDate(0, 0, -9)
	var written int64
	n := 0
	for written < size {
		ts := start.Add(time.Duration(n) * 10 * time.Millisecond).Format("02/Jan/2006:15:04:05 -0700")
		k, err := fmt.Fprintf(w, `10.%d.%d.%d - - [%s] "GET /buergerbuero/termine?page=%d HTTP/2.0" 200 %d "https://www.stadt.example/" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/128.0"`+"\n",
			n>>16&255, n>>8&255, n&255|1, ts, n%9, 1000+n%5000)
		require.NoError(b, err)
		written += int64(k)
		n++
	}
	require.NoError(b, w.Flush())
	require.NoError(b, f.Close())
	return n
}

// peakHeap samples the heap in use every few milliseconds until stop is
// called, and returns the largest value seen.
func peakHeap() (stop func() uint64) {
	var (
		mu   sync.Mutex
		peak uint64
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	runtime.GC()
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			mu.Lock()
			peak = max(peak, ms.HeapInuse)
			mu.Unlock()
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak
	}
}

// BenchmarkMaskIPv4VersusSed masks the client addresses of a rotated log
// (64 MiB, or 1 GiB with FRIST_BENCH_1GIB=1) with one Process batch of the
// rule ip_mask(v4=1), which indexes the file and then rewrites it, and
// compares it with sed -E doing the same masking of IPv4 clients in one
// pass, in the same run. It reports the ratio (x-sed) and the peak heap.
//
//	FRIST_BENCH_1GIB=1 go test -run '^$' -bench MaskIPv4VersusSed -benchtime 1x ./store/logstore/
func BenchmarkMaskIPv4VersusSed(b *testing.B) {
	sed, err := exec.LookPath("sed")
	if err != nil {
		b.Skip("sed is not installed; the benchmark compares against it")
	}
	size := benchSize()
	src := filepath.Join(b.TempDir(), "src")
	lines := writeBenchLog(b, src, size)
	op, err := anonymize.Parse("ip_mask(v4=1, v6=80)")
	require.NoError(b, err)
	mask, err := op.Build(nil)
	require.NoError(b, err)
	var sedTime, ourTime time.Duration
	var peak uint64
	for range b.N {
		b.StopTimer()
		dir := b.TempDir()
		require.NoError(b, os.Link(src, filepath.Join(dir, "copy")))
		sedOut := filepath.Join(dir, "sed.out")
		out, err := os.Create(sedOut)
		require.NoError(b, err)
		cmd := exec.Command(sed, "-E", `s/^([0-9]+\.[0-9]+\.[0-9]+)\.[0-9]+ /\1.0 /`, src)
		cmd.Stdout = out
		t0 := time.Now()
		require.NoError(b, cmd.Run())
		require.NoError(b, out.Sync())
		sedTime += time.Since(t0)
		require.NoError(b, out.Close())
		require.NoError(b, os.Remove(sedOut))

		// The rotated file is a copy: the original stays for the next
		// iteration.
		require.NoError(b, copyFile(src, filepath.Join(dir, "access.log.1")))
		decl := accessLogDecl(b, dir, "", policy.Rule{After: policy.MustParsePeriod("7d"), From: "requested_at",
			Anonymize: []policy.FieldOp{{Field: "ip", Op: "ip_mask(v4=1, v6=80)"}}})
		st, err := logstore.New(decl, nil)
		require.NoError(b, err)
		stop := peakHeap()
		b.StartTimer()
		t1 := time.Now()
		res, err := st.Process(context.Background(), store.Batch{
			Selection: store.Selection{Dataset: "access_log", Bounds: []store.Bound{{Column: "requested_at", Cutoff: now.AddDate(0, 0, -7)}}, Marker: "anonymized_at", Now: now},
			Action: store.Action{Transform: []string{"ip"}, SetMarker: "anonymized_at", Apply: func(r store.Record) (map[string]any, error) {
				v, err := mask.Apply(r.Fields["ip"])
				return map[string]any{"ip": v}, err
			}},
			Audit: func(rs []store.Record, n int) (audit.Entry, error) {
				return audit.Entry{Time: now, Action: "anonymize", Dataset: "access_log", Rule: "bench", Count: n}, nil
			},
		})
		ourTime += time.Since(t1)
		b.StopTimer()
		peak = max(peak, stop())
		require.NoError(b, err)
		require.Equal(b, lines, res.Count, "every line is processed")
		require.Nil(b, res.Processed, "lines without a subject are counted, not listed")
		require.NoError(b, st.Close())
	}
	b.ReportMetric(float64(ourTime)/float64(sedTime), "x-sed")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(size)/(1<<20), "log-MiB")
	b.ReportMetric(float64(lines), "lines")
	b.Logf("%d MiB, %d lines: logstore %v, sed %v (ratio %.2f), peak heap %.0f MiB",
		size>>20, lines, ourTime/time.Duration(b.N), sedTime/time.Duration(b.N), float64(ourTime)/float64(sedTime), float64(peak)/(1<<20))
}

func copyFile(src, dst string) error {
	b, err := os.Open(src)
	if err != nil {
		return err
	}
	defer func() { _ = b.Close() }()
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := f.ReadFrom(b); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
