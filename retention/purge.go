package retention

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/frist-go/frist/store"
)

// purges remembers the datasets on which a batch deleted or overwrote
// records, and the kinds of frist's own records of which rows were deleted
// or overwritten, since the store last purged them (store.Driver.Purge). A
// Trigger or an erasure between two sweeps marks its dataset too, and
// MarkForPurge the kinds of frist's own records changed outside a sweep,
// so the next sweep purges what they left behind: the bytes of a cancelled
// appointment or of an erased subject's consent events stay in the
// database's files at most until the sweep after the change.
type purges struct {
	mu      sync.Mutex
	pending map[string]bool
	own     map[store.OwnRecords]bool
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

// touchedOwn marks kinds of frist's own records as deleted or overwritten
// and not yet purged.
func (p *purges) touchedOwn(kinds ...store.OwnRecords) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.own == nil {
		p.own = map[store.OwnRecords]bool{}
	}
	for _, k := range kinds {
		p.own[k] = true
	}
}

// take returns the marked datasets, sorted, and the marked kinds of
// frist's own records, in the order of store.AllOwnRecords and then by
// name, and clears the marks.
func (p *purges) take() store.PurgeScope {
	p.mu.Lock()
	defer p.mu.Unlock()
	var sc store.PurgeScope
	for d := range p.pending {
		sc.Datasets = append(sc.Datasets, d)
	}
	slices.Sort(sc.Datasets)
	for _, k := range store.AllOwnRecords() {
		if p.own[k] {
			sc.Own = append(sc.Own, k)
			delete(p.own, k)
		}
	}
	var rest []store.OwnRecords
	for k := range p.own {
		rest = append(rest, k)
	}
	slices.Sort(rest)
	sc.Own = append(sc.Own, rest...)
	clear(p.pending)
	clear(p.own)
	return sc
}

// MarkForPurge tells the engine that frist's own records of kinds were
// deleted or overwritten outside a sweep, as consent.Ledger.EraseSubject
// overwrites an erased subject's consent events, so that the next Sweep
// has the store remove what the change left in its files
// (store.Driver.Purge: on SQLite the write-ahead log is truncated, on
// PostgreSQL the tables are vacuumed when the store is so configured), as
// it does after a Trigger (Art. 17(1) GDPR: erased means gone). Changes a
// sweep makes itself (the keepers registered with Keep, remembered events
// done) are marked by the sweep.
func (e *Engine) MarkForPurge(kinds ...store.OwnRecords) {
	e.purges.touchedOwn(kinds...)
}

// MarkDatasetsForPurge tells the engine that records of datasets were
// overwritten or deleted outside its batches, as the rectification of a
// record (dsar.Service.Rectify, store.Driver.UpdateFields) overwrites its
// wrong values, so that the next Sweep, or Purge, has the store remove
// the old values the change left in its files (store.Driver.Purge), as it
// does after the engine's own batches. A dataset the engine's
// declaration does not have is ignored.
func (e *Engine) MarkDatasetsForPurge(datasets ...string) {
	for _, d := range datasets {
		if e.decl.Dataset(d) != nil {
			e.purges.touched(d)
		}
	}
}

// Purge has the store remove from its files, now, what the batches, the
// Triggers and erasures, and the changes of frist's own records since the
// last purge left behind (store.Driver.Purge; Art. 17(1) GDPR). Every
// Sweep does it at its end, so a service that sweeps need not call it. A
// process that erases and then ends without sweeping, such as a command
// that carries out one erasure request, calls it before it ends: the marks
// of what is to be purged live in the engine and end with the process. It
// returns nil when there is nothing to purge; on failure the marks are
// kept for the next call or sweep, and an error wrapping
// store.ErrPurgeDeferred says the storage was busy.
func (e *Engine) Purge(ctx context.Context) error {
	return e.purge(ctx)
}

// purge asks the store to remove what the batches and the changes of
// frist's own records since the last purge left behind in its files
// (store.Driver.Purge). On failure the marks are kept, and the next sweep
// tries again.
func (e *Engine) purge(ctx context.Context) error {
	sc := e.purges.take()
	if len(sc.Datasets) == 0 && len(sc.Own) == 0 {
		return nil
	}
	if err := e.st.Purge(ctx, sc); err != nil {
		for _, d := range sc.Datasets {
			e.purges.touched(d)
		}
		e.purges.touchedOwn(sc.Own...)
		e.log.WarnContext(ctx, "retention: purging from the store's files what was erased failed, retried at the next sweep", "datasets", sc.Datasets, "own", sc.Own, "error", err)
		return fmt.Errorf("retention: purging what was erased from %v and frist's own %v records from the store's files: %w", sc.Datasets, sc.Own, err)
	}
	return nil
}
