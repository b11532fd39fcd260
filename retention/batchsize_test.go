package retention

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
)

func TestNextBatchSize(t *testing.T) {
	const budget = 100 * time.Millisecond
	tests := []struct {
		name   string
		last   int
		took   time.Duration
		budget time.Duration
		floor  int
		limit  int
		want   int
	}{
		{"a batch under the budget grows to half the budget's worth", 1000, 20 * time.Millisecond, budget, 1000, 50000, 2500},
		{"a batch at exactly half the budget doubles", 1000, 50 * time.Millisecond, budget, 1000, 50000, 2000},
		{"a batch just under half the budget still doubles", 1000, 40 * time.Millisecond, budget, 1000, 50000, 2000},
		{"a very fast batch grows eightfold at most", 1000, time.Millisecond, budget, 1000, 50000, 8000},
		{"a batch that took no measurable time grows eightfold", 1000, 0, budget, 1000, 50000, 8000},
		{"growth stops at the limit", 40000, 10 * time.Millisecond, budget, 1000, 50000, 50000},
		{"a batch at the limit stays there", 50000, 10 * time.Millisecond, budget, 1000, 50000, 50000},
		{"a batch between half and the whole budget keeps its size", 4000, 80 * time.Millisecond, budget, 1000, 50000, 4000},
		{"a batch at exactly the budget keeps its size", 4000, budget, budget, 1000, 50000, 4000},
		{"a batch over the budget shrinks to three quarters of the budget's worth", 8000, 200 * time.Millisecond, budget, 1000, 50000, 3000},
		{"a batch far over the budget shrinks in one step, to the floor", 50000, 10 * time.Second, budget, 1000, 50000, 1000},
		{"a batch far over the budget shrinks in one step", 50000, 2 * time.Second, budget, 100, 50000, 1875},
		{"shrinking stops at the floor", 1000, time.Hour, budget, 1000, 50000, 1000},
		{"a floor below one is taken as one", 2, time.Hour, budget, 0, 50000, 1},
		{"a size above the limit is brought down to it", 80000, 80 * time.Millisecond, budget, 1000, 50000, 50000},
		{"a limit below the floor is raised to it", 1000, time.Millisecond, budget, 1000, 10, 1000},
		{"a non-positive budget keeps the size", 3000, time.Hour, 0, 1000, 50000, 3000},
		{"a size below the floor is raised to it", 0, 80 * time.Millisecond, budget, 1000, 50000, 1000},
		{"a long budget does not overflow", 1 << 40, 1 << 62, 1 << 61, 1, 1 << 41, 3 << 37},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, nextBatchSize(tt.last, tt.took, tt.budget, tt.floor, tt.limit))
		})
	}
}

func TestNewSizingDefaultsAndErrors(t *testing.T) {
	tests := []struct {
		name    string
		opts    *Options
		want    sizing
		wantErr string
	}{
		{"nil options start at the default and grow to the default cap", nil,
			sizing{start: DefaultBatchSize, max: DefaultMaxBatchSize, budget: DefaultBatchBudget}, ""},
		{"an explicit batch size is also the ceiling", &Options{BatchSize: 200},
			sizing{start: 200, max: 200, budget: DefaultBatchBudget}, ""},
		{"MaxBatchSize lets an explicit batch size grow", &Options{BatchSize: 200, MaxBatchSize: 5000},
			sizing{start: 200, max: 5000, budget: DefaultBatchBudget}, ""},
		{"a MaxBatchSize below the default start lowers the start", &Options{MaxBatchSize: 100},
			sizing{start: 100, max: 100, budget: DefaultBatchBudget}, ""},
		{"a negative budget fixes the size", &Options{BatchBudget: -1},
			sizing{start: DefaultBatchSize, max: DefaultMaxBatchSize, budget: -1}, ""},
		{"a negative batch size is refused", &Options{BatchSize: -5}, sizing{}, "Options.BatchSize -5 is negative"},
		{"a negative maximum is refused", &Options{MaxBatchSize: -5}, sizing{}, "Options.MaxBatchSize -5 is negative"},
		{"a maximum below the batch size is refused", &Options{BatchSize: 100, MaxBatchSize: 50}, sizing{},
			"Options.MaxBatchSize 50 is smaller than Options.BatchSize 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := newSizing(tt.opts)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.NotNil(t, got.stopwatch)
			got.stopwatch = nil
			assert.Equal(t, tt.want, got)
		})
	}
}

