package logstore

// The steps of a commit at which the package's tests make a file
// operation fail (Store.failAt). Each names the operation that fails:
// before it takes effect, unless its comment says otherwise.
const (
	stepJournalWrite   = "journal.write"   // writing the journal's temporary file: half of it is written
	stepJournalRename  = "journal.rename"  // renaming the journal into place
	stepJournalSync    = "journal.sync"    // fsyncing the state directory after the rename took effect
	stepFileRename     = "file.rename"     // renaming a new version into place (or removing the file)
	stepFileSync       = "file.sync"       // fsyncing its directory after the rename took effect
	stepAuditWrite     = "audit.write"     // appending the entry: half of its line is written
	stepAuditSync      = "audit.sync"      // fsyncing the audit log after the whole line was written
	stepIndex          = "index"           // saving the directory's index
	stepJournalRemove  = "journal.remove"  // removing the journal
	stepJournalRemoved = "journal.removed" // fsyncing the state directory after the removal took effect
	stepDropWrite      = "drop.write"      // writing the audit log without its dropped entries aside: half of it is written
	stepDropRename     = "drop.rename"     // renaming it over the audit log
	stepDropSync       = "drop.sync"       // fsyncing the state directory after the rename took effect
	stepOutboxWrite    = "outbox.write"    // writing a notification's file aside: half of it is written
	stepOutboxRename   = "outbox.rename"   // renaming it into place (over its old version)
	stepOutboxRemove   = "outbox.remove"   // removing a dequeued notification's file
	stepOutboxSync     = "outbox.sync"     // fsyncing the outbox directory after the rename or removal took effect
)

// fault returns the error the tests inject at step, nil in production
// (failAt is nil).
func (s *Store) fault(step string) error {
	if s.failAt == nil {
		return nil
	}
	return s.failAt(step)
}
