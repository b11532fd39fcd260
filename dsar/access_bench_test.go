package dsar_test

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/dsar"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store/sqlitestore"
)

// benchSize is the size of BenchmarkAccessReport: rows in each of the
// large tables (logins, appointments) and records of the requester across
// the datasets. The size (1M rows, 10k records) is opt-in with
// FRIST_BENCH_LARGE=1, so that `make bench` stays quick.
func benchSize() (rows, records int) {
	if os.Getenv("FRIST_BENCH_LARGE") == "1" {
		return 1_000_000, 10_000
	}
	return 50_000, 1_000
}

// seedVersmoldLarge fills the Versmold tables in one transaction each with
// INSERT ... SELECT from a recursive CTE: rows logins and rows
// appointments, spread over rows/10 customers, of which customer 1 (the
// requester) has records/2 logins and records/2-1 appointments, spread
// evenly through the tables, and the customer row itself. The indexes an
// application keeps (subject and time columns) are built afterwards.
func seedVersmoldLarge(b *testing.B, db *sql.DB, decl *policy.Declaration, rows, records int) {
	b.Helper()
	ctx := context.Background()
	var indexes []string
	for _, st := range tableDDL(sqliteDB, decl, true) {
		if strings.HasPrefix(st, "CREATE INDEX") {
			indexes = append(indexes, st)
			continue
		}
		if _, err := db.ExecContext(ctx, st); err != nil {
			b.Fatalf("%s: %v", st, err)
		}
	}
	customers := rows / 10
	base := received.Add(-60 * 24 * time.Hour).Unix()
	// Row i belongs to the requester when i is one of the first multiples
	// of the table's stride.
	logins, appts := records/2, records-records/2-1
	loginStride, apptStride := rows/logins, rows/appts
	stmts := []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO customers (id, created_at, first_name, last_name, email, mobile, address, birth_date)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
SELECT i, strftime('%Y-%m-%d %H:%M:%S', ? + i, 'unixepoch'), 'Vorname ' || i, 'Nachname', 'person' || i || '@example.org', '0170 ' || i, NULL, NULL FROM n`,
			[]any{customers, base}},
		{`INSERT INTO logins (id, customer_id, login_at, ip)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
SELECT i, CASE WHEN i % ? = 0 AND i <= ? THEN 1 ELSE 2 + i % (? - 1) END, strftime('%Y-%m-%d %H:%M:%S', ? + i * 3, 'unixepoch'), '192.0.2.' || (i % 250) FROM n`,
			[]any{rows, loginStride, loginStride * logins, customers, base}},
		{`INSERT INTO appointments (id, customer_id, starts_at, booked_at, name, email, mobile, service)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
SELECT i, CASE WHEN i % ? = 0 AND i <= ? THEN 1 ELSE 2 + i % (? - 1) END,
strftime('%Y-%m-%d %H:%M:%S', ? + i * 5, 'unixepoch'), strftime('%Y-%m-%d %H:%M:%S', ? + i * 4, 'unixepoch'),
'Name ' || i, 'person' || i || '@example.org', '0170 ' || i, 'Personalausweis' FROM n`,
			[]any{rows, apptStride, apptStride * appts, customers, base, base}},
	}
	for _, st := range stmts {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, st.sql, st.args...); err != nil {
			b.Fatalf("seeding: %v", err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	for _, st := range indexes {
		if _, err := db.ExecContext(ctx, st); err != nil {
			b.Fatalf("%s: %v", st, err)
		}
	}
	if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkAccessReport measures Service.Access on SQLite for a subject
// with many records across datasets of many rows (see benchSize), against
// a hand-written baseline that only reads the subject's rows of each
// dataset by its subject index. The bound is 200 ms per report at
// 10k records in tables of 1M rows. Besides the time per report
// (ms/report) and its ratio to the baseline (x_handwritten), each reports
// the process's CPU time per operation (cpu-ms/op, where the system
// measures it), which a busy machine does not inflate:
//
//	FRIST_BENCH_LARGE=1 go test -run '^$' -bench AccessReport -benchtime 5x ./dsar/
func BenchmarkAccessReport(b *testing.B) {
	rows, records := benchSize()
	ctx := context.Background()
	decl, err := policy.LoadFile("../examples/policies/versmold.yaml")
	if err != nil {
		b.Fatal(err)
	}
	db := openSQLiteDB(b)
	start := time.Now()
	seedVersmoldLarge(b, db, decl, rows, records)
	b.Logf("seeded %d logins and %d appointments (%d of the requester's records) in %s", rows, rows, records, time.Since(start).Round(time.Millisecond))
	var got int
	if err := db.QueryRowContext(ctx, "SELECT (SELECT COUNT(*) FROM customers WHERE id = 1) + (SELECT COUNT(*) FROM logins WHERE customer_id = 1) + (SELECT COUNT(*) FROM appointments WHERE customer_id = 1)").Scan(&got); err != nil {
		b.Fatal(err)
	}
	if got != records {
		b.Fatalf("the requester has %d records, want %d", got, records)
	}

	var baseline time.Duration
	b.Run("handwritten", func(b *testing.B) {
		queries := []string{
			"SELECT id, created_at, first_name, last_name, email, mobile, address, birth_date FROM customers WHERE id = ?",
			"SELECT id, customer_id, login_at, ip FROM logins WHERE customer_id = ? ORDER BY id",
			"SELECT id, customer_id, starts_at, booked_at, name, email, mobile, service FROM appointments WHERE customer_id = ? ORDER BY id",
		}
		cpu0, _ := cpuTime()
		b.ResetTimer()
		for range b.N {
			n := 0
			for _, q := range queries {
				n += scanAll(b, db, q, int64(1))
			}
			if n != records {
				b.Fatalf("read %d records, want %d", n, records)
			}
		}
		baseline = b.Elapsed() / time.Duration(b.N)
		reportCPU(b, cpu0)
	})

	b.Run("frist", func(b *testing.B) {
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
		svc, err := dsar.NewService(eng, st, nil, &dsar.ServiceOptions{Now: now, AuditKey: ring,
			Identity: dsar.IdentityFunc(func(context.Context, *dsar.Request) (bool, error) { return true, nil })})
		if err != nil {
			b.Fatal(err)
		}
		var cpu time.Duration
		b.ResetTimer()
		for range b.N {
			b.StopTimer()
			r, err := svc.Open(ctx, dsar.Access, "1", time.Time{})
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
			n := 0
			for _, ds := range rep.Datasets {
				n += len(ds.Records)
			}
			if n != records {
				b.Fatalf("the report holds %d records, want %d", n, records)
			}
		}
		per := b.Elapsed() / time.Duration(b.N)
		b.ReportMetric(float64(per)/float64(time.Millisecond), "ms/report")
		if _, ok := cpuTime(); ok {
			b.ReportMetric(float64(cpu)/float64(b.N)/float64(time.Millisecond), "cpu-ms/op")
		}
		if baseline > 0 {
			b.ReportMetric(float64(per)/float64(baseline), "x_handwritten")
		}
	})
}

// reportCPU reports the process's CPU time per operation since cpu0,
// where the system measures it.
func reportCPU(b *testing.B, cpu0 time.Duration) {
	if cpu1, ok := cpuTime(); ok {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N)/float64(time.Millisecond), "cpu-ms/op")
	}
}

// scanAll runs q and reads every column of every row, as an application's
// own export would, and returns the number of rows.
func scanAll(b *testing.B, db *sql.DB, q string, args ...any) int {
	rows, err := db.Query(q, args...)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		b.Fatal(err)
	}
	vals := make([]any, len(cols))
	dst := make([]any, len(cols))
	for i := range vals {
		dst[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(dst...); err != nil {
			b.Fatal(err)
		}
		row := make(map[string]any, len(cols))
		for i, c := range cols {
			row[c] = vals[i]
		}
		n++
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return n
}
