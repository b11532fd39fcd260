package logstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
)

// query is a Selection resolved against its dataset.
type query struct {
	d    *dataset
	sel  store.Selection
	keys map[string]bool // nil: any key
	// watermark: the selection's marker is a watermark in the index
	// (common and combined files).
	watermark bool
}

// check resolves sel against its dataset, as every method that selects
// does before it reads a file. sel is well-formed (package store): every
// name in it is one the dataset declares. What check refuses is what a
// log's format cannot do: select by subject where its lines name none.
func (s *Store) check(sel store.Selection) (*query, error) {
	d, err := s.dataset(sel.Dataset)
	if err != nil {
		return nil, err
	}
	q := &query{d: d, sel: sel, watermark: sel.Marker != "" && d.format != formatJSONL}
	if sel.Subject != "" && d.subjCol == "" {
		return nil, fmt.Errorf("%w: dataset %q: its lines name no subject", ErrUnsupported, d.decl.ID)
	}
	// Callers check every name before a backend sees it (package store,
	// "Well-formed input"); a broken promise is an error here, not a nil
	// dereference further on.
	for _, b := range sel.Bounds {
		if d.timeCol[b.Column] == nil {
			return nil, fmt.Errorf("logstore: dataset %q has no time column %q; callers check every name before a backend sees it (package store)", d.decl.ID, b.Column)
		}
	}
	if sel.Keys != nil {
		q.keys = make(map[string]bool, len(sel.Keys))
		for _, k := range sel.Keys {
			q.keys[k] = true
		}
	}
	return q, nil
}

// mayHold reports whether a file with state e can hold a line q selects.
func (q *query) mayHold(e *fileState) bool {
	for _, b := range q.sel.Bounds {
		m, ok := e.Min[b.Column]
		if !ok || m.After(b.Cutoff) {
			return false
		}
	}
	if q.watermark && e.MalformedIP == 0 && (!q.d.drop || e.Malformed == 0) {
		w, ok := e.Marks[q.sel.Marker]
		if ok {
			for _, m := range e.Max {
				if m.After(w) {
					return true
				}
			}
			return false
		}
	}
	return true
}

// match reports whether line l of file f (state e) is selected, holds
// aside.
func (q *query) match(f logFile, e *fileState, l *line) bool {
	d := q.d
	for _, b := range q.sel.Bounds {
		t, ok := d.timeOf(l, b.Column)
		if !ok || t.After(b.Cutoff) {
			return false
		}
	}
	if q.keys != nil && !q.keys[d.key(f.name, l)] {
		return false
	}
	if q.sel.Subject != "" && d.subject(l) != q.sel.Subject {
		return false
	}
	if l.bad && (len(q.sel.NotNull) > 0 || q.sel.Marker != "") {
		// An anonymizing rule has work left on a malformed line while an
		// address can be in it; the rest of an overlong line is not in
		// memory to look at, so it may hold one.
		return d.drop || l.overlong() || hasIP(l.raw)
	}
	if len(q.sel.NotNull) > 0 {
		pending := false
		for _, f := range q.sel.NotNull {
			pending = pending || d.field(l, f) != nil
		}
		if !pending {
			return false
		}
	}
	if q.sel.Marker != "" {
		if q.watermark {
			if w, ok := e.Marks[q.sel.Marker]; ok && !l.t.After(w) {
				return false
			}
		} else if d.marked(l) {
			return false
		}
	}
	return true
}

// candidates lists the files of q's dataset that may hold selected lines,
// oldest first, with the directory's index brought up to date.
func (s *Store) candidates(q *query, pick func(*fileState) bool) ([]logFile, *dirIndex, error) {
	files, err := q.d.list()
	if err != nil {
		return nil, nil, err
	}
	idx := loadIndex(q.d.dir)
	if err := q.d.refresh(idx, files); err != nil {
		return nil, nil, err
	}
	if s.readOnly {
		// A read-only store writes nothing, not even its cache.
	} else if err := idx.save(q.d.dir); err != nil {
		s.log.Warn("logstore: the index could not be saved; the next call reads the files again", "dataset", q.d.decl.ID, "error", err)
	}
	var out []logFile
	for _, f := range files {
		if e := idx.Files[f.name]; e != nil && e.Unreadable == "" && q.mayHold(e) && (pick == nil || pick(e)) {
			out = append(out, f)
		}
	}
	first := q.d.decl.Time[0].Name
	if len(q.sel.Bounds) > 0 {
		first = q.sel.Bounds[0].Column
	}
	slices.SortStableFunc(out, func(a, b logFile) int {
		return idx.Files[a.name].Min[first].Compare(idx.Files[b.name].Min[first])
	})
	return out, idx, nil
}

