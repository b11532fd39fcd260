package consent_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/memstore"
	"github.com/frist-go/frist/store/pgstore"
	"github.com/frist-go/frist/store/sqlitestore"
)

// benchEvents is the size of the ledger the Valid benchmarks ask in.
var benchEvents = 1_000_000

// fillLedger appends n consent events for n/4 subjects (grant, withdraw,
// grant, and a grant for another purpose each) through add.
func fillLedger(tb testing.TB, n int, add func(evs []store.ConsentEvent)) {
	tb.Helper()
	batch := make([]store.ConsentEvent, 0, 4096)
	for i := range n {
		s, k := i/4, i%4
		ev := store.ConsentEvent{
			ID: fmt.Sprintf("01900000-0000-7000-8000-%012d", i), Subject: fmt.Sprintf("s%07d", s), Purpose: "booking",
			Kind: store.ConsentGranted, At: t0.Add(time.Duration(i) * time.Second), Version: "2025-02", Method: "web_form", Actor: "subject",
		}
		switch k {
		case 1:
			ev.Kind, ev.Method = store.ConsentWithdrawn, "email"
		case 3:
			ev.Purpose, ev.Version = "newsletter", "1"
		}
		batch = append(batch, ev)
		if len(batch) == cap(batch) {
			add(batch)
			batch = batch[:0]
		}
	}
	add(batch)
}

// benchValid measures Valid for one subject in a full ledger, against the
// store's read of the same events alone (the baseline: what any ledger
// must read).
func benchValid(b *testing.B, f *fixture, cs store.ConsentStore) {
	subject := fmt.Sprintf("s%07d", benchEvents/8) // in the middle
	at := t0.Add(time.Duration(benchEvents/2) * time.Second)
	b.Run("Valid", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ok, err := f.ledger.Valid(f.ctx, subject, "booking", at)
			if err != nil || !ok {
				b.Fatalf("Valid = %v, %v; want true", ok, err)
			}
		}
	})
	b.Run("baseline-ConsentEvents", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			evs, err := cs.ConsentEvents(f.ctx, subject, "booking")
			if err != nil || len(evs) != 3 {
				b.Fatalf("ConsentEvents = %d events, %v; want 3", len(evs), err)
			}
		}
	})
}

func BenchmarkValidMemstore(b *testing.B) {
	decl, err := policy.LoadFile("testdata/ledger.yaml")
	require.NoError(b, err)
	st, err := memstore.New(decl)
	require.NoError(b, err)
	fillLedger(b, benchEvents, func(evs []store.ConsentEvent) {
		for _, ev := range evs {
			if _, err := st.AppendConsent(b.Context(), ev, audit.Entry{Time: ev.At, Action: "consent." + string(ev.Kind), Count: 1}); err != nil {
				b.Fatal(err)
			}
		}
	})
	benchValid(b, newFixtureOn(b, decl, st, st), st)
}

func BenchmarkValidSQLite(b *testing.B) {
	decl, err := policy.LoadFile("testdata/ledger.yaml")
	require.NoError(b, err)
	db := openSQLite(b)
	createTables(b, db, sqlite, decl)
	st, err := sqlitestore.New(db, decl, nil)
	require.NoError(b, err)
	// The ledger is seeded with one INSERT per event in one transaction:
	// AppendConsent's own transaction per event would make the setup, not
	// the measurement, take minutes.
	tx, err := db.Begin()
	require.NoError(b, err)
	ins, err := tx.Prepare(`INSERT INTO frist_consent_events (id, subject, purpose, kind, at, version, text_sha256, method, actor,
guardian_relation, guardian_verification, evidence, reason, reference, erased) VALUES (?, ?, ?, ?, ?, ?, '', ?, ?, '', '', '', '', '', 0)`)
	require.NoError(b, err)
	fillLedger(b, benchEvents, func(evs []store.ConsentEvent) {
		for _, ev := range evs {
			if _, err := ins.Exec(ev.ID, ev.Subject, ev.Purpose, string(ev.Kind), ev.At.UnixMicro(), ev.Version, ev.Method, ev.Actor); err != nil {
				b.Fatal(err)
			}
		}
	})
	require.NoError(b, ins.Close())
	require.NoError(b, tx.Commit())
	var id, parent, unused int
	var plan string
	require.NoError(b, db.QueryRow(`EXPLAIN QUERY PLAN SELECT * FROM frist_consent_events WHERE subject = 'x' AND purpose = 'y' ORDER BY at, id`).Scan(&id, &parent, &unused, &plan))
	require.Contains(b, plan, "INDEX frist_consent_events_subject (subject=? AND purpose=?)", "the ledger is read through its index")
	benchValid(b, newFixtureOn(b, decl, st, nil), st)
	// The hand-written query an application would run for the same
	// answer, prepared once: the floor for any SQL-backed ledger.
	q, err := db.Prepare(`SELECT kind FROM frist_consent_events WHERE subject = ? AND purpose = ? AND at <= ? ORDER BY at DESC, id DESC LIMIT 1`)
	require.NoError(b, err)
	defer q.Close()
	subject, at := fmt.Sprintf("s%07d", benchEvents/8), t0.Add(time.Duration(benchEvents/2)*time.Second)
	b.Run("baseline-handwritten-SQL", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var kind string
			if err := q.QueryRow(subject, "booking", at.UnixMicro()).Scan(&kind); err != nil || kind != "granted" {
				b.Fatalf("latest event = %q, %v; want granted", kind, err)
			}
		}
	})
}

func BenchmarkValidPostgreSQL(b *testing.B) {
	decl, err := policy.LoadFile("testdata/ledger.yaml")
	require.NoError(b, err)
	db := openPostgres(b)
	createTables(b, db, postgres, decl)
	st, err := pgstore.New(db, decl, nil)
	require.NoError(b, err)
	// The same ledger as fillLedger builds, generated by the server.
	_, err = db.Exec(`INSERT INTO frist_consent_events (id, subject, purpose, kind, at, version, text_sha256, method, actor,
guardian_relation, guardian_verification, evidence, reason, reference, erased)
SELECT '01900000-0000-7000-8000-' || lpad(i::text, 12, '0'), 's' || lpad((i / 4)::text, 7, '0'),
  CASE WHEN i % 4 = 3 THEN 'newsletter' ELSE 'booking' END, CASE WHEN i % 4 = 1 THEN 'withdrawn' ELSE 'granted' END,
  $1::timestamptz + i * interval '1 second', CASE WHEN i % 4 = 3 THEN '1' ELSE '2025-02' END, '',
  CASE WHEN i % 4 = 1 THEN 'email' ELSE 'web_form' END, 'subject', '', '', '', '', '', false
FROM generate_series(0, $2 - 1) AS i`, t0, benchEvents)
	require.NoError(b, err)
	_, err = db.Exec(`ANALYZE frist_consent_events`)
	require.NoError(b, err)
	benchValid(b, newFixtureOn(b, decl, st, nil), st)
}
