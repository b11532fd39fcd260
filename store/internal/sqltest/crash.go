package sqltest

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
)

// crashYAML declares one table with a Go-operator anonymization of two
// fields (so a half-done record would show) and a delete rule on other
// records (set-based).
const crashYAML = `
controller: { name: Stadt Beispiel, address: "Markt 1, 12345 Beispiel", public_authority: true }
dpo: { address: "Markt 1, 12345 Beispiel" }
authority: { name: LDI NRW, address: "Kavalleriestr. 2-4, 40213 Düsseldorf" }
purposes:
  - id: booking
    description: { de: "Buchung eines Termins", en: "Booking an appointment" }
    legal_basis: [6.1.e]
datasets:
  - id: appointment
    table: appointments
    key: id
    subject: citizen
    marker: anonymized_at
    time:
      starts_at: starts_at
      created_unix: { column: created_unix, format: unix }
    purposes: [booking]
    fields:
      email: { category: contact }
      ip: { category: online_identifier }
    rules:
      - { after: 7d, from: starts_at, anonymize: { ip: "ip_mask(v4=1, v6=80)", email: redact } }
      - { after: 30d, from: created_unix, delete: true }
`

// CrashDeclaration returns the declaration of the crash test.
func CrashDeclaration() (*policy.Declaration, error) {
	return policy.Load(strings.NewReader(crashYAML), "crash.yaml")
}

// crashNow is the engine time of the crash test.
var crashNow = time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC)

// crashRunEnv names the variable that tells the child its run number.
const crashRunEnv = "FRIST_CRASH_RUN"

// crashShift is how much later each run's engine time is than the
// previous one's: longer than the sweep lease's TTL, shorter than would make
// other records due.
const crashShift = 6 * time.Hour

// crashChildEnv names the variable that makes a test binary a crash child;
// its value is the DSN.
const crashChildEnv = "FRIST_CRASH_CHILD_DSN"

