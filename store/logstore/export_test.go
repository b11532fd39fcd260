package logstore

import (
	"os"

	"github.com/frist-go/frist/policy"
)

// FailAt makes the file operations of s fail at the steps for which f
// returns an error (f is called at every step; see faults.go).
func FailAt(s *Store, f func(step string) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failAt = f
}

// The steps of each kind of commit, in the order they are reached.
var (
	JournalSteps = []string{stepJournalWrite, stepJournalRename, stepJournalSync, stepFileRename, stepFileSync,
		stepAuditWrite, stepAuditSync, stepIndex, stepJournalRemove, stepJournalRemoved}
	// HoldSteps are JournalSteps without the index: the holds file is in
	// no index.
	HoldSteps = []string{stepJournalWrite, stepJournalRename, stepJournalSync, stepFileRename, stepFileSync,
		stepAuditWrite, stepAuditSync, stepJournalRemove, stepJournalRemoved}
	DropSteps   = []string{stepDropWrite, stepDropRename, stepDropSync}
	AppendSteps = []string{stepAuditWrite, stepAuditSync}
	// OutboxSteps are the steps of an Enqueue and a Reschedule, which
	// write one notification's file; DequeueSteps those of a Dequeue,
	// which removes it.
	OutboxSteps  = []string{stepOutboxWrite, stepOutboxRename, stepOutboxSync}
	DequeueSteps = []string{stepOutboxRemove, stepOutboxSync}
	// MoveOldOutboxSteps are the steps of moving an outbox file of the
	// earlier format into the directory, once per notification moved for
	// the first two, in the order they are reached after them.
	MoveOldOutboxSteps = []string{stepOutboxWrite, stepOutboxRename}
	MoveOldOutboxEnd   = []string{stepOutboxSync, stepOutboxOldDrop, stepOutboxOldSync}
)

// NewFailAt is New with the file operations of the opening failing at the
// steps for which f returns an error (as FailAt does for a Store); the
// Store it returns keeps f.
func NewFailAt(decl *policy.Declaration, opts *Options, f func(step string) error) (*Store, error) {
	return open(decl, opts, f)
}

// LockFile returns the open lock file of the state directory s holds.
func LockFile(s *Store) *os.File {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lock
}
