package logstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/frist-go/frist/audit"
)

// journalName is the journal of the batch being committed, in the state
// directory. It makes a file rewrite and its audit entry one atomic step
// (docs/DESIGN.md, "Atomic batches"): the journal is written (and fsynced) after
// the new version of the file is complete on disk and the entry is sealed,
// and before anything visible changes; it is removed after both the rename
// and the audit append are durable. Whoever finds a journal (New, after a
// crash, or the Store itself after a commit failed part way; see reload)
// rolls it forward: renames the new version into place if that has
// not happened, appends the entry if the log does not end with it, and
// removes the journal. A crash before the journal exists leaves only a
// temporary file, which New removes: the lines are still due and the next
// sweep redoes the work.
const journalName = hiddenPrefix + "journal.json"

// journal describes one batch, or one change to the holds, to commit: the
// files it replaces or removes, and its sealed audit entry.
type journal struct {
	Files []fileOp    `json:"files"`
	Entry audit.Entry `json:"entry"`
}

// fileOp is the change of one file.
type fileOp struct {
	Dir    string `json:"dir"`
	Target string `json:"target"`
	// Temp is the new version of Target; "" means Target is removed
	// (every line of it was deleted).
	Temp string `json:"temp,omitempty"`
	// State is the index entry of the new version, without its identity,
	// which is read after the rename.
	State *fileState `json:"state,omitempty"`
	// Own is true for a state file of frist's own (the holds), which no
	// index lists.
	Own bool `json:"own,omitempty"`
}

// commit makes j durable and applies it.
func (s *Store) commit(j journal) error {
	b, err := json.Marshal(j)
	if err != nil {
		return err
	}
	if err := s.writeAtomic(s.state, journalName, b, stepJournalWrite, stepJournalRename, stepJournalSync); err != nil {
		return fmt.Errorf("logstore: writing the journal: %w", err)
	}
	return s.apply(j)
}

// writeAtomic is writeFileAtomic with the steps at which the tests make
// it fail (Store.fault): writing the temporary file (reached once half of
// it is written), renaming it, and fsyncing the directory after the
// rename.
func (s *Store) writeAtomic(dir, name string, data []byte, write, rename, sync string) error {
	if err := s.writeAside(dir, name, data, write, rename); err != nil {
		return err
	}
	if err := s.fault(sync); err != nil {
		return err
	}
	return syncDir(dir)
}

// writeAside is writeAtomic without the directory's fsync, for a caller
// that renames several files into one directory and fsyncs it once.
func (s *Store) writeAside(dir, name string, data []byte, write, rename string) error {
	tmp := tmpPrefix + name
	if err := writeTempHalf(dir, tmp, data, func() error { return s.fault(write) }); err != nil {
		return err
	}
	err := s.fault(rename)
	if err == nil {
		err = os.Rename(filepath.Join(dir, tmp), filepath.Join(dir, name))
	}
	if err != nil {
		_ = os.Remove(filepath.Join(dir, tmp))
	}
	return err
}

// apply rolls j forward; every step is idempotent. It first checks that
// the journal's entry follows the log's head, or is in the log already,
// so that a journal the log does not fit changes nothing.
func (s *Store) apply(j journal) error {
	h := s.audit.head
	if h.Seq < j.Entry.Seq && (h.Seq+1 != j.Entry.Seq || h.Hash != j.Entry.Prev) {
		return fmt.Errorf("logstore: the journal's audit entry %d does not follow the log's head %d", j.Entry.Seq, h.Seq)
	}
	if h.Seq >= j.Entry.Seq {
		if err := s.audit.holds(j.Entry); err != nil {
			return err
		}
	}
	for _, op := range j.Files {
		if err := op.replace(s.fault); err != nil {
			return err
		}
	}
	if h.Seq < j.Entry.Seq {
		if err := s.audit.append(j.Entry, s.fault); err != nil {
			return err
		}
	}
	for _, op := range j.Files {
		if op.Own {
			continue
		}
		if err := s.fault(stepIndex); err != nil {
			return err
		}
		if err := op.reindex(); err != nil {
			return err
		}
	}
	err := s.fault(stepJournalRemove)
	if err == nil {
		err = os.Remove(filepath.Join(s.state, journalName))
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("logstore: removing the journal: %w", err)
	}
	if err := s.fault(stepJournalRemoved); err != nil {
		return err
	}
	return syncDir(s.state)
}

// replace renames the new version into place (or removes the file) unless
// that happened already, and makes it durable. fault is Store.fault.
func (j fileOp) replace(fault func(string) error) error {
	target := filepath.Join(j.Dir, j.Target)
	if err := fault(stepFileRename); err != nil {
		return fmt.Errorf("logstore: replacing %s: %w", j.Target, err)
	}
	if j.Temp != "" {
		tmp := filepath.Join(j.Dir, j.Temp)
		if _, err := os.Stat(tmp); err == nil {
			if err := os.Rename(tmp, target); err != nil {
				return fmt.Errorf("logstore: renaming the new version of %s into place: %w", j.Target, err)
			}
		}
	} else if err := os.Remove(target); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("logstore: removing %s: %w", j.Target, err)
	}
	err := fault(stepFileSync)
	if err == nil {
		err = syncDir(j.Dir)
	}
	if err != nil {
		return fmt.Errorf("logstore: syncing %s: %w", j.Dir, err)
	}
	return nil
}

// reindex records the new version in the directory's index.
func (j fileOp) reindex() error {
	target := filepath.Join(j.Dir, j.Target)
	idx := loadIndex(j.Dir)
	delete(idx.Files, j.Target)
	idx.dirty = true
	if fi, err := os.Stat(target); err == nil && j.Temp != "" && j.State != nil {
		st := *j.State
		st.fileID = idOf(fi)
		idx.Files[j.Target] = &st
	}
	return idx.save(j.Dir)
}

// recover finishes a batch a crash interrupted and removes temporary
// files no journal refers to.
func (s *Store) recover() error {
	var pending *journal
	b, err := os.ReadFile(filepath.Join(s.state, journalName))
	switch {
	case err == nil:
		var j journal
		if err := json.Unmarshal(b, &j); err != nil {
			return fmt.Errorf("logstore: the journal does not decode: %w", err)
		}
		pending = &j
	case !errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("logstore: reading the journal: %w", err)
	}
	dirs := map[string]bool{s.state: true}
	for _, d := range s.datasets {
		dirs[d.dir] = true
	}
	for dir := range dirs {
		ents, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range ents {
			name := e.Name()
			if !strings.HasPrefix(name, tmpPrefix) || pending.refers(dir, name) {
				continue
			}
			if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("logstore: removing the unfinished %s: %w", name, err)
			}
		}
	}
	if pending != nil {
		return s.apply(*pending)
	}
	return nil
}

// refers reports whether j (which may be nil) names dir/name as a new
// version.
func (j *journal) refers(dir, name string) bool {
	if j == nil {
		return false
	}
	for _, op := range j.Files {
		if op.Dir == dir && op.Temp == name {
			return true
		}
	}
	return false
}
