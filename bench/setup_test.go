// Package bench measures frist's sweeps against hand-written SQL on the
// same database in the same run: set-based deletes against one DELETE and
// against a batched DELETE loop, Go operators (ip_mask) against a
// select-transform-update loop, how the cost of a sweep depends on the
// table's size rather than on the records due (docs/DESIGN.md, "Sweeps cost what is due"), and
// the peak heap of a large sweep. BENCHMARKS.md has the commands and the
// numbers.
//
// The package holds benchmarks only and is skipped unless FRIST_BENCH=1;
// PostgreSQL runs when FRIST_TEST_POSTGRES names a server.
package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/pgstore"
	"github.com/frist-go/frist/store/sqlitestore"
)

// TestMain skips the whole package unless FRIST_BENCH=1, so that
// `go test ./...` stays fast.
func TestMain(m *testing.M) {
	if os.Getenv("FRIST_BENCH") != "1" {
		fmt.Println("bench: skipped; run the benchmarks with FRIST_BENCH=1 go test -run '^$' -bench . -benchtime 2x -timeout 60m ./bench/ (FRIST_TEST_POSTGRES=postgres://... adds PostgreSQL; see bench/BENCHMARKS.md)")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// recommendedDSN is the SQLite DSN the sqlitestore documentation
// recommends.
const recommendedDSN = "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=secure_delete(1)&_txlock=immediate"

// Times of the generated rows: due rows in 2000, the others in 2100; the
// engine sweeps in 2050, and the hand-written statements use rawCutoff.
const (
	dueBase   = 946684800  // 2000-01-01T00:00:00Z
	laterBase = 4102444800 // 2100-01-01T00:00:00Z
	rawCutoff = 2000000000 // 2033-05-18, between the two
)

// sweepAt is the engine's clock.
var sweepAt = time.Date(2050, 1, 1, 0, 0, 0, 0, time.UTC)

// backend is one database under test.
type backend struct {
	name string
	db   *sql.DB
	// dsn is the SQLite DSN db was opened with ("" on PostgreSQL).
	dsn string
	pg  bool
	// open returns a frist store for decl on db.
	open func(decl *policy.Declaration) (store.Driver, error)
}

// ph returns the n-th placeholder.
func (bk *backend) ph(n int) string {
	if bk.pg {
		return fmt.Sprintf("$%d", n)
	}
	return "?"
}

// eachBackend runs fn as a sub-benchmark on SQLite and, when
// FRIST_TEST_POSTGRES is set, on PostgreSQL.
func eachBackend(b *testing.B, fn func(b *testing.B, bk *backend)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, openSQLite(b)) })
	b.Run("postgres", func(b *testing.B) { fn(b, openPostgres(b)) })
}

// openSQLite opens a file database in a temporary directory with the
// recommended DSN.
func openSQLite(b *testing.B) *backend {
	b.Helper()
	dsn := "file:" + filepath.Join(b.TempDir(), "app.db") + recommendedDSN
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return &backend{name: "sqlite", db: db, dsn: dsn, open: func(decl *policy.Declaration) (store.Driver, error) {
		return sqlitestore.New(db, decl, nil)
	}}
}

// openPostgres returns a database whose search_path is a fresh schema on
// the server FRIST_TEST_POSTGRES names, or skips.
func openPostgres(b *testing.B) *backend {
	b.Helper()
	raw := os.Getenv("FRIST_TEST_POSTGRES")
	if raw == "" {
		b.Skip("FRIST_TEST_POSTGRES is not set; set it to postgres://user@host:port/db?sslmode=disable to run the PostgreSQL benchmarks")
	}
	u, err := url.Parse(raw)
	if err != nil {
		b.Fatalf("FRIST_TEST_POSTGRES: %v", err)
	}
	admin, err := sql.Open("pgx", raw)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	if err := admin.Ping(); err != nil {
		b.Skipf("PostgreSQL at FRIST_TEST_POSTGRES is unreachable: %v", err)
	}
	var r [6]byte
	_, _ = rand.Read(r[:])
	schema := "frist_bench_" + hex.EncodeToString(r[:])
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		db.Close()
		if c, err := sql.Open("pgx", raw); err == nil {
			_, _ = c.Exec("DROP SCHEMA " + schema + " CASCADE")
			c.Close()
		}
	})
	return &backend{name: "postgres", db: db, pg: true, open: func(decl *policy.Declaration) (store.Driver, error) {
		return pgstore.New(db, decl, nil)
	}}
}

