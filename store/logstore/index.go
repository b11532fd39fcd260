package logstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// indexName is the state file in each log directory: per file, its
// identity and the oldest and newest time of each time column, so that a
// sweep opens only files that can hold due lines.
const indexName = hiddenPrefix + "index.json"

// indexVersion is the version of the index's format; an index of another
// version is read as empty and rebuilt. Version 2 counts unreadable times
// (fileState.BadTimes).
const indexVersion = 2

// fileState is what the index remembers of one file version.
type fileState struct {
	fileID
	Lines     int `json:"lines"`
	Malformed int `json:"malformed"`
	// MalformedIP counts the malformed lines in which an IP address can
	// be, every overlong line among them: an anonymizing rule has work
	// left on them.
	MalformedIP int `json:"malformed_ip"`
	// Min and Max are the oldest and newest value of each time column
	// (by TimeColumn.Name); a column no line sets is absent.
	Min map[string]time.Time `json:"min,omitempty"`
	Max map[string]time.Time `json:"max,omitempty"`
	// Marks are the watermarks of marker columns of common and combined
	// files, which have no place for a marker in the line: every line at
	// or before Marks[marker] has been processed by the rule that sets it.
	Marks map[string]time.Time `json:"marks,omitempty"`
	// Unreadable, when not "", says why the file could not be read to
	// its end (an empty or truncated gzip file): no rule touches it, and
	// it is reported until it changes (unreadable.go).
	Unreadable string `json:"unreadable,omitempty"`
	// BadTimes counts, per time column, the JSON lines whose member for
	// the column is set but is not a time in the column's format: no
	// bound selects them, and they are reported (unreadable.go).
	BadTimes map[string]int `json:"bad_times,omitempty"`
}

// dirIndex is the content of one index file.
type dirIndex struct {
	Version int                   `json:"version"`
	Files   map[string]*fileState `json:"files"`
	dirty   bool
}

// loadIndex reads the index of dir; a missing or unreadable index is
// empty (it is a cache: every entry is checked against the file's
// identity before use).
func loadIndex(dir string) *dirIndex {
	idx := &dirIndex{Version: indexVersion, Files: map[string]*fileState{}}
	b, err := os.ReadFile(filepath.Join(dir, indexName))
	if err != nil {
		return idx
	}
	var got dirIndex
	if json.Unmarshal(b, &got) != nil || got.Version != indexVersion || got.Files == nil {
		return idx
	}
	return &got
}

// save writes the index atomically when it changed.
func (idx *dirIndex) save(dir string) error {
	if !idx.dirty {
		return nil
	}
	b, err := json.Marshal(idx)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(dir, indexName, b); err != nil {
		return fmt.Errorf("logstore: writing the index of %s: %w", dir, err)
	}
	idx.dirty = false
	return nil
}

// stats accumulates a fileState while lines stream past.
type stats struct {
	st *fileState
}

func newStats(id fileID) stats {
	return stats{st: &fileState{fileID: id, Min: map[string]time.Time{}, Max: map[string]time.Time{}}}
}

func (s stats) add(d *dataset, l *line) {
	s.st.Lines++
	if l.bad {
		s.st.Malformed++
		if l.overlong() || hasIP(l.raw) {
			s.st.MalformedIP++
		}
	}
	for name := range d.timeCol {
		t, ok := d.timeOf(l, name)
		if !ok {
			if d.badTime(l, name) {
				if s.st.BadTimes == nil {
					s.st.BadTimes = map[string]int{}
				}
				s.st.BadTimes[name]++
			}
			continue
		}
		if m, ok := s.st.Min[name]; !ok || t.Before(m) {
			s.st.Min[name] = t
		}
		if m, ok := s.st.Max[name]; !ok || t.After(m) {
			s.st.Max[name] = t
		}
	}
}

// refresh brings the entries of files up to date: an entry whose file
// identity changed is rebuilt by reading the file once; an entry of a file
// renamed by rotation is moved to its new name with its marks.
func (d *dataset) refresh(idx *dirIndex, files []logFile) error {
	present := map[string]bool{}
	for _, f := range files {
		present[f.name] = true
	}
	for _, f := range files {
		if e := idx.Files[f.name]; e != nil && e.fileID == f.id {
			continue
		}
		var moved *fileState
		for name, e := range idx.Files {
			if name != f.name && e.fileID == f.id && e.Ino != 0 {
				moved = e
				if !present[name] {
					delete(idx.Files, name)
				}
				break
			}
		}
		idx.dirty = true
		if moved != nil {
			idx.Files[f.name] = moved
			continue
		}
		e, err := d.index(f)
		if err != nil {
			// The file cannot be read to its end: it is left alone and
			// reported, and the dataset's other files are processed.
			e = &fileState{fileID: f.id, Unreadable: err.Error()}
		}
		idx.Files[f.name] = e
	}
	for name := range idx.Files {
		if ok, _ := filepath.Match(d.pattern, name); ok && !present[name] {
			delete(idx.Files, name)
			idx.dirty = true
		}
	}
	return nil
}

// index reads f once and returns its state.
func (d *dataset) index(f logFile) (*fileState, error) {
	s := newStats(f.id)
	err := d.scan(f, time.Unix(0, f.id.ModNs).UTC(), func(l *line) error {
		s.add(d, l)
		return nil
	})
	if errors.Is(err, os.ErrNotExist) {
		return s.st, nil
	}
	return s.st, err
}