// Count implements store.Driver. Due lines of the live file count as
// held: the server is writing it, so no rule touches it until it is
// rotated.
func (s *Store) Count(ctx context.Context, sel store.Selection) (free, held int, err error) {
	if err := s.begin(ctx); err != nil {
		return 0, 0, err
	}
	defer s.mu.Unlock()
	q, err := s.check(sel)
	if err != nil {
		return 0, 0, err
	}
	files, idx, err := s.candidates(q, nil)
	if err != nil {
		return 0, 0, err
	}
	hs := q.d.holdSet(s.holds.active(sel.Now))
	for _, f := range files {
		e := idx.Files[f.name]
		err := q.d.scan(f, time.Unix(0, f.id.ModNs).UTC(), func(l *line) error {
			if !q.match(f, e, l) {
				return nil
			}
			if q.d.held(hs, f, l) {
				held++
			} else {
				free++
			}
			return ctx.Err()
		})
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return 0, 0, err
		}
	}
	return free, held, nil
}

// Earliest implements store.Driver, reading only files whose newest value
// of the column is later than after.
func (s *Store) Earliest(ctx context.Context, sel store.Selection, column string, after time.Time) (time.Time, bool, error) {
	if err := s.begin(ctx); err != nil {
		return time.Time{}, false, err
	}
	defer s.mu.Unlock()
	q, err := s.check(sel)
	if err != nil {
		return time.Time{}, false, err
	}
	files, idx, err := s.candidates(q, func(e *fileState) bool {
		m, ok := e.Max[column]
		return ok && m.After(after)
	})
	if err != nil {
		return time.Time{}, false, err
	}
	var best time.Time
	found := false
	for _, f := range files {
		e := idx.Files[f.name]
		err := q.d.scan(f, time.Unix(0, f.id.ModNs).UTC(), func(l *line) error {
			if !q.match(f, e, l) {
				return nil
			}
			if t, ok := q.d.timeOf(l, column); ok && t.After(after) && (!found || t.Before(best)) {
				best, found = t, true
			}
			return ctx.Err()
		})
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return time.Time{}, false, err
		}
	}
	return best, found, nil
}

// processed is a record acted on, with what orders it.
type processed struct {
	t   time.Time
	key string
	n   int
	rec store.Record
}

// Process implements store.Driver for log files; see the package
// documentation for how it differs from a table. A batch rewrites whole
// files: it acts on every line of a file that the selection matches, and
// takes files, oldest first, until it has processed at least
// Selection.Limit lines (all due files when Limit is 0). The rewrites and
// the audit entry are committed together through the journal. On a
// dataset without a subject member the result reports only the count of
// lines (store.BatchResult.Count), so that memory does not grow with the
// files; a dataset with one lists its records.
func (s *Store) Process(ctx context.Context, b store.Batch) (store.BatchResult, error) {
	if err := s.beginWrite(ctx); err != nil {
		return store.BatchResult{}, err
	}
	defer s.mu.Unlock()
	q, err := s.check(b.Selection)
	if err != nil {
		return store.BatchResult{}, err
	}
	if err := s.supports(q, b.Action); err != nil {
		return store.BatchResult{}, err
	}
	files, idx, err := s.candidates(q, nil)
	if err != nil {
		return store.BatchResult{}, err
	}
	hs := q.d.holdSet(s.holds.active(b.Now))
	var (
		pending []*pendingFile
		recs    = newRecList(0) // only when the dataset lists records
		count   int
	)
	committed := false
	defer func() {
		if !committed {
			for _, p := range pending {
				p.rw.abort()
			}
		}
	}()
	for _, f := range files {
		if f.live || hs.files[f.name] {
			continue
		}
		p, err := s.stream(ctx, q, b, f, idx.Files[f.name], hs)
		if err != nil {
			return store.BatchResult{}, err
		}
		if p == nil {
			continue
		}
		pending = append(pending, p)
		count += p.count
		if p.recs != nil {
			if recs.Len() == 0 {
				recs = p.recs
			} else {
				recs.appendList(p.recs)
			}
			p.recs = nil
		}
		if b.Limit > 0 && count >= b.Limit {
			break
		}
	}
	if count == 0 {
		return store.BatchResult{}, nil
	}
	var out []store.Record
	if q.d.lists() {
		out = recs.records()
	}
	recs = nil
	entry, err := b.Audit(out, count)
	if err != nil {
		return store.BatchResult{}, fmt.Errorf("logstore: batch on %s not processed: %w", q.d.decl.ID, err)
	}
	entry.Note = fileNote(entry.Note, pending)
	j := journal{Entry: audit.Seal(s.audit.head, entry)}
	for _, p := range pending {
		if err := p.rw.finish(); err != nil {
			return store.BatchResult{}, err
		}
		if fi, err := os.Stat(filepath.Join(q.d.dir, p.f.name)); err != nil || idOf(fi) != p.f.id {
			return store.BatchResult{}, fmt.Errorf("%w: %s changed while it was being rewritten (rotated?); the next sweep retries", store.ErrConflict, p.f.name)
		}
		op := fileOp{Dir: q.d.dir, Target: p.f.name, Temp: p.rw.tmp, State: p.next}
		if p.rw.lines == 0 {
			// Every line was due: the file goes as a whole.
			_ = os.Remove(filepath.Join(q.d.dir, p.rw.tmp))
			op.Temp, op.State = "", nil
		}
		j.Files = append(j.Files, op)
	}
	committed = true
	if err := s.commit(j); err != nil {
		return store.BatchResult{}, s.failed("the batch on "+q.d.decl.ID, err, func() bool { return s.audit.head == j.Entry.Head() })
	}
	return store.BatchResult{Processed: out, Count: count, Entry: j.Entry}, nil
}

