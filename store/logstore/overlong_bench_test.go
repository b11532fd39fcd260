package logstore_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/logstore"
)

// overlongSize is the length of the benchmark's long line: 32 MiB, or
// 300 MB with FRIST_BENCH_LARGE=1.
func overlongSize() int {
	if os.Getenv("FRIST_BENCH_LARGE") == "1" {
		return 300_000_000
	}
	return 32 << 20
}

// writeOverlongLog writes a rotated log of 1,000 lines ten days old, then
// one line of size bytes (its user agent) at the time given, then 1,000
// lines of yesterday.
func writeOverlongLog(b *testing.B, path string, size int, longAt time.Time) {
	f, err := os.Create(path)
	require.NoError(b, err)
	w := bufio.NewWriterSize(f, 1<<20)
	old, recent := now.AddDate(0, 0, -10), now.Add(-24*time.Hour)
	for i := range 1000 {
		_, err := fmt.Fprintln(w, normalLine(fmt.Sprintf("10.0.%d.%d", i>>8, i&255|1), old.Add(time.Duration(i)*time.Second)))
		require.NoError(b, err)
	}
	_, err = fmt.Fprintf(w, `192.0.2.50 - - [%s] "GET /x HTTP/1.1" 200 10 "-" "`, longAt.Format("02/Jan/2006:15:04:05 -0700"))
	require.NoError(b, err)
	chunk := make([]byte, 1<<20)
	for i := range chunk {
		chunk[i] = 'A' + byte(i%26)
	}
	for left := size; left > 0; left -= len(chunk) {
		_, err := w.Write(chunk[:min(left, len(chunk))])
		require.NoError(b, err)
	}
	_, err = fmt.Fprintln(w, `"`)
	require.NoError(b, err)
	for i := range 1000 {
		_, err := fmt.Fprintln(w, normalLine(fmt.Sprintf("10.1.%d.%d", i>>8, i&255|1), recent.Add(time.Duration(i)*time.Second)))
		require.NoError(b, err)
	}
	require.NoError(b, w.Flush())
	require.NoError(b, f.Close())
}

// copyLines is the hand-written baseline: the least a rewrite that keeps
// every line can do, a line-by-line copy through a fixed buffer that never
// holds a line whole.
func copyLines(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer func() { _ = in.Close() }()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	r := bufio.NewReaderSize(in, 256<<10)
	w := bufio.NewWriterSize(out, 256<<10)
	for {
		b, err := r.ReadSlice('\n')
		if _, werr := w.Write(b); werr != nil {
			return werr
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return out.Close()
}

// readWholeLines is what reading lines costs when memory follows line
// length: bufio.Reader.ReadBytes, as most line readers do it.
func readWholeLines(src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer func() { _ = in.Close() }()
	r := bufio.NewReaderSize(in, 256<<10)
	for {
		if _, err := r.ReadBytes('\n'); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// BenchmarkOverlongLinePeakHeap sweeps a rotated log with one line of 32
// MiB (300 MB with FRIST_BENCH_LARGE=1) with a 7-day delete rule: "kept",
// the long line is not due and is copied while the file is rewritten;
// "deleted", it is due and deleted. It reports the peak heap of the batch
// (peak-heap-MiB), against the hand-written line copy through a fixed
// buffer measured in the same run (x-copy), and the peak heap of reading
// the file with bufio.Reader.ReadBytes, which holds each line whole
// (readbytes-MiB):
//
//	FRIST_BENCH_LARGE=1 go test -run '^$' -bench OverlongLinePeakHeap -benchtime 1x ./store/logstore/
func BenchmarkOverlongLinePeakHeap(b *testing.B) {
	size := overlongSize()
	for _, tc := range []struct {
		name string
		at   time.Time
	}{
		{"kept", now.Add(-24 * time.Hour)},
		{"deleted", now.AddDate(0, 0, -10).Add(time.Hour)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			src := filepath.Join(b.TempDir(), "src")
			writeOverlongLog(b, src, size, tc.at)
			var ours, copyPeak, wholePeak uint64
			for range b.N {
				b.StopTimer()
				dir := b.TempDir()
				stop := peakHeap()
				require.NoError(b, copyLines(src, filepath.Join(dir, "baseline")))
				copyPeak = max(copyPeak, stop())
				require.NoError(b, os.Remove(filepath.Join(dir, "baseline")))
				stop = peakHeap()
				require.NoError(b, readWholeLines(src))
				wholePeak = max(wholePeak, stop())

				require.NoError(b, copyFile(src, filepath.Join(dir, "access.log.1")))
				decl := accessLogDecl(b, dir, "", policy.Rule{After: policy.MustParsePeriod("7d"), From: "requested_at", Delete: true})
				st, err := logstore.New(decl, nil)
				require.NoError(b, err)
				stop = peakHeap()
				b.StartTimer()
				res, err := st.Process(context.Background(), store.Batch{
					Selection: store.Selection{Dataset: "access_log", Bounds: []store.Bound{{Column: "requested_at", Cutoff: now.AddDate(0, 0, -7)}}, Now: now},
					Action:    store.Action{Delete: true},
					Audit: func(rs []store.Record, n int) (audit.Entry, error) {
						return audit.Entry{Time: now, Action: "delete", Dataset: "access_log", Rule: "bench", Count: n}, nil
					},
				})
				b.StopTimer()
				ours = max(ours, stop())
				require.NoError(b, err)
				want := 1000
				if tc.name == "deleted" {
					want++
				}
				require.Equal(b, want, res.Count)
				require.NoError(b, st.Close())
			}
			b.ReportMetric(float64(ours)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(ours)/float64(copyPeak), "x-copy")
			b.ReportMetric(float64(wholePeak)/(1<<20), "readbytes-MiB")
			b.ReportMetric(float64(size)/(1<<20), "line-MiB")
		})
	}
}
