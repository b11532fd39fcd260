package bench

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/frist-go/frist/notify"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
)

// tellCancellations is how many cancellations BenchmarkTriggerTells
// triggers per run.
const tellCancellations = 2000

// countingNotifier delivers nothing and counts what it was given, so that
// the benchmark measures frist's side of telling, not a network.
type countingNotifier struct{ n atomic.Int64 }

func (c *countingNotifier) Notify(context.Context, notify.Notification) error {
	c.n.Add(1)
	return nil
}

// BenchmarkTriggerTells measures what telling a recipient (Art. 19) adds
// to a cancellation: the same cancellations, one record each, on the same
// table, by an engine whose dataset has a recipient (the event is
// remembered before it acts and forgotten once told, the notifier is
// called, and an audit entry records it) and by one whose dataset has
// none, alternating in each iteration. Reported: tells-vs-silent, the
// ratio of wall time (and for SQLite of CPU time), and both per run.
func BenchmarkTriggerTells(b *testing.B) {
	eachBackend(b, func(b *testing.B, bk *backend) {
		const table = "access_log"
		bk.createTable(b, table)
		silentDecl := cancelDeclaration(b, table)
		text := accessLogYAML(table, "", "{ on: cancelled, delete: true }", "")
		text = strings.Replace(text, "purposes:\n", "recipients:\n  - { id: host, name: Hosting GmbH, role: processor, country: DE }\npurposes:\n", 1)
		text = strings.Replace(text, "    purposes: [website]\n", "    purposes: [website]\n    recipients: [host]\n", 1)
		tellDecl, err := policy.Load(strings.NewReader(text), table+".yaml")
		if err != nil {
			b.Fatal(err)
		}
		nf := &countingNotifier{}
		silent := bk.engine(b, silentDecl, retention.Options{})
		tells := bk.engine(b, tellDecl, retention.Options{Notifier: nf})
		cancel := func(eng *retention.Engine) {
			for i := 1; i <= tellCancellations; i++ {
				rep, err := eng.Trigger(context.Background(), retention.Event{Kind: policy.EventCancelled, Dataset: "access_log", Key: strconv.Itoa(i)})
				if err != nil {
					b.Fatal(err)
				}
				if rep.Processed() != 1 {
					b.Fatalf("cancellation %d erased %d records, want 1", i, rep.Processed())
				}
			}
		}
		restore := func() {
			bk.insert(b, table, 0, tellCancellations, 0)
			bk.settle(b, table)
		}
		var told, quiet cost
		b.ResetTimer()
		for range b.N {
			b.StopTimer()
			restore()
			b.StartTimer()
			quiet.measure(func() { cancel(silent) })
			b.StopTimer()
			restore()
			b.StartTimer()
			told.measure(func() { cancel(tells) })
		}
		b.StopTimer()
		if got, want := nf.n.Load(), int64(tellCancellations*b.N); got != want {
			b.Fatalf("the recipient was told %d times, want %d", got, want)
		}
		report(b, bk, told, quiet, "tells-vs-silent", "tells", "silent")
	})
}