// lists reports whether a batch on d lists its records: only when the
// lines name a subject, which the audit entry needs. Otherwise a batch
// counts them and forgets each line once it is written.
func (d *dataset) lists() bool { return d.subjCol != "" }

// pendingFile is a file streamed into its new version, not yet committed.
type pendingFile struct {
	f    logFile
	rw   *rewriter
	next *fileState
	// recs are the records processed in the file when the dataset lists
	// them (nil otherwise); count is their number in either case.
	recs  *recList
	count int
}

// fileNote appends the lines touched per file to an audit entry's note,
// e.g. "files: access.log.8.gz 1440, access.log.9 1440". File names and
// counts are not personal data; lines, addresses and URLs never appear.
func fileNote(note string, pending []*pendingFile) string {
	var b strings.Builder
	b.WriteString(note)
	if note != "" {
		b.WriteString("; ")
	}
	b.WriteString("files:")
	for i, p := range pending {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, " %s %d", p.f.name, p.count)
	}
	return b.String()
}

// supports refuses the one well-formed action log files cannot carry out:
// setting the marker of a batch restricted to keys on lines whose marker
// is a watermark by time.
func (s *Store) supports(q *query, a store.Action) error {
	d := q.d
	if a.SetMarker != "" && d.format != formatJSONL && q.keys != nil {
		return fmt.Errorf("%w: dataset %q: a batch restricted to keys cannot set the marker of %s lines, which is a watermark by time", ErrUnsupported, d.decl.ID, d.format)
	}
	return nil
}

