package logstore

import (
	"context"
	"errors"
	"fmt"
)

// A commit that fails part way (a full disk, an I/O error) may leave the
// files ahead of what the Store keeps in memory (a journal written, a
// file renamed, an entry appended whose fsync failed) or behind it (a
// torn half-line). Sealing the next entry to the head in memory would
// then break the chain, so the Store reads its state again from its
// files, as New does (reload), at once and, while that fails, before
// every write, which it refuses until it succeeds.

// failed records that a commit, what, failed with cause after it may have
// changed a file, and reads the Store's state from its files again. The
// error it returns wraps cause and says what the files hold now: done
// (called after a successful reload) reports whether the commit is
// stored; when the files cannot be read again it wraps ErrFailed too.
// The caller holds s.mu.
func (s *Store) failed(what string, cause error, done func() bool) error {
	s.broken = cause
	if err := s.heal(); err != nil {
		return fmt.Errorf("logstore: %s failed: %w; %w", what, cause, err)
	}
	if done() {
		return fmt.Errorf("logstore: %s failed part way (%w), but what it wrote is whole and the store finished it: it is stored", what, cause)
	}
	return fmt.Errorf("logstore: %s failed (%w); nothing of it is stored", what, cause)
}

// heal reads the Store's state from its files again if a commit failed
// part way since it was last read (s.broken). The caller holds s.mu.
func (s *Store) heal() error {
	if s.broken == nil {
		return nil
	}
	if err := s.reload(); err != nil {
		return fmt.Errorf("%w (%v): the store writes nothing until it can, at its next write or when it is opened again", ErrFailed, err)
	}
	s.broken = nil
	return nil
}

// reload reads what the Store keeps in memory from its files, as New
// does: the audit log's head and base (cutting off a torn last line), a
// journal, which it finishes, the holds and the outbox. The remembered
// events need no reload: a write of one that fails changes neither its
// file nor memory.
func (s *Store) reload() error {
	err := s.reloadLog()
	// The holds are read once a change to them that a failure or a crash
	// interrupted is finished. When it cannot be finished, they are read
	// as the file holds them: a change whose rename happened is in force
	// at once, which for a placed hold is the safe side.
	h, herr := openHolds(s.state)
	if herr == nil {
		s.holds = h
	}
	// The outbox is read as its files hold it: a change whose rename or
	// removal happened before it failed is stored (writeOutgoing,
	// Dequeue).
	o, oerr := s.openOutbox()
	if oerr == nil {
		s.outbox = o
	}
	return errors.Join(err, herr, oerr)
}

// reloadLog reads the audit log's head and base and finishes a journal.
func (s *Store) reloadLog() error {
	a, err := openAudit(s.state, false)
	if err != nil {
		return err
	}
	s.audit = a
	return s.recover()
}

// beginWrite is begin for a method that writes: it fails on a Store
// opened read-only, and on one whose files cannot be read again after a
// failed commit (heal). The caller unlocks s.mu.
func (s *Store) beginWrite(ctx context.Context) error {
	if err := s.writable(); err != nil {
		return err
	}
	if err := s.begin(ctx); err != nil {
		return err
	}
	if err := s.heal(); err != nil {
		err = fmt.Errorf("%w; the commit failed with: %v", err, s.broken)
		s.mu.Unlock()
		return err
	}
	return nil
}
