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
// baseline measured in the same run: writing that one notification's
// JSON to a file of its own atomically (a temporary file, fsynced,
// renamed, the directory fsynced), the least a durable change can cost.
// Every change rewrites the whole outbox file, so the ratio grows with
// the number waiting: the file suits the few notifications that wait
// while a recipient cannot be reached, not thousands.
func BenchmarkOutboxReschedule(b *testing.B) {
	ctx := context.Background()
	body := []byte(strings.Repeat("x", 1024))
	var base float64
	b.Run("baseline", func(b *testing.B) {
		dir := b.TempDir()
		o := outgoing(1)
		o.Body = body
		data, err := json.Marshal(o)
		require.NoError(b, err)
		for b.Loop() {
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
		base = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
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
			attempts := 1
			for b.Loop() {
				ok, err := st.Reschedule(ctx, outgoingID(waiting/2), attempts, now.Add(time.Duration(attempts)*time.Minute))
				require.NoError(b, err)
				require.True(b, ok)
				attempts++
			}
			if base > 0 {
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/base, "x-baseline")
			}
		})
	}
}