// CrashChild turns the running test binary into the crash test's child
// when the parent started it: it sweeps the database forever (until it is
// killed). Otherwise it returns at once.
func CrashChild(t *testing.T, open func(dsn string) (store.Driver, error)) {
	dsn := os.Getenv(crashChildEnv)
	if dsn == "" {
		t.Skip("the crash test's child process; runs only when the crash test starts it")
	}
	decl, err := CrashDeclaration()
	require.NoError(t, err)
	st, err := open(dsn)
	require.NoError(t, err)
	// Each child starts later than the one killed before it, so that the
	// dead child's sweep lease has expired, as it would have in real time.
	run, err := strconv.Atoi(os.Getenv(crashRunEnv))
	require.NoError(t, err)
	now := crashNow.Add(time.Duration(run) * crashShift)
	eng, err := retention.New(decl, st, &retention.Options{Now: func() time.Time { return now }, AuditKey: crashRing(t), BatchSize: 1000})
	require.NoError(t, err)
	fmt.Println("sweeping")
	for {
		if _, err := eng.Sweep(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

func crashRing(t *testing.T) *anonymize.KeyRing {
	ring, err := anonymize.NewKeyRing(anonymize.Key{ID: "k1", Secret: []byte("0123456789abcdef0123456789abcdef")})
	require.NoError(t, err)
	return ring
}

// crashRows is how many rows the crash test sweeps; the first half is due
// for deletion, the second half for anonymization. Under the race detector
// it is a tenth, so that `go test -race ./...` stays within its timeout.
var crashRows, crashDelete = crashSize()

func crashSize() (rows, del int) {
	if raceEnabled {
		return 20_000, 10_000
	}
	return 200_000, 100_000
}

// GenerateCrashRows fills the crash test's table with crashRows rows in
// one set-based statement.
func GenerateCrashRows(ctx context.Context, b *Backend, f Flavor) error {
	d := b.Dialect()
	oldStart := d.CutoffArg(policy.TimeNative, "", crashNow.Add(-10*24*time.Hour))
	newStart := d.CutoffArg(policy.TimeNative, "", crashNow.Add(-24*time.Hour))
	oldCreated, newCreated := crashNow.Add(-40*24*time.Hour).Unix(), crashNow.Add(-24*time.Hour).Unix()
	cols := `INSERT INTO appointments (id, citizen, starts_at, created_unix, email, ip, anonymized_at)`
	sel := `SELECT i, 'c' || (i %% 97), CASE WHEN i <= %[1]d THEN %[2]s ELSE %[3]s END,
CASE WHEN i <= %[1]d THEN %[4]d ELSE %[5]d END, 'p' || i || '@example.org', '192.0.2.' || (i %% 250 + 1), NULL`
	var stmt string
	switch f {
	case SQLite:
		stmt = fmt.Sprintf(`WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < %d) `, crashRows) +
			cols + " " + fmt.Sprintf(sel, crashDelete, "?", "?", oldCreated, newCreated) + " FROM s"
	default:
		stmt = cols + " " + fmt.Sprintf(sel, crashDelete, "CAST($1 AS timestamptz)", "CAST($2 AS timestamptz)", oldCreated, newCreated) +
			fmt.Sprintf(" FROM generate_series(1, %d) AS g(i)", crashRows)
	}
	if _, err := b.DB().ExecContext(ctx, stmt, newStart, oldStart); err != nil {
		return err
	}
	_, err := b.DB().ExecContext(ctx, "ANALYZE appointments") // as autovacuum would soon
	return err
}

// RunCrash starts the test binary as a child sweeping b's database (dsn),
// kills it with SIGKILL at random moments, and after each kill checks that
// every record is either fully processed with its audit entry or
// untouched, that no record is half-anonymized, and that the audit log
// verifies. A final sweep in this process must then finish the work.
func RunCrash(t *testing.T, b *Backend, dsn, childTest string, runs int, slow time.Duration) {
	ctx := context.Background()
	for run := 0; run < runs; run++ {
		cmd := exec.Command(os.Args[0], "-test.run=^"+childTest+"$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dsn, fmt.Sprintf("%s=%d", crashRunEnv, run))
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		buf := make([]byte, 64)
		n, _ := out.Read(buf)
		require.Contains(t, string(buf[:n]), "sweeping", "the child opens its store and starts sweeping")
		go func() { _, _ = io.Copy(os.Stderr, out) }() // the child's failure, if any
		time.Sleep(time.Duration(500+rand.IntN(3000)) * time.Millisecond * slow)
		require.NoError(t, cmd.Process.Kill())
		_ = cmd.Wait()
		checkCrash(t, ctx, b, fmt.Sprintf("after kill %d", run+1))
	}
	final := crashNow.Add(time.Duration(runs) * crashShift)
	eng, err := retention.New(b.Decl, b, &retention.Options{Now: func() time.Time { return final }, AuditKey: crashRing(t), BatchSize: 1000})
	require.NoError(t, err)
	_, err = eng.Sweep(ctx)
	require.NoError(t, err)
	anonymized, deleted := checkCrash(t, ctx, b, "after the final sweep")
	assert.Equal(t, crashRows-crashDelete, anonymized, "the next sweep finishes the anonymization")
	assert.Equal(t, crashDelete, deleted, "the next sweep finishes the deletion")
}

// checkCrash checks the invariants and returns how many records are
// anonymized and deleted.
func checkCrash(t *testing.T, ctx context.Context, b *Backend, when string) (anonymized, deleted int) {
	t.Helper()
	db := b.DB()
	var remainingDelete, half int
	require.NoError(t, db.QueryRowContext(ctx, fmt.Sprintf(`SELECT COUNT(*) FROM appointments WHERE id <= %d`, crashDelete)).Scan(&remainingDelete))
	require.NoError(t, db.QueryRowContext(ctx, `SELECT COUNT(*) FROM appointments WHERE anonymized_at IS NOT NULL`).Scan(&anonymized))
	require.NoError(t, db.QueryRowContext(ctx, `SELECT COUNT(*) FROM appointments WHERE
 (anonymized_at IS NULL AND (ip = '192.0.2.0' OR email = '[REDACTED]'))
 OR (anonymized_at IS NOT NULL AND (ip <> '192.0.2.0' OR email <> '[REDACTED]'))`).Scan(&half))
	deleted = crashDelete - remainingDelete
	assert.Zero(t, half, "%s: no record is half-anonymized", when)
	entries, err := b.ReadAudit(ctx, 0, 0)
	require.NoError(t, err)
	_, err = audit.Verify(entries, nil)
	require.NoError(t, err, "%s: the audit log verifies", when)
	counts := map[string]int{}
	for _, e := range entries {
		counts[e.Action] += e.Count
	}
	assert.Equal(t, anonymized, counts["anonymize"], "%s: every anonymized record has its audit entry, and no other", when)
	assert.Equal(t, deleted, counts["delete"], "%s: every deleted record has its audit entry, and no other", when)
	t.Logf("%s: %d deleted, %d anonymized, %d audit entries", when, deleted, anonymized, len(entries))
	return anonymized, deleted
}
