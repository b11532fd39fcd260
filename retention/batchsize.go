package retention

import (
	"fmt"
	"time"
)

// Defaults of adaptive batch sizing (docs/DESIGN.md, "Sweeps cost what is due").
const (
	// DefaultBatchBudget is how long one batch may hold the store's write
	// lock. Batches grow while they take under half of it and shrink when
	// one takes longer, so a large sweep approaches the speed of one
	// set-based statement without blocking the application's own writers
	// for more than about this long.
	DefaultBatchBudget = 100 * time.Millisecond
	// DefaultMaxBatchSize caps how far batches grow when Options.BatchSize
	// is not set.
	DefaultMaxBatchSize = 50000
)

// sizing is the engine's batch size policy: batches start at start, the
// smallest size, never exceed max, and adapt to budget in between unless
// budget is negative.
type sizing struct {
	start  int
	max    int
	budget time.Duration // < 0: fixed batches of start
	// stopwatch starts a measurement and returns a function that reports
	// the time elapsed since. Tests replace it to drive the policy.
	stopwatch func() func() time.Duration
}

// newSizing reads the batch options. An explicit BatchSize without a
// MaxBatchSize is a ceiling as well as the first batch's size, so an
// application that chose a size never sees larger batches.
func newSizing(opts *Options) (sizing, error) {
	sz := sizing{start: DefaultBatchSize, max: DefaultMaxBatchSize, budget: DefaultBatchBudget, stopwatch: monotonic}
	if opts == nil {
		return sz, nil
	}
	switch {
	case opts.BatchSize < 0:
		return sizing{}, fmt.Errorf("retention: Options.BatchSize %d is negative", opts.BatchSize)
	case opts.MaxBatchSize < 0:
		return sizing{}, fmt.Errorf("retention: Options.MaxBatchSize %d is negative", opts.MaxBatchSize)
	case opts.BatchSize > 0 && opts.MaxBatchSize > 0 && opts.MaxBatchSize < opts.BatchSize:
		return sizing{}, fmt.Errorf("retention: Options.MaxBatchSize %d is smaller than Options.BatchSize %d", opts.MaxBatchSize, opts.BatchSize)
	}
	if opts.BatchSize > 0 {
		sz.start, sz.max = opts.BatchSize, opts.BatchSize
	}
	if opts.MaxBatchSize > 0 {
		sz.max = opts.MaxBatchSize
		sz.start = min(sz.start, sz.max)
	}
	if opts.BatchBudget != 0 {
		sz.budget = opts.BatchBudget
	}
	return sz, nil
}

// monotonic measures elapsed time on the process's monotonic clock. It is
// used only to size batches, never for a deadline, which always comes
// from Options.Now (docs/DESIGN.md, "Injected time").
func monotonic() func() time.Duration {
	t := time.Now()
	return func() time.Duration { return time.Since(t) }
}

// next returns the size of the batch after one of size last that took
// took.
func (sz sizing) next(last int, took time.Duration) int {
	if sz.budget < 0 {
		return last
	}
	return nextBatchSize(last, took, sz.budget, sz.start, sz.max)
}

// nextBatchSize is the batch size policy, a pure function of the last
// batch's size and duration, the lock-time budget and the smallest and
// largest sizes allowed:
//
//   - a batch that took at most half the budget grows to the size that
//     would take half the budget at the rate it just showed, at least
//     twofold and at most eightfold: a sweep reaches large batches in a
//     few steps, each of which pays a commit, and one fast measurement
//     cannot make the next batch overshoot the budget by much;
//   - a batch that took longer than the budget shrinks in proportion, to
//     the size that would have taken three quarters of it, so one slow
//     batch (a checkpoint, a lock wait) does not keep later ones over;
//   - anything in between keeps its size.
//
// The result lies in [floor, limit] (floor at least 1): batches never
// shrink below the size a sweep starts with, because below it the fixed
// cost of each batch (its commit, the audit entry, the lease renewal)
// makes a sweep slower without making a batch much shorter. A
// non-positive budget keeps last.
func nextBatchSize(last int, took, budget time.Duration, floor, limit int) int {
	floor = max(floor, 1)
	limit = max(limit, floor)
	last = max(last, floor)
	switch {
	case budget <= 0:
	case took <= budget/2:
		grow := 8.0
		if took > 0 {
			grow = min(max(float64(budget)/2/float64(took), 2), 8)
		}
		if float64(last)*grow >= float64(limit) {
			last = limit
		} else {
			last = int(float64(last) * grow)
		}
	case took > budget:
		// took > budget > 0, so the quotient is below last; float64
		// avoids overflowing last*budget for long budgets.
		last = int(float64(last) * float64(budget) * 3 / 4 / float64(took))
	}
	return min(max(last, floor), limit)
}