// batchDriver is a store with n due records that takes, for each batch,
// the time the test scripts for it, and remembers each batch's limit.
type batchDriver struct {
	store.Driver
	left   int
	limits []int
	leases []time.Time // the now of every AcquireLease
	afters []any       // the Selection.After of every batch
	// tick advances the clock the test gives the engine; Process calls
	// it once per batch when set.
	tick func()
}

func (d *batchDriver) AcquireLease(_ context.Context, _, _ string, now time.Time, _ time.Duration) (bool, error) {
	d.leases = append(d.leases, now)
	return true, nil
}
func (d *batchDriver) ReleaseLease(context.Context, string, string) error { return nil }
func (d *batchDriver) Serves(string) bool                                 { return true }
func (d *batchDriver) Purge(context.Context, store.PurgeScope) error      { return nil }
func (d *batchDriver) AuditBase(context.Context) (audit.Base, error)      { return audit.Base{}, nil }
func (d *batchDriver) DropAudit(context.Context, store.AuditDrop) (store.AuditDropped, error) {
	return store.AuditDropped{}, nil
}
func (d *batchDriver) ListRemembered(context.Context, string, int) ([]store.RememberedEvent, error) {
	return nil, nil
}
func (d *batchDriver) ListOutgoing(context.Context, string, int) ([]store.Outgoing, error) {
	return nil, nil
}
func (d *batchDriver) Unreadable(context.Context, store.Selection) (int, string, error) {
	return 0, "", nil
}
func (d *batchDriver) ListHolds(context.Context, time.Time) ([]store.Hold, error) {
	return nil, nil
}
func (d *batchDriver) ExpireHolds(context.Context, time.Time) (int, error) { return 0, nil }
func (d *batchDriver) Count(_ context.Context, sel store.Selection) (int, int, error) {
	return d.left, 0, nil
}
func (d *batchDriver) Earliest(context.Context, store.Selection, string, time.Time) (time.Time, bool, error) {
	if d.left == 0 {
		return time.Time{}, false, nil
	}
	return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), true, nil
}
func (d *batchDriver) Process(_ context.Context, b store.Batch) (store.BatchResult, error) {
	d.limits = append(d.limits, b.Limit)
	d.afters = append(d.afters, b.After)
	if d.tick != nil {
		d.tick()
	}
	n := min(b.Limit, d.left)
	d.left -= n
	// The position is the number of the batch, 1-based.
	return store.BatchResult{Processed: make([]store.Record, n), Count: n, Next: len(d.limits)}, nil
}

// jobcenterDecl loads the test declaration and an audit key ring.
func jobcenterDecl(t *testing.T) (*policy.Declaration, *anonymize.KeyRing) {
	t.Helper()
	f, err := os.Open("testdata/jobcenter.yaml")
	require.NoError(t, err)
	defer f.Close()
	decl, err := policy.Load(f, "jobcenter.yaml")
	require.NoError(t, err)
	ring, err := anonymize.NewKeyRing(anonymize.Key{ID: "audit", Secret: []byte("0123456789abcdef0123456789abcdef")})
	require.NoError(t, err)
	return decl, ring
}

