package dsar_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/consent"
	"github.com/frist-go/frist/dsar"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store/memstore"
)

// fixture is a service on memstore with a settable clock and an identity
// check that trusts the subjects in verified.
type fixture struct {
	t      *testing.T
	ctx    context.Context
	decl   *policy.Declaration
	st     *memstore.Store
	eng    *retention.Engine
	ledger *consent.Ledger
	svc    *dsar.Service
	ring   *anonymize.KeyRing

	mu       sync.Mutex
	now      time.Time
	verified map[string]bool
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

func (f *fixture) trust(subject string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.verified[subject] = true
}

// newFixture loads the example declaration name ("jobcenter") and builds
// the service at now.
func newFixture(t *testing.T, name string, now time.Time) *fixture {
	t.Helper()
	decl, err := policy.LoadFile("../examples/policies/" + name + ".yaml")
	require.NoError(t, err)
	return newFixtureDecl(t, decl, now)
}

func newFixtureDecl(t *testing.T, decl *policy.Declaration, now time.Time) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), decl: decl, now: now, verified: map[string]bool{}}
	var err error
	f.st, err = memstore.New(decl)
	require.NoError(t, err)
	f.ring, err = anonymize.NewKeyRing(anonymize.Key{ID: "dsar1", Secret: []byte("dsar test audit key, thirty-two bytes")})
	require.NoError(t, err)
	f.eng, err = retention.New(decl, f.st, &retention.Options{Now: f.clock, AuditKey: f.ring})
	require.NoError(t, err)
	for i := range decl.Purposes {
		if decl.Purposes[i].HasBasis(policy.Consent) {
			f.ledger, err = consent.New(f.eng, f.st, &consent.Options{Keys: f.ring})
			require.NoError(t, err)
			break
		}
	}
	f.svc, err = dsar.NewService(f.eng, f.st, f.ledger, &dsar.ServiceOptions{
		Now: f.clock, AuditKey: f.ring,
		Identity: dsar.IdentityFunc(func(_ context.Context, r *dsar.Request) (bool, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			return f.verified[r.Subject()], nil
		}),
	})
	require.NoError(t, err)
	return f
}

func (f *fixture) insert(dataset string, row map[string]any) {
	f.t.Helper()
	require.NoError(f.t, f.st.Insert(f.ctx, dataset, row))
}

// open opens a request of kind by subject now and verifies it.
func (f *fixture) openVerified(kind dsar.Kind, subject string) *dsar.Request {
	f.t.Helper()
	r, err := f.svc.Open(f.ctx, kind, subject, time.Time{})
	require.NoError(f.t, err)
	f.trust(subject)
	r, err = f.svc.Verify(f.ctx, r.ID())
	require.NoError(f.t, err)
	require.Equal(f.t, dsar.Verified, r.State())
	return r
}

// auditText returns the whole audit log as JSON, to search for leaks.
func (f *fixture) auditText() string {
	f.t.Helper()
	log, err := f.st.ReadAudit(f.ctx, 0, 0)
	require.NoError(f.t, err)
	b, err := json.Marshal(log)
	require.NoError(f.t, err)
	return string(b)
}

// keysOf returns the record keys of a dataset in a report.
func keysOf(rep *dsar.AccessReport, dataset string) []string {
	for _, ds := range rep.Datasets {
		if ds.ID == dataset {
			var out []string
			for _, r := range ds.Records {
				out = append(out, r.Key)
			}
			return out
		}
	}
	return nil
}

func contains(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}