// createTable creates an access log table: an integer key, a Unix-seconds
// time column indexed together with the key (as both backends' package
// documentation recommends), an IP address and a marker column.
func (bk *backend) createTable(b *testing.B, name string) {
	b.Helper()
	key, marker := "INTEGER PRIMARY KEY", "DATETIME"
	if bk.pg {
		key, marker = "bigint PRIMARY KEY", "timestamptz"
	}
	bk.exec(b, fmt.Sprintf("CREATE TABLE %s (id %s, created_at BIGINT NOT NULL, ip TEXT, masked_at %s)", name, key, marker))
	bk.exec(b, fmt.Sprintf("CREATE INDEX %s_created ON %s (created_at, id)", name, name))
	if bk.pg {
		// settle runs VACUUM ANALYZE between the runs, outside the timer;
		// an autovacuum worker starting in the middle of a timed run on
		// a table just restored would add its work to that run alone.
		bk.exec(b, "ALTER TABLE "+name+" SET (autovacuum_enabled = false)")
	}
}

// insert generates the rows with ids from+1 to to in one statement: the
// first due of the table's rows are due, the others are not.
func (bk *backend) insert(b *testing.B, name string, from, to, due int) {
	b.Helper()
	var stmt string
	if bk.pg {
		stmt = fmt.Sprintf(`INSERT INTO %s (id, created_at, ip)
SELECT x + 1, CASE WHEN x < $3 THEN %d + x ELSE %d + x END, '192.0.2.' || (x %% 250)
FROM generate_series($1::bigint, $2::bigint - 1) AS x`, name, dueBase, laterBase)
	} else {
		stmt = fmt.Sprintf(`WITH RECURSIVE c(x) AS (SELECT ?1 UNION ALL SELECT x + 1 FROM c WHERE x + 1 < ?2)
INSERT INTO %s (id, created_at, ip)
SELECT x + 1, CASE WHEN x < ?3 THEN %d + x ELSE %d + x END, '192.0.2.' || (x %% 250) FROM c`, name, dueBase, laterBase)
	}
	if from < to {
		bk.exec(b, stmt, from, to, due)
	}
}

// seed creates table name with rows rows of which the first due are due.
func (bk *backend) seed(b *testing.B, name string, rows, due int) {
	b.Helper()
	bk.createTable(b, name)
	bk.insert(b, name, 0, rows, due)
	bk.settle(b, name)
}

// settle leaves the database as a quiet application would between two
// sweeps: PostgreSQL vacuumed, analyzed and checkpointed, SQLite's WAL
// checkpointed. The checkpoint makes every run start alike: without it a
// run that follows the restore of a large table (whose VACUUM writes much
// WAL) may pay for a checkpoint that restore triggered, and the full-page
// images the first change of each page after a checkpoint writes.
func (bk *backend) settle(b *testing.B, name string) {
	b.Helper()
	if bk.pg {
		bk.exec(b, "VACUUM ANALYZE "+name)
		bk.exec(b, "CHECKPOINT")
		return
	}
	bk.exec(b, "ANALYZE "+name)
	bk.exec(b, "PRAGMA wal_checkpoint(TRUNCATE)")
}

func (bk *backend) exec(b *testing.B, stmt string, args ...any) sql.Result {
	b.Helper()
	res, err := bk.db.Exec(stmt, args...)
	if err != nil {
		b.Fatalf("%s: %v\n%s", bk.name, err, stmt)
	}
	return res
}

func (bk *backend) count(b *testing.B, stmt string, args ...any) int {
	b.Helper()
	var n int
	if err := bk.db.QueryRow(stmt, args...).Scan(&n); err != nil {
		b.Fatalf("%s: %v\n%s", bk.name, err, stmt)
	}
	return n
}