// stream acts on the selected lines of one file, writing its new version
// to a temporary file that is not yet fsynced or committed. It returns nil
// when no line of the file was selected.
func (s *Store) stream(ctx context.Context, q *query, b store.Batch, f logFile, e *fileState, hs holdSet) (*pendingFile, error) {
	d := q.d
	rw, err := newRewriter(d.dir, f.name, f.gz)
	if err != nil {
		return nil, err
	}
	named := map[string]bool{}
	touchesIP := false
	for _, fl := range append(slices.Clone(b.Null), b.Transform...) {
		named[fl] = true
		if d.jsonCol != nil {
			named[d.jsonCol[fl]] = true
		}
		touchesIP = touchesIP || fl == d.ipField
	}
	anonymizing := !b.Delete
	var recs *recList
	if d.lists() {
		recs = newRecList(e.Lines)
	}
	count := 0
	next := newStats(fileID{})
	var buf []byte
	malformed, overlong := 0, 0
	err = d.scan(f, time.Unix(0, f.id.ModNs).UTC(), func(l *line) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		drop := false
		if q.match(f, e, l) && !d.held(hs, f, l) {
			// The key is built in the record list; only a key member
			// is read from the line.
			key := ""
			if d.keyCol != "" {
				key = d.key(f.name, l)
			}
			rec := store.Record{Key: key, Subject: d.subject(l)}
			switch {
			case b.Delete, l.bad && anonymizing && (d.drop || l.overlong()):
				// An overlong line cannot be masked in bounded memory;
				// it is deleted rather than kept with an address in it.
				drop = true
			case l.bad:
				d.maskStrayIPs(l, nil)
			default:
				if rec.Key == "" && len(b.Transform) > 0 {
					rec.Key = lineKey(f.name, l.n) // Apply sees the key
				}
				if err := s.act(d, b, l, rec, named, touchesIP); err != nil {
					return err
				}
			}
			if l.overlong() {
				overlong++
			} else if l.bad {
				malformed++
			}
			count++
			if recs != nil {
				t := d.firstTime(l)
				if len(b.Bounds) > 0 {
					t, _ = d.timeOf(l, b.Bounds[0].Column)
				}
				recs.add(f.name, key, rec.Subject, t, l.n)
			}
		}
		if drop {
			return nil
		}
		next.add(d, l)
		if l.overlong() {
			return rw.copyLine(l)
		}
		buf = d.encode(l, buf[:0])
		return rw.writeLine(buf)
	})
	if err != nil || count == 0 {
		rw.abort()
		return nil, err
	}
	if malformed > 0 {
		s.log.Warn("logstore: malformed lines processed", "dataset", d.decl.ID, "file", f.name, "count", malformed)
	}
	if overlong > 0 {
		s.log.Warn("logstore: overlong lines deleted", "dataset", d.decl.ID, "file", f.name, "count", overlong, "max_line_length", MaxLineLength)
	}
	// Marks survive the rewrite; a watermark moves to the cutoff the
	// batch processed up to.
	next.st.Marks = e.Marks
	if b.SetMarker != "" && q.watermark {
		marks := map[string]time.Time{}
		for k, v := range e.Marks {
			marks[k] = v
		}
		marks[b.SetMarker] = watermark(q, next.st)
		next.st.Marks = marks
	}
	return &pendingFile{f: f, rw: rw, next: next.st, recs: recs, count: count}, nil
}

// watermark returns the time up to which a batch processed every line:
// the smallest cutoff of its bounds, or the newest line without bounds.
func watermark(q *query, st *fileState) time.Time {
	var w time.Time
	for i, b := range q.sel.Bounds {
		if i == 0 || b.Cutoff.Before(w) {
			w = b.Cutoff
		}
	}
	if len(q.sel.Bounds) == 0 {
		for _, m := range st.Max {
			if m.After(w) {
				w = m
			}
		}
	}
	return w
}

// act applies a non-deleting action to a well-formed line.
func (s *Store) act(d *dataset, b store.Batch, l *line, rec store.Record, named map[string]bool, touchesIP bool) error {
	for _, fl := range b.Null {
		if err := d.setField(l, fl, nil); err != nil {
			return err
		}
	}
	if len(b.Transform) > 0 {
		rec.Fields = make(map[string]any, len(b.Transform))
		for _, fl := range b.Transform {
			rec.Fields[fl] = d.field(l, fl)
		}
		vals, err := b.Apply(rec)
		if err != nil {
			return fmt.Errorf("logstore: batch on %s not processed: Apply failed: %w", d.decl.ID, err)
		}
		for fl, v := range vals {
			if err := d.setField(l, fl, v); err != nil {
				return err
			}
		}
	}
	if b.SetMarker != "" && d.format == formatJSONL {
		if err := l.js.set(d.marker, b.Now); err != nil {
			return err
		}
		l.dirty = true
	}
	if touchesIP {
		d.maskStrayIPs(l, named)
	}
	return nil
}

// less orders processed records by time, then key: numerically for
// integer keys and line numbers, as text otherwise.
func less(a, b processed) bool {
	if c := a.t.Compare(b.t); c != 0 {
		return c < 0
	}
	ai, aerr := strconv.ParseInt(a.key, 10, 64)
	bi, berr := strconv.ParseInt(b.key, 10, 64)
	if aerr == nil && berr == nil {
		return ai < bi
	}
	if a.n != b.n {
		return a.n < b.n
	}
	return a.key < b.key
}