func TestSweepBatchesGrowUnderTheBudgetAndShrinkOverIt(t *testing.T) {
	decl, ring := jobcenterDecl(t)

	tests := []struct {
		name       string
		opts       Options
		due        int
		took       []time.Duration // per batch; the last repeats
		wantLimits []int
	}{
		{"fast batches grow up to the cap", Options{MaxBatchSize: 16000},
			60000, []time.Duration{time.Millisecond},
			[]int{1000, 8000, 16000, 16000, 16000, 16000}},
		{"a slow batch shrinks the next, then growth resumes", Options{BatchSize: 500, MaxBatchSize: 50000},
			20000, []time.Duration{10 * time.Millisecond, 10 * time.Millisecond, 400 * time.Millisecond, 10 * time.Millisecond},
			[]int{500, 2500, 12500, 2343, 11715}},
		{"batches never shrink below the first batch's size", Options{},
			9000, []time.Duration{10 * time.Millisecond, time.Hour},
			[]int{1000, 5000, 1000, 1000, 1000, 1000}},
		{"batches between half and the whole budget keep their size", Options{BatchSize: 500, MaxBatchSize: 5000},
			2100, []time.Duration{70 * time.Millisecond},
			[]int{500, 500, 500, 500, 500}},
		{"an explicit batch size alone never grows", Options{BatchSize: 300},
			1000, []time.Duration{time.Millisecond},
			[]int{300, 300, 300, 300}},
		{"a negative budget keeps every batch at BatchSize", Options{BatchSize: 300, MaxBatchSize: 5000, BatchBudget: -1},
			700, []time.Duration{time.Hour},
			[]int{300, 300, 300}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &batchDriver{left: tt.due}
			opts := tt.opts
			opts.AuditKey = ring
			opts.Now = func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }
			e, err := New(decl, d, &opts)
			require.NoError(t, err)
			i := 0
			e.sizing.stopwatch = func() func() time.Duration {
				took := tt.took[min(i, len(tt.took)-1)]
				i++
				return func() time.Duration { return took }
			}
			rep, err := e.Sweep(context.Background())
			require.NoError(t, err)
			assert.Equal(t, tt.due, rep.Processed())
			assert.Equal(t, tt.wantLimits, d.limits)
		})
	}
}

func TestSweepRenewsTheLeaseEveryThirdOfItsTTL(t *testing.T) {
	decl, ring := jobcenterDecl(t)
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		step       time.Duration // the engine's clock advances this much per batch
		wantLeases int           // the sweep's own plus the renewals
	}{
		{"batches within a third of the TTL do not renew", time.Second, 1},
		// After the rules, keeping the audit log renews once more when
		// a third of the TTL has passed since the last renewal.
		{"every batch that starts a third of the TTL later renews", time.Minute, 1 + 5 + 1},
		{"renewals follow the clock, not the batch count", 25 * time.Second, 1 + 1 + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := start
			d := &batchDriver{left: 5000, tick: func() { now = now.Add(tt.step) }}
			// Interval 1m: the lease's TTL is 3m, renewed after 1m.
			e, err := New(decl, d, &Options{AuditKey: ring, BatchSize: 1000, Interval: time.Minute, Now: func() time.Time { return now }})
			require.NoError(t, err)
			rep, err := e.Sweep(context.Background())
			require.NoError(t, err)
			require.Equal(t, 5000, rep.Processed())
			require.Len(t, d.limits, 6, "five full batches and an empty one")
			assert.Len(t, d.leases, tt.wantLeases)
			for i := 1; i < len(d.leases); i++ {
				assert.GreaterOrEqual(t, d.leases[i].Sub(d.leases[i-1]), time.Minute, "renewal %d came early", i)
			}
		})
	}
}

func TestSweepStartsEachBatchBehindTheLastOne(t *testing.T) {
	decl, ring := jobcenterDecl(t)
	d := &batchDriver{left: 2500}
	e, err := New(decl, d, &Options{AuditKey: ring, BatchSize: 1000, Now: func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }})
	require.NoError(t, err)
	rep, err := e.Sweep(context.Background())
	require.NoError(t, err)
	require.Equal(t, 2500, rep.Processed())
	assert.Equal(t, []any{nil, 1, 2}, d.afters, "the first batch starts at the beginning, each later one behind the one before")
}
