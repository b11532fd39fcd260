package bench

import (
	"fmt"
	"testing"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/retention"
)

// Sizes of the masking benchmark: 100k due records in a 1M-row table.
const (
	maskRows = 1_000_000
	maskDue  = 100_000
)

// BenchmarkSweepMaskIP masks the IP addresses of 100k due rows out of 1M
// with the Go operator ip_mask(v4=1, v6=80) ("IP-Adressen werden nach 7
// Tagen anonymisiert", examples/policies/jobcenter.yaml) through a sweep, and in the same
// iteration on the same table with a hand-written loop: select 1000 due
// rows, mask them with the same operator, update each by key, commit. The
// timer measures the sweep; x-vs-raw is the ratio to the loop. adaptive
// uses the engine's defaults, batch1000 fixed batches of 1000.
func BenchmarkSweepMaskIP(b *testing.B) {
	eachBackend(b, func(b *testing.B, bk *backend) {
		const table = "access_log_mask"
		bk.seed(b, table, maskRows, maskDue)
		decl := declaration(b, table, true)
		restore := func() {
			bk.exec(b, fmt.Sprintf("UPDATE %s SET ip = '192.0.2.' || ((id - 1) %% 250), masked_at = NULL WHERE id <= %d", table, maskDue))
			bk.settle(b, table)
		}
		check := func(what string) {
			masked := bk.count(b, fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE masked_at IS NOT NULL AND ip = '192.0.2.0'", table))
			untouched := bk.count(b, fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE masked_at IS NULL", table))
			if masked != maskDue || untouched != maskRows-maskDue {
				b.Fatalf("after %s %d rows are masked and %d untouched, want %d and %d", what, masked, untouched, maskDue, maskRows-maskDue)
			}
		}
		spec, err := anonymize.Parse("ip_mask(v4=1, v6=80)")
		if err != nil {
			b.Fatal(err)
		}
		op, err := spec.Build(nil)
		if err != nil {
			b.Fatal(err)
		}
		loop := func() { rawMaskLoop(b, bk, table, op, rawBatch) }
		for _, v := range []struct {
			name string
			opts retention.Options
		}{
			{"adaptive", retention.Options{}},
			{"batch1000", retention.Options{BatchSize: rawBatch, BatchBudget: -1}},
		} {
			b.Run(v.name, func(b *testing.B) {
				eng := bk.engine(b, decl, v.opts)
				var frist, raw cost
				b.ResetTimer()
				for range b.N {
					frist.measure(func() { sweep(b, eng, maskDue) })
					b.StopTimer()
					check("the sweep")
					restore()
					raw.measure(loop)
					check("the hand-written loop")
					restore()
					b.StartTimer()
				}
				b.StopTimer()
				report(b, bk, frist, raw, "x-vs-raw", "frist", "loop")
			})
		}
	})
}

// rawMaskLoop is the hand-written select-transform-update loop: each
// transaction selects size due, unmasked rows in time order, masks their
// IP addresses with op and updates each by key with a prepared statement,
// until a batch comes back short.
func rawMaskLoop(b *testing.B, bk *backend, table string, op anonymize.Operator, size int) {
	b.Helper()
	sel := fmt.Sprintf("SELECT id, ip FROM %s WHERE created_at < %s AND masked_at IS NULL ORDER BY created_at, id LIMIT %d", table, bk.ph(1), size)
	upd := fmt.Sprintf("UPDATE %s SET ip = %s, masked_at = %s WHERE id = %s", table, bk.ph(1), bk.ph(2), bk.ph(3))
	var marker any = sweepAt.Format("2006-01-02 15:04:05")
	if bk.pg {
		marker = sweepAt
	}
	ids := make([]int64, 0, size)
	ips := make([]any, 0, size)
	for {
		tx, err := bk.db.Begin()
		if err != nil {
			b.Fatal(err)
		}
		rows, err := tx.Query(sel, rawCutoff)
		if err != nil {
			b.Fatal(err)
		}
		ids, ips = ids[:0], ips[:0]
		for rows.Next() {
			var id int64
			var ip string
			if err := rows.Scan(&id, &ip); err != nil {
				b.Fatal(err)
			}
			masked, err := op.Apply(ip)
			if err != nil {
				b.Fatal(err)
			}
			ids, ips = append(ids, id), append(ips, masked)
		}
		if err := rows.Err(); err != nil {
			b.Fatal(err)
		}
		st, err := tx.Prepare(upd)
		if err != nil {
			b.Fatal(err)
		}
		for i, id := range ids {
			if _, err := st.Exec(ips[i], marker, id); err != nil {
				b.Fatal(err)
			}
		}
		st.Close()
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		if len(ids) < size {
			return
		}
	}
}
