package memstore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
)

// query is a Selection with its names resolved against a dataset.
type query struct {
	store.Selection
	bounds  []bound
	notNull []string // columns of the NotNull fields
}

type bound struct {
	pos    int
	cutoff time.Time
}

// compile resolves the names sel uses against ds. The selection is
// well-formed (package store): every name is one ds declares. A name that
// is not, from a caller that broke that promise, is an error rather than a
// condition on another column.
func (ds *dataset) compile(sel store.Selection) (*query, error) {
	q := &query{Selection: sel}
	for _, b := range sel.Bounds {
		pos, ok := ds.timePos[b.Column]
		if !ok {
			return nil, brokenPromise(ds.decl.ID, "time column", b.Column)
		}
		q.bounds = append(q.bounds, bound{pos, b.Cutoff})
	}
	for _, f := range sel.NotNull {
		col, ok := ds.fieldCol[f]
		if !ok {
			return nil, brokenPromise(ds.decl.ID, "field", f)
		}
		q.notNull = append(q.notNull, col)
	}
	return q, nil
}

// brokenPromise is the error for a name the dataset does not declare,
// which callers check before a backend sees it (package store,
// "Well-formed input"): never a panic, never a silent answer about
// another column.
func brokenPromise(dataset, what, name string) error {
	return fmt.Errorf("memstore: dataset %q has no %s %q; callers check every name before a backend sees it (package store)", dataset, what, name)
}

// matches reports whether r satisfies every condition of q except Keys
// (handled by the caller) and holds.
func (q *query) matches(r *record) bool {
	for _, b := range q.bounds {
		tv := r.times[b.pos]
		if !tv.set || tv.t.After(b.cutoff) {
			return false
		}
	}
	if q.Subject != "" && r.subject != q.Subject {
		return false
	}
	if len(q.notNull) > 0 {
		set := false
		for _, col := range q.notNull {
			if r.row[col] != nil {
				set = true
				break
			}
		}
		if !set {
			return false
		}
	}
	if q.Marker != "" && r.row[q.Marker] != nil {
		return false
	}
	return true
}

// each calls fn for the records matching q (holds aside) in processing
// order until fn returns false.
func (ds *dataset) each(q *query, fn func(*record) bool) {
	var some []*record
	switch {
	case q.Keys != nil:
		seen := make(map[string]bool, len(q.Keys))
		for _, k := range q.Keys {
			if r, ok := ds.rows[k]; ok && !seen[k] {
				seen[k] = true
				some = append(some, r)
			}
		}
	case q.Subject != "":
		some = slices.Collect(maps.Values(ds.bySubject[q.Subject]))
	case len(q.bounds) > 0:
		ix := ds.index[q.bounds[0].pos]
		ix.prepare()
		end := ix.after(q.bounds[0].cutoff)
		shape := q.shape()
		start := 0
		if h, ok := ix.hints[shape]; ok && h.epoch == ds.epoch {
			start = min(h.pos, end)
		}
		skipping := true
		for i := start; i < end; i++ {
			e := ix.sorted[i]
			if !ix.valid(e) || !q.matches(e.r) {
				continue
			}
			if skipping {
				skipping = false
				ds.hint(ix, shape, i)
			}
			if !fn(e.r) {
				return
			}
		}
		if skipping {
			ds.hint(ix, shape, end)
		}
		return
	default:
		some = slices.Collect(maps.Values(ds.rows))
	}
	first := -1
	if len(q.bounds) > 0 {
		first = q.bounds[0].pos
	}
	slices.SortFunc(some, func(a, b *record) int {
		if first >= 0 {
			if c := a.times[first].t.Compare(b.times[first].t); c != 0 {
				return c
			}
		}
		return cmpKey(a, b)
	})
	for _, r := range some {
		if q.matches(r) && !fn(r) {
			return
		}
	}
}

// shape identifies the selections that share a skip hint: the same
// conditions except the first bound's cutoff.
func (q *query) shape() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%q %q %q", q.Marker, q.notNull, q.Subject)
	for _, bd := range q.bounds[1:] {
		fmt.Fprintf(&b, " %d<=%d", bd.pos, bd.cutoff.UnixNano())
	}
	return b.String()
}

// hint records that no entry before pos matches shape at the current
// epoch.
func (ds *dataset) hint(ix *timeIndex, shape string, pos int) {
	if ix.hints == nil {
		ix.hints = make(map[string]hint)
	}
	if len(ix.hints) > 64 {
		clear(ix.hints) // bound the memory of one-off shapes
	}
	ix.hints[shape] = hint{epoch: ds.epoch, pos: pos}
}

// held reports whether a hold active at now covers r.
func (s *Store) held(ds *dataset, r *record, now time.Time) bool {
	for _, h := range s.recHolds[recordRef{ds.decl.ID, r.key}] {
		if h.Active(now) {
			return true
		}
	}
	if r.subject != "" {
		for _, h := range s.subjHolds[r.subject] {
			if (h.Dataset == "" || h.Dataset == ds.decl.ID) && h.Active(now) {
				return true
			}
		}
	}
	return false
}

