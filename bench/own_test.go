package bench

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/consent"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/pgstore"
	"github.com/frist-go/frist/store/sqlitestore"
)

// The consent ledger of BenchmarkOwnRecordsPurge: ownSubjects subjects,
// each with a grant; ownExpired of them withdrew in 2020, so that their
// grant and withdrawal are past the default period for consent proof
// (three years from the end of the year) at sweepAt.
const (
	ownSubjects = 50000
	ownExpired  = 10000
)

// consentPurposeYAML is a purpose on consent, for the consent ledger.
const consentPurposeYAML = `  - id: booking
    description: { de: "Terminbuchung", en: "Booking an appointment" }
    legal_basis: [6.1.a]
    consent: { version: "2024-01", withdraw: [link] }`

// ownPurgeOff is a store whose Purge leaves frist's own records alone: the
// sweep without the purge that frist's own erased records ask for.
type ownPurgeOff struct{ store.Driver }

func (s ownPurgeOff) Purge(ctx context.Context, sc store.PurgeScope) error {
	if len(sc.Datasets) == 0 {
		return nil
	}
	return s.Driver.Purge(ctx, store.PurgeScope{Datasets: sc.Datasets})
}

// timedPurge is a store that adds the wall time of its Purge calls to
// *took.
type timedPurge struct {
	store.Driver
	took *time.Duration
}

func (s timedPurge) Purge(ctx context.Context, sc store.PurgeScope) error {
	start := time.Now()
	defer func() { *s.took += time.Since(start) }()
	return s.Driver.Purge(ctx, sc)
}

