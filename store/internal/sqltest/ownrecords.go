package sqltest

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/consent"
	"github.com/frist-go/frist/dsar"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
)

// OwnStore is a SQL store that keeps frist's own consent events and
// requests, as sqlitestore and pgstore do.
type OwnStore interface {
	store.Driver
	store.ConsentStore
	store.RequestStore
}

// OwnStage is one step of RunOwnRecords: after it, the values in Erased
// were deleted or overwritten in frist's own tables (and the sweep that
// ended the step purged the store), and those in Kept are still stored.
// Tables are frist's own tables the step deleted or overwrote rows of.
type OwnStage struct {
	Name          string
	Erased, Kept  []string
	Tables        []string
	Processed     int // records of the application's tables the step's sweep processed
	OwnRecordsHit int // consent events and requests the step deleted or pseudonymized
}

// RunOwnRecords seeds frist's own records with recognisable values through
// the consent ledger and the request service of examples/policies/jobcenter.yaml
// (found at decl) on the store newStore makes on db, and lets them be
// erased the ways frist erases its own records, one stage at a time:
//
//   - "erase": consent.Ledger.EraseSubject (as an Art. 17 erasure calls
//     it) replaces ten subjects by their pseudonym in their events and
//     clears the evidence, and the next sweep runs;
//   - "pseudonymize": the sweep after the period to identify requests
//     replaces the e-mail addresses of twenty closed requests by their
//     keyed pseudonym;
//   - "expire": the sweep three years after the end of the year deletes the
//     events of thirty withdrawn consents with their evidence, the closed
//     requests, ten restrictions released that year, which named their
//     subjects' e-mail addresses, and the audit entries of that year,
//     which named the subjects by their pseudonyms.
//
// No sweep processes a record of the application's tables, so nothing but
// frist's own records asks for a purge. Before the first stage, settle is
// called to make the database hold the values in its files (SQLite: a
// checkpoint of the write-ahead log); after each stage, check gets what it
// erased and kept. Consents in force, open requests and restrictions in
// force are kept throughout, so that a search that finds nothing is seen
// to work.
func RunOwnRecords(t *testing.T, db *sql.DB, f Flavor, decl string, newStore func(*sql.DB, *policy.Declaration) (OwnStore, error), settle func(), check func(OwnStage)) {
	t.Helper()
	ctx := context.Background()
	d, err := policy.LoadFile(decl)
	require.NoError(t, err)
	require.NoError(t, CreateTables(ctx, db, f, d, IntKey))
	st, err := newStore(db, d)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	ring, err := anonymize.NewKeyRing(anonymize.Key{ID: "own1", Secret: []byte("frist's own records, a test key of 32+ bytes")})
	require.NoError(t, err)
	var mu sync.Mutex
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	set := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }
	eng, err := retention.New(d, st, &retention.Options{Now: clock, AuditKey: ring})
	require.NoError(t, err)
	ledger, err := consent.New(eng, st, &consent.Options{Keys: ring})
	require.NoError(t, err)
	svc, err := dsar.NewService(eng, st, ledger, &dsar.ServiceOptions{
		Now: clock, AuditKey: ring,
		Identity: dsar.IdentityFunc(func(context.Context, *dsar.Request) (bool, error) { return true, nil }),
	})
	require.NoError(t, err)

	grant := func(subject string, i int) string {
		ev, err := ledger.Grant(ctx, consent.Grant{
			Subject: subject, Purpose: "booking", Version: "2024-01",
			TextSHA256: consent.TextHash("Ich willige ein, dass meine Angaben zur Terminbuchung verarbeitet werden."),
			Method:     "web_form", Evidence: fmt.Sprintf("198.51.100.%d", i),
		})
		require.NoError(t, err)
		require.NotEmpty(t, ev.Evidence)
		return ev.Evidence // the keyed pseudonym the ledger stores
	}
	var withdrawn, withdrawnEvidence, erased, erasedEvidence, inForce, closed, open []string
	for i := range 30 {
		s := fmt.Sprintf("withdrawn-%02d@zzyzx.example", i)
		withdrawn = append(withdrawn, s)
		withdrawnEvidence = append(withdrawnEvidence, grant(s, i))
	}
	for i := range 10 {
		s := fmt.Sprintf("erased-%02d@zzyzx.example", i)
		erased = append(erased, s)
		erasedEvidence = append(erasedEvidence, grant(s, 100+i))
		s = fmt.Sprintf("in-force-%02d@zzyzx.example", i)
		inForce = append(inForce, s)
		grant(s, 200+i)
	}
	var requests []*dsar.Request
	for i := range 20 {
		s := fmt.Sprintf("requester-%02d@zzyzx.example", i)
		closed = append(closed, s)
		r, err := svc.Open(ctx, dsar.Access, s, time.Time{})
		require.NoError(t, err)
		r, err = svc.Verify(ctx, r.ID())
		require.NoError(t, err)
		requests = append(requests, r)
	}
	for i := range 5 {
		s := fmt.Sprintf("still-open-%02d@zzyzx.example", i)
		open = append(open, s)
		_, err := svc.Open(ctx, dsar.Access, s, time.Time{})
		require.NoError(t, err)
	}
	var restricted, stillRestricted, restrictions []string
	for i := range 10 {
		s := fmt.Sprintf("restricted-%02d@zzyzx.example", i)
		restricted = append(restricted, s)
		h, err := eng.PlaceHold(ctx, retention.HoldRequest{Subject: s, Reason: store.HoldRestriction})
		require.NoError(t, err)
		restrictions = append(restrictions, h.ID)
	}
	for i := range 5 {
		s := fmt.Sprintf("held-on-%02d@zzyzx.example", i)
		stillRestricted = append(stillRestricted, s)
		_, err := eng.PlaceHold(ctx, retention.HoldRequest{Subject: s, Reason: store.HoldRestriction})
		require.NoError(t, err)
	}
	set(now.AddDate(0, 0, 1))
	for _, id := range restrictions {
		require.NoError(t, eng.ReleaseHold(ctx, id))
	}
	for _, s := range withdrawn {
		_, err := ledger.Withdraw(ctx, s, "booking", policy.ChannelForm)
		require.NoError(t, err)
	}
	for _, r := range requests {
		_, err := svc.Complete(ctx, r.ID(), "Auskunft erteilt")
		require.NoError(t, err)
	}
	// A first sweep: nothing is due, nothing is purged.
	rep, err := eng.Sweep(ctx)
	require.NoError(t, err)
	require.Zero(t, rep.Processed())
	settle()

	kept := append(append(append([]string(nil), inForce...), open...), withdrawn...)
	kept = append(append(append(kept, closed...), restricted...), stillRestricted...)
	dropped := 0 // audit entries dropped
	sweep := func(at time.Time) (processed, own int) {
		set(at)
		rep, err := eng.Sweep(ctx)
		require.NoError(t, err)
		require.NoError(t, rep.PurgeErr)
		for _, kr := range rep.Records {
			if kr.Own == store.AuditRecords {
				dropped += kr.Deleted
				continue
			}
			own += kr.Deleted + kr.Pseudonymized
		}
		return rep.Processed(), own
	}

	// An Art. 17 erasure files the subjects' events under their
	// pseudonym, outside any sweep; the next sweep purges.
	set(clock().Add(time.Hour))
	pseudonymized := 0
	for _, s := range erased {
		er, err := ledger.EraseSubject(ctx, s)
		require.NoError(t, err)
		require.Equal(t, 2, er.Events, "the grant and the withdrawal the erasure made")
		pseudonymized += er.Events
	}
	p, n := sweep(clock().Add(time.Minute))
	require.Zero(t, n, "the sweep after the erasure keeps no records of its own")
	n = pseudonymized
	check(OwnStage{Name: "erase", Erased: append(append([]string(nil), erased...), erasedEvidence...), Kept: kept,
		Tables: []string{"frist_consent_events"}, Processed: p, OwnRecordsHit: n})

	// Three months after closing, the requests keep only the pseudonym.
	p, n = sweep(time.Date(2026, 6, 10, 9, 0, 0, 0, time.UTC))
	require.Equal(t, len(closed), n, "every closed request is pseudonymized")
	kept = append(append(append([]string(nil), inForce...), open...), withdrawn...)
	kept = append(append(kept, restricted...), stillRestricted...)
	for _, s := range append(append(append([]string(nil), withdrawn...), erased...), closed...) {
		// In the audit log, in the erased subjects' events and in the
		// pseudonymized requests, until the expiry.
		kept = append(kept, ring.Pseudonym(s))
	}
	check(OwnStage{Name: "pseudonymize", Erased: closed, Kept: kept,
		Tables: []string{"frist_requests"}, Processed: p, OwnRecordsHit: n})

	// Three years after the end of 2026 the withdrawn consents' proof, the
	// closed requests, the restrictions released in 2026 and the audit
	// entries of 2026 are deleted: with
	// them the last copies of the pseudonyms of the subjects whose
	// records they were (the erased subjects' events and the closed
	// requests held them too).
	require.Zero(t, dropped, "no audit entry is due before 2030")
	p, n = sweep(time.Date(2030, 1, 2, 9, 0, 0, 0, time.UTC))
	require.Equal(t, 2*len(withdrawn)+2*len(erased)+len(closed)+len(restricted), n, "the withdrawn and erased consents' events, the closed requests and the released restrictions are deleted")
	require.Positive(t, dropped, "the audit entries of 2026 are dropped")
	kept = append(append(append([]string(nil), inForce...), open...), stillRestricted...)
	gone := append(append(append([]string(nil), withdrawn...), withdrawnEvidence...), restricted...)
	for _, s := range append(append(append([]string(nil), withdrawn...), erased...), closed...) {
		gone = append(gone, ring.Pseudonym(s))
	}
	check(OwnStage{Name: "expire", Erased: gone, Kept: kept,
		Tables: []string{"frist_consent_events", "frist_requests", "frist_holds", "frist_audit"}, Processed: p, OwnRecordsHit: n + dropped})
}