// declaration binds table name as an access log with one rule: delete,
// or mask the IP address, seven days after created_at.
func declaration(b *testing.B, name string, mask bool) *policy.Declaration {
	b.Helper()
	decl, err := policy.Load(strings.NewReader(declarationYAML(name, mask, "")), name+".yaml")
	if err != nil {
		b.Fatal(err)
	}
	return decl
}

// declarationYAML is declaration's text, with purposes (YAML list items)
// added to its own.
func declarationYAML(name string, mask bool, purposes string) string {
	marker, rule := "", "{ id: delete_log, after: 7d, from: created_at, delete: true }"
	if mask {
		marker = "marker: masked_at"
		rule = `{ id: mask_ip, after: 7d, from: created_at, anonymize: { ip: "ip_mask(v4=1, v6=80)" } }`
	}
	return accessLogYAML(name, marker, rule, purposes)
}

// accessLogYAML binds table name as an access log with the one rule given
// (a YAML flow mapping), the marker line given ("" for none) and purposes
// (YAML list items) added to its own.
func accessLogYAML(name, marker, rule, purposes string) string {
	return fmt.Sprintf(`
controller: { name: Stadt Beispiel, address: "Markt 1, 12345 Beispiel", time_zone: Europe/Berlin, public_authority: true }
dpo: { address: "Markt 1, 12345 Beispiel" }
authority: { name: LDI NRW, address: "Kavalleriestr. 2-4, 40213 Düsseldorf" }
purposes:
  - id: website
    description: { de: "Aufruf der Webseite", en: "Delivering the website" }
    legal_basis: [6.1.e]
%s
datasets:
  - id: access_log
    table: %s
    key: id
    %s
    time:
      created_at: { column: created_at, format: unix }
    purposes: [website]
    fields:
      ip: { category: online_identifier }
    rules:
      - %s
`, purposes, name, marker, rule)
}

// engine returns an engine enforcing decl on bk at sweepAt. Options are
// copied; Now and AuditKey are set here.
func (bk *backend) engine(b *testing.B, decl *policy.Declaration, opts retention.Options) *retention.Engine {
	b.Helper()
	st, err := bk.open(decl)
	if err != nil {
		b.Fatal(err)
	}
	ring, err := anonymize.NewKeyRing(anonymize.Key{ID: "bench", Secret: []byte("bench-audit-key-0123456789abcdef")})
	if err != nil {
		b.Fatal(err)
	}
	opts.Now = func() time.Time { return sweepAt }
	opts.AuditKey = ring
	eng, err := retention.New(decl, st, &opts)
	if err != nil {
		b.Fatal(err)
	}
	return eng
}

// sweep runs one sweep and fails unless it processed want records.
func sweep(b *testing.B, eng *retention.Engine, want int) {
	b.Helper()
	rep, err := eng.Sweep(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	if got := rep.Processed(); got != want {
		b.Fatalf("the sweep processed %d records, want %d", got, want)
	}
}

// cost is the wall time and the process's CPU time of some runs. On a
// loaded machine the CPU time of SQLite, which runs inside the process, is
// the steadier measure; PostgreSQL's work happens in the server, so only
// its wall time counts.
type cost struct{ wall, cpu time.Duration }

// measure runs fn and adds its cost to c.
func (c *cost) measure(fn func()) {
	cpu0, start := cpuTime(), time.Now()
	fn()
	c.wall += time.Since(start)
	c.cpu += cpuTime() - cpu0
}

// cpuTime returns the user and system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// report reports the wall-time ratio of c to base as unit, for SQLite
// also the CPU-time ratio as "cpu-"+unit, and c's and base's wall time per
// run in milliseconds as name+"-ms".
func report(b *testing.B, bk *backend, c, base cost, unit, name, baseName string) {
	b.ReportMetric(float64(c.wall)/float64(base.wall), unit)
	if !bk.pg && base.cpu > 0 {
		b.ReportMetric(float64(c.cpu)/float64(base.cpu), "cpu-"+unit)
	}
	b.ReportMetric(perOp(b, c.wall), name+"-ms")
	b.ReportMetric(perOp(b, base.wall), baseName+"-ms")
}

// perOp returns d averaged over b.N runs in milliseconds.
func perOp(b *testing.B, d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000 / float64(b.N)
}
