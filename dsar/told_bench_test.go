package dsar_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/consent"
	"github.com/frist-go/frist/dsar"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store/sqlitestore"
)

// BenchmarkAccessReportAuditLog measures what the list of recipients told
// (Art. 19, read from the audit log) costs an access report on SQLite: the
// same report for a subject with three appointments on a log of a few
// entries (small_log) and on one of 100,000 entries about other people
// (large_log; 1,000,000 with FRIST_BENCH_LARGE=1), against a hand-written
// baseline that only reads the large log a page at a time and compares
// each entry's subjects (scan). x_small is large_log over small_log, x_scan
// large_log over scan. Each also reports its CPU time (cpu-ms/op), which
// a busy machine does not inflate:
//
//	go test -run '^$' -bench AccessReportAuditLog -benchtime 10x ./dsar/
func BenchmarkAccessReportAuditLog(b *testing.B) {
	entries := 100_000
	if n := os.Getenv("FRIST_BENCH_AUDIT_ENTRIES"); n != "" {
		fmt.Sscan(n, &entries)
	}
	if os.Getenv("FRIST_BENCH_LARGE") == "1" {
		entries = 1_000_000
	}
	ctx := context.Background()
	decl, err := policy.LoadFile("../examples/policies/jobcenter.yaml")
	if err != nil {
		b.Fatal(err)
	}
	db := openSQLiteDB(b)
	for _, st := range tableDDL(sqliteDB, decl, false) {
		if _, err := db.ExecContext(ctx, st); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 3 {
		if _, err := db.ExecContext(ctx, `INSERT INTO appointments (id, citizen_id, starts_at, booked_at, name) VALUES (?, 'c-1001', ?, ?, 'Erika Muster')`,
			i+1, received.Add(time.Duration(i)*24*time.Hour).UTC().Format(sqliteTime), received.UTC().Format(sqliteTime)); err != nil {
			b.Fatal(err)
		}
	}
	st, err := sqlitestore.New(db, decl, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ring, err := anonymize.NewKeyRing(anonymize.Key{ID: "bench", Secret: []byte("dsar benchmark audit key, 32 bytes!")})
	if err != nil {
		b.Fatal(err)
	}
	now := func() time.Time { return received }
	eng, err := retention.New(decl, st, &retention.Options{Now: now, AuditKey: ring})
	if err != nil {
		b.Fatal(err)
	}
	ledger, err := consent.New(eng, st, &consent.Options{Keys: ring})
	if err != nil {
		b.Fatal(err)
	}
	svc, err := dsar.NewService(eng, st, ledger, &dsar.ServiceOptions{Now: now, AuditKey: ring,
		Identity: dsar.IdentityFunc(func(context.Context, *dsar.Request) (bool, error) { return true, nil })})
	if err != nil {
		b.Fatal(err)
	}
	report := func(b *testing.B) time.Duration {
		b.Helper()
		var cpu time.Duration
		b.ResetTimer()
		for range b.N {
			b.StopTimer()
			r, err := svc.Open(ctx, dsar.Access, "c-1001", time.Time{})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := svc.Verify(ctx, r.ID()); err != nil {
				b.Fatal(err)
			}
			cpu0, _ := cpuTime()
			b.StartTimer()
			rep, err := svc.Access(ctx, r.ID())
			b.StopTimer()
			cpu1, _ := cpuTime()
			cpu += cpu1 - cpu0
			if err != nil {
				b.Fatal(err)
			}
			if len(rep.Datasets) != 1 || len(rep.RecipientsTold) != 0 {
				b.Fatalf("the report holds %d datasets and %d recipients told, want 1 and 0", len(rep.Datasets), len(rep.RecipientsTold))
			}
		}
		per := b.Elapsed() / time.Duration(b.N)
		b.ReportMetric(float64(per)/float64(time.Millisecond), "ms/report")
		if _, ok := cpuTime(); ok {
			b.ReportMetric(float64(cpu)/float64(b.N)/float64(time.Millisecond), "cpu-ms/op")
		}
		return per
	}
	small := time.Duration(0)
	b.Run("small_log", func(b *testing.B) { small = report(b) })

	start := time.Now()
	for i := range entries {
		e := audit.Entry{Time: received, Action: "retention.delete", Dataset: "appointment", Count: 3}
		if i%2 == 0 {
			e = audit.Entry{Time: received, Action: "dsar.notify", Count: 1, Subjects: []string{ring.Pseudonym(fmt.Sprint("c-", i))},
				Note: "request 01900000-0000-7000-8000-000000000001 (erasure): recipient maixit told (Art. 19)"}
		}
		if _, err := st.AppendAudit(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("appended %d audit entries in %s", entries, time.Since(start).Round(time.Millisecond))

	scan := time.Duration(0)
	b.Run("scan", func(b *testing.B) {
		mine := ring.Pseudonyms("c-1001")
		cpu0, _ := cpuTime()
		b.ResetTimer()
		for range b.N {
			var after uint64
			n, found := 0, 0
			for {
				es, err := st.ReadAudit(ctx, after, 1000)
				if err != nil {
					b.Fatal(err)
				}
				for _, e := range es {
					after = e.Seq
					n++
					if len(e.Subjects) == 1 && slices.Contains(mine, e.Subjects[0]) {
						found++
					}
				}
				if len(es) < 1000 {
					break
				}
			}
			if n < entries {
				b.Fatalf("read %d entries, want at least %d", n, entries)
			}
		}
		scan = b.Elapsed() / time.Duration(b.N)
		reportCPU(b, cpu0)
	})
	b.Run("large_log", func(b *testing.B) {
		per := report(b)
		if small > 0 {
			b.ReportMetric(float64(per)/float64(small), "x_small")
		}
		if scan > 0 {
			b.ReportMetric(float64(per)/float64(scan), "x_scan")
		}
	})
}
