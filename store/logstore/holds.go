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
func (s *Store) PlaceHold(ctx context.Context, hold store.Hold) error {
	if err := s.writable(); err != nil {
		return err
	}
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	for _, x := range s.holds.holds {
		if x.ID == hold.ID {
			return fmt.Errorf("%w: hold %s exists", store.ErrConflict, hold.ID)
		}
	}
	hold.ReleasedAt = time.Time{}
	s.holds.holds = append(s.holds.holds, hold)
	if err := s.holds.save(); err != nil {
		s.holds.holds = s.holds.holds[:len(s.holds.holds)-1]
		return err
	}
	return nil
}

// ReleaseHold implements store.Holds.
func (s *Store) ReleaseHold(ctx context.Context, id string, at time.Time) error {
	if err := s.writable(); err != nil {
		return err
	}
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	for i := range s.holds.holds {
		x := &s.holds.holds[i]
		if x.ID != id {
			continue
		}
		if !x.ReleasedAt.IsZero() {
			return nil
		}
		x.ReleasedAt = at
		if err := s.holds.save(); err != nil {
			x.ReleasedAt = time.Time{}
			return err
		}
		return nil
	}
	return fmt.Errorf("%w: hold %s", store.ErrNotFound, id)
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
// changes nothing. What the rewrite leaves on disk is what the package
// documentation says of rewriting a file.
func (s *Store) ExpireHolds(ctx context.Context, endedBefore time.Time) (int, error) {
	if err := s.writable(); err != nil {
		return 0, err
	}
	if err := s.begin(ctx); err != nil {
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
		return 0, err
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
