package consent_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/consent"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/memstore"
)

// t0 is the tests' reference time, 10:00 in Berlin.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// clock is a settable clock for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// keyRing returns a key ring with one key derived from id.
func keyRing(t testing.TB, id string) *anonymize.KeyRing {
	t.Helper()
	secret := []byte(id + " secret, long enough for HMAC-SHA-256!!")
	kr, err := anonymize.NewKeyRing(anonymize.Key{ID: id, Secret: secret})
	require.NoError(t, err)
	return kr
}

// fixture is a ledger on memstore with its engine and clock.
type fixture struct {
	decl   *policy.Declaration
	st     *memstore.Store
	eng    *retention.Engine
	ledger *consent.Ledger
	clock  *clock
	keys   *anonymize.KeyRing
	ctx    context.Context
}

// newFixture loads the declaration at path and builds a ledger on
// memstore, with link keys.
func newFixture(t testing.TB, path string) *fixture {
	t.Helper()
	decl, err := policy.LoadFile(path)
	require.NoError(t, err)
	st, err := memstore.New(decl)
	require.NoError(t, err)
	return newFixtureOn(t, decl, st, st)
}

// ledgerStore is a store that holds both the records and the ledger.
type ledgerStore interface {
	store.Driver
	store.ConsentStore
}

// newFixtureOn builds a ledger for decl on drv; ms, when not nil, is the
// same store as a memstore for inserting rows.
func newFixtureOn(t testing.TB, decl *policy.Declaration, drv ledgerStore, ms *memstore.Store) *fixture {
	t.Helper()
	c := &clock{t: t0}
	keys := keyRing(t, "audit")
	eng, err := retention.New(decl, drv, &retention.Options{Now: c.Now, AuditKey: keys})
	require.NoError(t, err)
	l, err := consent.New(eng, drv, &consent.Options{Keys: keys, LinkKeys: keyRing(t, "link")})
	require.NoError(t, err)
	return &fixture{decl: decl, st: ms, eng: eng, ledger: l, clock: c, keys: keys, ctx: context.Background()}
}

// insert adds an application row that must be accepted.
func (f *fixture) insert(t testing.TB, dataset string, row map[string]any) {
	t.Helper()
	require.NoError(t, f.st.Insert(f.ctx, dataset, row), "inserting into %s", dataset)
}

// exists reports whether the row with key exists.
func (f *fixture) exists(t testing.TB, dataset, key string) bool {
	t.Helper()
	_, ok, err := f.st.Get(f.ctx, dataset, key)
	require.NoError(t, err)
	return ok
}

// bookingGrant is a valid grant for purpose booking of ledger.yaml.
func bookingGrant(subject string) consent.Grant {
	return consent.Grant{
		Subject: subject, Purpose: "booking", Version: "2025-02",
		TextSHA256: consent.TextHash("Ich willige ein, dass meine Angaben zur Terminbuchung verarbeitet werden."),
		Method:     "web_form", Evidence: "203.0.113.9",
	}
}

// grant records g, which must be accepted.
func (f *fixture) grant(t testing.TB, g consent.Grant) consent.Event {
	t.Helper()
	ev, err := f.ledger.Grant(f.ctx, g)
	require.NoError(t, err)
	return ev
}

// valid asks whether consent was in force at at.
func (f *fixture) valid(t testing.TB, subject, purpose string, at time.Time) bool {
	t.Helper()
	ok, err := f.ledger.Valid(f.ctx, subject, purpose, at)
	require.NoError(t, err)
	return ok
}

// auditLog reads the whole audit log.
func (f *fixture) auditLog(t testing.TB) []audit.Entry {
	t.Helper()
	es, err := f.st.ReadAudit(f.ctx, 0, 0)
	require.NoError(t, err)
	return es
}
