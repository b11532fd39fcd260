package retention_test

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/memstore"
)

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

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *clock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// processed is one record processed by one rule, as the recorder saw it.
type processed struct {
	Dataset, Key, Rule, Action string
	At                         time.Time
}

// recorder wraps a driver and remembers every record each batch processed
// and when (on the engine's clock), so tests can check every processing
// against the record's deadlines and holds.
type recorder struct {
	store.Driver
	clock *clock
	// fail makes Process fail for the named rule while set.
	fail map[string]error

	mu   sync.Mutex
	done []processed
}

func (r *recorder) Process(ctx context.Context, b store.Batch) (store.BatchResult, error) {
	// The rule is known through the audit entry the batch would write.
	e, _ := b.Audit(nil, 0)
	rule := e.Rule
	r.mu.Lock()
	err := r.fail[rule]
	r.mu.Unlock()
	if err != nil {
		return store.BatchResult{}, err
	}
	res, err := r.Driver.Process(ctx, b)
	if err != nil {
		return res, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rec := range res.Processed {
		r.done = append(r.done, processed{Dataset: b.Dataset, Key: rec.Key, Rule: rule, Action: res.Entry.Action, At: r.clock.Now()})
	}
	return res, nil
}

func (r *recorder) setFail(rule string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil {
		delete(r.fail, rule)
		return
	}
	r.fail[rule] = err
}

func (r *recorder) Done() []processed {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]processed(nil), r.done...)
}

// harness is an engine on memstore with a settable clock and a recorder.
type harness struct {
	decl  *policy.Declaration
	mem   *memstore.Store
	rec   *recorder
	clock *clock
	eng   *retention.Engine
	logs  *bytes.Buffer
}

var (
	auditKey = mustRing("audit-1")
	testKeys = map[string]*anonymize.KeyRing{"bookings": mustRing("bookings-1")}
)

func mustRing(id string) *anonymize.KeyRing {
	secret := bytes.Repeat([]byte(id), 64/len(id)+1)[:64]
	k, err := anonymize.NewKeyRing(anonymize.Key{ID: id, Secret: secret})
	if err != nil {
		panic(err)
	}
	return k
}

// jobcenter loads the test declaration of the notice quoted in examples/policies/jobcenter.yaml.
func jobcenter(t testing.TB) *policy.Declaration {
	t.Helper()
	d, err := policy.LoadFile("testdata/jobcenter.yaml")
	require.NoError(t, err)
	return d
}

func berlin(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	return loc
}

// newHarness starts an engine for decl at start.
func newHarness(t testing.TB, decl *policy.Declaration, start time.Time, opts *retention.Options) *harness {
	t.Helper()
	mem, err := memstore.New(decl)
	require.NoError(t, err)
	c := &clock{t: start}
	h := &harness{decl: decl, mem: mem, clock: c, rec: &recorder{Driver: mem, clock: c, fail: map[string]error{}}, logs: &bytes.Buffer{}}
	if opts == nil {
		opts = &retention.Options{}
	}
	opts.Now = c.Now
	opts.AuditKey = auditKey
	if opts.Keys == nil {
		opts.Keys = testKeys
	}
	opts.Logger = slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h.eng, err = retention.New(decl, h.rec, opts)
	require.NoError(t, err)
	return h
}

func (h *harness) insert(t testing.TB, dataset string, row map[string]any) {
	t.Helper()
	require.NoError(t, h.mem.Insert(context.Background(), dataset, row))
}

func (h *harness) exists(t testing.TB, dataset, key string) bool {
	t.Helper()
	_, ok, err := h.mem.Get(context.Background(), dataset, key)
	require.NoError(t, err)
	return ok
}

func (h *harness) row(t testing.TB, dataset, key string) map[string]any {
	t.Helper()
	row, ok, err := h.mem.Get(context.Background(), dataset, key)
	require.NoError(t, err)
	require.Truef(t, ok, "record %s/%s is gone", dataset, key)
	return row
}

func (h *harness) sweep(t testing.TB) *retention.Report {
	t.Helper()
	rep, err := h.eng.Sweep(context.Background())
	require.NoError(t, err)
	return rep
}

// verifyAudit checks that the audit log verifies and returns it.
func (h *harness) verifyAudit(t testing.TB) []audit.Entry {
	t.Helper()
	entries, err := h.mem.ReadAudit(context.Background(), 0, 0)
	require.NoError(t, err)
	_, err = audit.Verify(entries, nil)
	require.NoError(t, err, "the audit log must verify after sweeps")
	return entries
}
