package memstore

import (
	"cmp"
	"slices"
	"sort"
	"strings"
	"time"
)

// timeIndex orders a dataset's records by one time column, then by key.
// New entries are buffered in pending and merged on the next query; an
// entry is stale when its record was deleted or its column rewritten since
// (gen differs), and stale entries are dropped on merge.
type timeIndex struct {
	pos     int
	sorted  []ixEntry
	pending []ixEntry
	dead    int
	// hints remember, per selection shape, a position before which no
	// entry matched at the given dataset epoch, so that a sweep does not
	// rescan the records it has already processed (marked or nulled)
	// with every batch.
	hints map[string]hint
}

type hint struct {
	epoch uint64
	pos   int
}

type ixEntry struct {
	t   time.Time
	r   *record
	gen uint32
}

// reindex adds r's current value of the time column at pos to its index.
func (ds *dataset) reindex(r *record, pos int) {
	tv := r.times[pos]
	ix := ds.index[pos]
	if tv.gen > 0 {
		ix.dead++ // the entry for the previous value, if any, is stale now
	}
	if tv.set {
		ix.pending = append(ix.pending, ixEntry{t: tv.t, r: r, gen: tv.gen})
	}
}

func (ix *timeIndex) valid(e ixEntry) bool {
	if e.r.deleted {
		return false
	}
	tv := e.r.times[ix.pos]
	return tv.set && tv.gen == e.gen
}

// prepare merges pending entries into the sorted slice and drops stale
// ones: O(n + b log b) for b pending entries.
func (ix *timeIndex) prepare() {
	if len(ix.pending) == 0 && ix.dead <= len(ix.sorted)/2 {
		return
	}
	slices.SortFunc(ix.pending, cmpEntry)
	out := make([]ixEntry, 0, len(ix.sorted)+len(ix.pending))
	a, b := ix.sorted, ix.pending
	for len(a) > 0 || len(b) > 0 {
		var e ixEntry
		if len(b) == 0 || len(a) > 0 && cmpEntry(a[0], b[0]) <= 0 {
			e, a = a[0], a[1:]
		} else {
			e, b = b[0], b[1:]
		}
		if ix.valid(e) {
			out = append(out, e)
		}
	}
	ix.sorted, ix.pending, ix.dead = out, nil, 0
	clear(ix.hints) // positions moved
}

// after returns the position of the first entry later than t.
func (ix *timeIndex) after(t time.Time) int {
	return sort.Search(len(ix.sorted), func(i int) bool { return ix.sorted[i].t.After(t) })
}

func cmpEntry(a, b ixEntry) int {
	if c := a.t.Compare(b.t); c != 0 {
		return c
	}
	return cmpKey(a.r, b.r)
}

// cmpKey orders records by key in the key column's own order: numeric for
// integer keys, bytewise for text keys.
func cmpKey(a, b *record) int {
	if a.isInt && b.isInt {
		return cmp.Compare(a.intKey, b.intKey)
	}
	return strings.Compare(a.key, b.key)
}
