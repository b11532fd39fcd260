package logstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
)

// holdsName is the file of holds in the state directory, rewritten
// atomically on every change.
const holdsName = hiddenPrefix + "holds.json"

// holdFile is the set of holds of a Store.
type holdFile struct {
	dir   string
	holds []store.Hold
}

func openHolds(dir string) (*holdFile, error) {
	h := &holdFile{dir: dir}
	b, err := os.ReadFile(filepath.Join(dir, holdsName))
	if errors.Is(err, os.ErrNotExist) {
		return h, nil
	}
	if err != nil {
		return nil, fmt.Errorf("logstore: reading the holds: %w", err)
	}
	if err := json.Unmarshal(b, &h.holds); err != nil {
		return nil, fmt.Errorf("logstore: %s does not decode: %w", holdsName, err)
	}
	return h, nil
}

func (h *holdFile) save() error {
	b, err := json.Marshal(h.holds)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(h.dir, holdsName, b); err != nil {
		return fmt.Errorf("logstore: writing the holds: %w", err)
	}
	return nil
}

// active returns the holds active at t.
func (h *holdFile) active(t time.Time) []store.Hold {
	var out []store.Hold
	for _, x := range h.holds {
		if x.Active(t) {
			out = append(out, x)
		}
	}
	return out
}

// PlaceHold implements store.Holds. A hold on a record of a dataset whose
// keys are <file>:<line> holds the whole file (the key may also be the
// bare file name): rewriting the file would renumber its lines and so
// move the hold to another line. A hold on a subject holds nothing in
// common and combined logs, whose lines name no subject.
//
// The new holds file and the hold's audit entry are committed through the
// journal, as a batch's file and entry are (commitHolds), so after a
// crash both are stored or neither is.
func (s *Store) PlaceHold(ctx context.Context, hold store.Hold, entry store.HoldAudit) (audit.Entry, error) {
	if err := s.beginWrite(ctx); err != nil {
		return audit.Entry{}, err
	}
	defer s.mu.Unlock()
	for _, x := range s.holds.holds {
		if x.ID == hold.ID {
			return audit.Entry{}, fmt.Errorf("%w: hold %s exists", store.ErrConflict, hold.ID)
		}
	}
	hold.ReleasedAt = time.Time{}
	next := append(slices.Clip(s.holds.holds), hold)
	return s.commitHolds(next, hold, entry, "placed")
}

// ReleaseHold implements store.Holds: the new holds file and the
// release's audit entry are committed through the journal (commitHolds).
func (s *Store) ReleaseHold(ctx context.Context, id string, at time.Time, entry store.HoldAudit) (audit.Entry, error) {
	if err := s.beginWrite(ctx); err != nil {
		return audit.Entry{}, err
	}
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.holds.holds, func(x store.Hold) bool { return x.ID == id })
	if i < 0 {
		return audit.Entry{}, fmt.Errorf("%w: hold %s", store.ErrNotFound, id)
	}
	x := s.holds.holds[i]
	if !x.ReleasedAt.IsZero() || !x.Until.IsZero() && !at.Before(x.Until) {
		return audit.Entry{}, nil // ended: nothing to release
	}
	x.ReleasedAt = at
	next := slices.Clone(s.holds.holds)
	next[i] = x
	return s.commitHolds(next, x, entry, "released")
}

// commitHolds makes next the holds, h the hold it changes, in one step
// with h's audit entry: the new holds file is written to a temporary file
// and fsynced, and the journal names it and the sealed entry (see
// journalName), so that the rename and the append are finished after a
// crash, and a crash before the journal leaves the old holds and no
// entry. The caller holds s.mu. When the commit fails part way, the
// Store finishes or forgets it from its files at once (failed), so that
// a hold change whose journal was written is in force at once.
func (s *Store) commitHolds(next []store.Hold, h store.Hold, entry store.HoldAudit, done string) (audit.Entry, error) {
	e, err := entry(h)
	if err != nil {
		return audit.Entry{}, fmt.Errorf("logstore: hold %s not %s: %w", h.ID, done, err)
	}
	b, err := json.Marshal(next)
	if err != nil {
		return audit.Entry{}, err
	}
	tmp := tmpPrefix + holdsName
	if err := writeTemp(s.state, tmp, b); err != nil {
		return audit.Entry{}, fmt.Errorf("logstore: hold %s not %s: writing the holds: %w", h.ID, done, err)
	}
	j := journal{Files: []fileOp{{Dir: s.state, Target: holdsName, Temp: tmp, Own: true}}, Entry: audit.Seal(s.audit.head, e)}
	if err := s.commit(j); err != nil {
		return audit.Entry{}, s.failed("the change of hold "+h.ID, err, func() bool { return s.audit.head == j.Entry.Head() })
	}
	s.holds.holds = next
	return j.Entry, nil
}

// ListHolds implements store.Holds.
func (s *Store) ListHolds(ctx context.Context, at time.Time) ([]store.Hold, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	out := s.holds.active(at)
	slices.SortFunc(out, func(a, b store.Hold) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// ExpireHolds implements store.Holds: it deletes the holds that ended
// before endedBefore (store.Hold.Ended) and rewrites the holds file
// atomically, so that it names them no more; on a failure to write it
// reads the holds file again (see the package documentation on a commit
// that fails part way), so that the holds in force are those it holds. What the rewrite leaves on disk is what the package
// documentation says of rewriting a file.
func (s *Store) ExpireHolds(ctx context.Context, endedBefore time.Time) (int, error) {
	if err := s.beginWrite(ctx); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	kept := make([]store.Hold, 0, len(s.holds.holds))
	for _, x := range s.holds.holds {
		if end := x.Ended(); end.IsZero() || !end.Before(endedBefore) {
			kept = append(kept, x)
		}
	}
	n := len(s.holds.holds) - len(kept)
	if n == 0 {
		return 0, nil
	}
	old := s.holds.holds
	s.holds.holds = kept
	if err := s.holds.save(); err != nil {
		s.holds.holds = old
		return 0, s.failed("expiring holds", err, func() bool { return len(s.holds.holds) == len(kept) })
	}
	return n, nil
}

// holdSet is the active holds that concern one dataset.
type holdSet struct {
	files    map[string]bool // whole files held (keys <file>:<line>)
	keys     map[string]bool // keys held (datasets with a key member)
	subjects map[string]bool
}

func (d *dataset) holdSet(active []store.Hold) holdSet {
	hs := holdSet{files: map[string]bool{}, keys: map[string]bool{}, subjects: map[string]bool{}}
	for _, h := range active {
		switch {
		case h.Key != "" && h.Dataset == d.decl.ID:
			if d.keyCol != "" {
				hs.keys[h.Key] = true
			} else {
				f, _ := parseLineKey(h.Key)
				hs.files[f] = true
			}
		case h.Subject != "" && (h.Dataset == "" || h.Dataset == d.decl.ID) && d.subjCol != "":
			hs.subjects[h.Subject] = true
		}
	}
	return hs
}

// held reports whether line l of file f is held.
func (d *dataset) held(hs holdSet, f logFile, l *line) bool {
	if f.live || hs.files[f.name] {
		return true
	}
	if len(hs.keys) > 0 && hs.keys[d.key(f.name, l)] {
		return true
	}
	return len(hs.subjects) > 0 && hs.subjects[d.subject(l)]
}