// Process implements store.Driver. It selects, computes every change and
// the audit entry, and commits only when all succeeded; see the package
// documentation for its cost.
func (s *Store) Process(ctx context.Context, b store.Batch) (store.BatchResult, error) {
	if err := s.begin(ctx); err != nil {
		return store.BatchResult{}, err
	}
	defer s.mu.Unlock()
	ds, err := s.dataset(b.Dataset)
	if err != nil {
		return store.BatchResult{}, err
	}
	q, err := ds.compile(b.Selection)
	if err != nil {
		return store.BatchResult{}, err
	}

	var picked []*record
	ds.each(q, func(r *record) bool {
		if !s.held(ds, r, b.Now) {
			picked = append(picked, r)
		}
		return b.Limit <= 0 || len(picked) < b.Limit
	})
	if len(picked) == 0 {
		return store.BatchResult{}, nil
	}

	processed := make([]store.Record, len(picked))
	updates := make([]map[string]any, len(picked))
	for i, r := range picked {
		rec := store.Record{Key: r.key, Subject: r.subject}
		if !b.Delete {
			upd, fields, err := ds.changes(r, b, i)
			if err != nil {
				return store.BatchResult{}, err
			}
			rec.Fields = fields
			updates[i] = upd
		}
		processed[i] = rec
	}
	entry, err := b.Audit(slices.Clone(processed), len(processed))
	if err != nil {
		return store.BatchResult{}, fmt.Errorf("memstore: batch on %s not processed: %w", b.Dataset, err)
	}

	// Commit: nothing below can fail.
	sealed := audit.Seal(s.head(), entry)
	for i, r := range picked {
		if b.Delete {
			ds.remove(r)
		} else {
			ds.write(r, updates[i])
		}
	}
	s.log = append(s.log, sealed)
	return store.BatchResult{Processed: processed, Count: len(processed), Entry: cloneEntry(sealed)}, nil
}

// changes computes the column updates of one record (the i-th of the
// batch) without applying them, and the Transform fields it read.
func (ds *dataset) changes(r *record, b store.Batch, i int) (map[string]any, map[string]any, error) {
	upd := make(map[string]any)
	for _, f := range b.Null {
		upd[ds.fieldCol[f]] = nil
	}
	var fields map[string]any
	if len(b.Transform) > 0 {
		fields = make(map[string]any, len(b.Transform))
		for _, f := range b.Transform {
			fields[f] = r.row[ds.fieldCol[f]]
		}
		in := store.Record{Key: r.key, Subject: r.subject, Fields: copyRow(fields)}
		out, err := b.Apply(in)
		if err != nil {
			return nil, nil, fmt.Errorf("memstore: batch on %s not processed: Apply failed on record %d of the batch: %w", ds.decl.ID, i+1, err)
		}
		for f, v := range out {
			nv, err := ds.checkWrite(ds.fieldCol[f], v)
			if err != nil {
				return nil, nil, fmt.Errorf("memstore: batch on %s not processed: Apply returned a bad value for field %q: %w", ds.decl.ID, f, err)
			}
			upd[ds.fieldCol[f]] = nv
		}
	}
	if b.SetMarker != "" {
		upd[b.SetMarker] = b.Now
	}
	return upd, fields, nil
}

// Count implements store.Driver.
func (s *Store) Count(ctx context.Context, sel store.Selection) (free, held int, err error) {
	if err := s.begin(ctx); err != nil {
		return 0, 0, err
	}
	defer s.mu.Unlock()
	ds, err := s.dataset(sel.Dataset)
	if err != nil {
		return 0, 0, err
	}
	q, err := ds.compile(sel)
	if err != nil {
		return 0, 0, err
	}
	ds.each(q, func(r *record) bool {
		if s.held(ds, r, sel.Now) {
			held++
		} else {
			free++
		}
		return true
	})
	return free, held, nil
}

// Earliest implements store.Driver.
func (s *Store) Earliest(ctx context.Context, sel store.Selection, column string, after time.Time) (time.Time, bool, error) {
	if err := s.begin(ctx); err != nil {
		return time.Time{}, false, err
	}
	defer s.mu.Unlock()
	ds, err := s.dataset(sel.Dataset)
	if err != nil {
		return time.Time{}, false, err
	}
	q, err := ds.compile(sel)
	if err != nil {
		return time.Time{}, false, err
	}
	pos, ok := ds.timePos[column]
	if !ok {
		return time.Time{}, false, brokenPromise(ds.decl.ID, "time column", column)
	}
	var keys map[string]bool
	if sel.Keys != nil {
		keys = make(map[string]bool, len(sel.Keys))
		for _, k := range sel.Keys {
			keys[k] = true
		}
	}
	ix := ds.index[pos]
	ix.prepare()
	for _, e := range ix.sorted[ix.after(after):] {
		if ix.valid(e) && (keys == nil || keys[e.r.key]) && q.matches(e.r) {
			return e.t, true, nil
		}
	}
	return time.Time{}, false, nil
}