// BenchmarkOwnRecordsPurge measures what purging frist's own erased records
// adds to a sweep: the consent ledger's keeper deletes the grants and
// withdrawals of 10k consents withdrawn in 2020 (20k events) out of 60k
// events, and no rule has anything to do. Both variants run in the same
// iteration on the same tables:
//
//   - purge-vs-none: the sweep as frist runs it, which then purges
//     frist_consent_events (SQLite: secure deletion and a checkpoint that
//     truncates the write-ahead log; PostgreSQL: Options.Vacuum plain,
//     VACUUM of the table), against the same sweep whose store skips that
//     purge; the two run in turns, one first in even iterations, the
//     other in odd ones;
//   - purge-alone-ms: the purge's own wall time in the first, and
//     purge-share its ratio to the sweep without the purge, which is the
//     steadier measure on a loaded machine: the sweep's own time varies
//     by more than the purge costs.
func BenchmarkOwnRecordsPurge(b *testing.B) {
	eachBackend(b, func(b *testing.B, bk *backend) {
		const table = "access_log"
		bk.createTable(b, table)
		decl, err := policy.Load(strings.NewReader(declarationYAML(table, false, consentPurposeYAML)), "own.yaml")
		if err != nil {
			b.Fatal(err)
		}
		var purgeTook time.Duration
		open := func(skipOwn bool) *retention.Engine {
			var st interface {
				store.Driver
				store.ConsentStore
			}
			if bk.pg {
				st, err = pgstore.New(bk.db, decl, &pgstore.Options{Vacuum: pgstore.VacuumPlain})
			} else {
				st, err = sqlitestore.New(bk.db, decl, nil)
			}
			if err != nil {
				b.Fatal(err)
			}
			var drv store.Driver = timedPurge{Driver: st, took: &purgeTook}
			if skipOwn {
				drv = ownPurgeOff{st}
			}
			ring, err := anonymize.NewKeyRing(anonymize.Key{ID: "bench", Secret: []byte("bench-audit-key-0123456789abcdef")})
			if err != nil {
				b.Fatal(err)
			}
			eng, err := retention.New(decl, drv, &retention.Options{Now: func() time.Time { return sweepAt }, AuditKey: ring})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := consent.New(eng, st, &consent.Options{Keys: ring}); err != nil {
				b.Fatal(err)
			}
			return eng
		}
		purged, plain := open(false), open(true)
		bk.seedConsents(b, 0, ownSubjects, ownExpired)
		restore := func() {
			bk.seedConsents(b, 0, ownExpired, ownExpired)
			bk.settle(b, "frist_consent_events")
		}
		bk.settle(b, "frist_consent_events")
		check := func(what string) {
			if n := bk.count(b, "SELECT COUNT(*) FROM frist_consent_events"); n != ownSubjects-ownExpired {
				b.Fatalf("after %s %d consent events are left, want %d", what, n, ownSubjects-ownExpired)
			}
		}
		expire := func(eng *retention.Engine) {
			rep, err := eng.Sweep(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			deleted := -1
			for _, kr := range rep.Records {
				if kr.Own == store.ConsentRecords {
					deleted = kr.Deleted
				}
			}
			if deleted != 2*ownExpired {
				b.Fatalf("the sweep kept the consent records as %+v, want %d deleted", rep.Records, 2*ownExpired)
			}
		}
		var withPurge, without cost
		b.ResetTimer()
		for i := range b.N {
			runs := []func(){
				func() { withPurge.measure(func() { expire(purged) }); b.StopTimer(); check("the sweep with the purge") },
				func() { without.measure(func() { expire(plain) }); b.StopTimer(); check("the sweep without it") },
			}
			if i%2 == 1 {
				runs[0], runs[1] = runs[1], runs[0]
			}
			for _, run := range runs {
				b.StartTimer()
				run()
				restore()
			}
		}
		b.StopTimer()
		report(b, bk, withPurge, without, "purge-vs-none", "purge", "none")
		b.ReportMetric(perOp(b, purgeTook), "purge-alone-ms")
		b.ReportMetric(float64(purgeTook)/float64(without.wall), "purge-share")
	})
}

// seedConsents appends the consent events of the subjects from to to-1,
// one statement per kind: a grant on 1 March 2020 for each, and a
// withdrawal a day later for those below expired; the others keep their
// grant, a consent in force. Seeding the expired subjects again restores
// what a sweep deleted.
func (bk *backend) seedConsents(b *testing.B, from, to, expired int) {
	b.Helper()
	grant, withdrawal := time.Date(2020, 3, 1, 9, 0, 0, 0, time.UTC), time.Date(2020, 3, 2, 9, 0, 0, 0, time.UTC)
	at := func(t time.Time) string {
		if bk.pg {
			return fmt.Sprintf("timestamptz '%s'", t.Format(time.RFC3339))
		}
		return fmt.Sprint(t.UnixMicro())
	}
	for _, ev := range []struct {
		kind  string
		at    time.Time
		upto  int
		minor int
	}{{"granted", grant, to, 0}, {"withdrawn", withdrawal, min(to, expired), 1}} {
		if ev.upto <= from {
			continue
		}
		series := fmt.Sprintf("WITH RECURSIVE n(i) AS (SELECT %d UNION ALL SELECT i+1 FROM n WHERE i < %d) ", from, ev.upto-1)
		if bk.pg {
			series = fmt.Sprintf("WITH n(i) AS (SELECT generate_series(%d, %d)) ", from, ev.upto-1)
		}
		pad, no := "substr('000000000000' || i, -12, 12)", "0"
		if bk.pg {
			pad, no = "lpad(i::text, 12, '0')", "false"
		}
		bk.exec(b, series+fmt.Sprintf(`INSERT INTO frist_consent_events (id, subject, purpose, kind, at, version, text_sha256, method, actor,
guardian_relation, guardian_verification, evidence, reason, reference, erased)
SELECT '01900000-0000-7000-800%d-' || %s, 'subject-' || i || '@zzyzx.example', 'booking', '%s', %s, '2024-01',
'9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', 'web_form', 'subject', '', '', 'bench:evidence-' || i, '', '', %s FROM n`,
			ev.minor, pad, ev.kind, at(ev.at), no))
	}
}
