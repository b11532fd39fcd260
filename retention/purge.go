package retention

import (
	"context"
	"fmt"
	"slices"
	"sync"
)

// purges remembers the datasets on which a batch deleted or overwrote
// records since the store last purged them (store.Driver.Purge). A Trigger or an
// erasure between two sweeps marks its dataset too, so the next sweep
// purges what it left behind: the bytes of a cancelled appointment stay in
// the database's files at most until the sweep after the cancellation.
type purges struct {
	mu      sync.Mutex
	pending map[string]bool
}

// touched marks dataset as holding processed records not yet purged.
func (p *purges) touched(dataset string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pending == nil {
		p.pending = map[string]bool{}
	}
	p.pending[dataset] = true
}

// take returns the marked datasets, sorted, and clears the marks.
func (p *purges) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	ds := make([]string, 0, len(p.pending))
	for d := range p.pending {
		ds = append(ds, d)
	}
	clear(p.pending)
	slices.Sort(ds)
	return ds
}

// purge asks the store to remove what the batches since the last purge
// left behind in its files (store.Driver.Purge). On failure the datasets
// stay marked, and the next sweep tries again.
func (e *Engine) purge(ctx context.Context) error {
	ds := e.purges.take()
	if len(ds) == 0 {
		return nil
	}
	if err := e.st.Purge(ctx, ds); err != nil {
		for _, d := range ds {
			e.purges.touched(d)
		}
		e.log.WarnContext(ctx, "retention: purging processed records from the store's files failed, retried at the next sweep", "datasets", ds, "error", err)
		return fmt.Errorf("retention: purging what batches on %v left in the store's files: %w", ds, err)
	}
	return nil
}
