package logstore

import (
	"os"
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
)

// LockFile returns the open lock file of the state directory s holds.
func LockFile(s *Store) *os.File {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lock
}
