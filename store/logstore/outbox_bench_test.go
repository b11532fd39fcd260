package logstore_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/store/logstore"
)

// BenchmarkOutboxReschedule measures one Reschedule with 10 and 1,000
// notifications of 1 KiB waiting, each as a ratio to a hand-written
// baseline measured in the same run, one baseline write before every
// Reschedule so that both meet the same load of a shared disk: writing
// that one notification's JSON to a file of its own atomically (a
// temporary file, fsynced, renamed, the directory fsynced), the least a
// durable change can cost. A change writes the notification's own file
// in .frist-outbox and no other, so the ratio stays near 1 however many
// wait: compare the two sizes' ratios, which an outbox rewritten whole at
// every change made grow with the number waiting.
func BenchmarkOutboxReschedule(b *testing.B) {
	ctx := context.Background()
	body := []byte(strings.Repeat("x", 1024))
	for _, waiting := range []int{10, 1000} {
		b.Run(map[int]string{10: "10 waiting", 1000: "1000 waiting"}[waiting], func(b *testing.B) {
			dir := b.TempDir()
			st, err := logstore.New(bookingLogDecl(b, dir), nil)
			require.NoError(b, err)
			defer func() { require.NoError(b, st.Close()) }()
			for n := 1; n <= waiting; n++ {
				o := outgoing(n)
				o.Body = body
				require.NoError(b, st.Enqueue(ctx, o))
			}
			baseDir := b.TempDir()
			one := outgoing(waiting / 2)
			one.Body = body
			data, err := json.Marshal(one)
			require.NoError(b, err)
			var base time.Duration
			attempts := 1
			for b.Loop() {
				b.StopTimer()
				start := time.Now()
				durableWrite(b, baseDir, data)
				base += time.Since(start)
				b.StartTimer()
				ok, err := st.Reschedule(ctx, outgoingID(waiting/2), attempts, now.Add(time.Duration(attempts)*time.Minute))
				require.NoError(b, err)
				require.True(b, ok)
				attempts++
			}
			b.ReportMetric(float64(base.Nanoseconds())/float64(b.N), "baseline-ns/op")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(base.Nanoseconds()), "x-baseline")
		})
	}
}

// durableWrite is the baseline of BenchmarkOutboxReschedule: data written
// to dir/one.json through a temporary file, fsynced, renamed, and the
// directory fsynced.
func durableWrite(b *testing.B, dir string, data []byte) {
	tmp := filepath.Join(dir, "tmp")
	f, err := os.Create(tmp)
	require.NoError(b, err)
	_, err = f.Write(data)
	require.NoError(b, err)
	require.NoError(b, f.Sync())
	require.NoError(b, f.Close())
	require.NoError(b, os.Rename(tmp, filepath.Join(dir, "one.json")))
	d, err := os.Open(dir)
	require.NoError(b, err)
	require.NoError(b, d.Sync())
	require.NoError(b, d.Close())
}
