package store

import "errors"

// ErrPurgeDeferred is wrapped by a Purge error that only means "not now":
// the storage was busy (readers of an old snapshot, a transaction holding
// the table) and the purge is tried again at the next sweep. The engine
// reports it without failing the sweep.
var ErrPurgeDeferred = errors.New("store: purge deferred because the storage was busy")

// OwnRecords names a kind of frist's own records, which a backend keeps
// apart from the application's data (docs/DESIGN.md, "Own tables"), for
// Driver.Purge: the rows of each kind that were deleted or overwritten
// are personal data as much as an application's records (Art. 17(1),
// Art. 5(1)(e) GDPR).
type OwnRecords string

// The kinds of frist's own records that are deleted or overwritten. Leases
// are not among them: a lease names no one.
const (
	// ConsentRecords are the consent ledger's events (ConsentStore):
	// ExpireConsents deletes them and EraseConsentSubject overwrites their
	// subject and evidence.
	ConsentRecords OwnRecords = "consent"
	// RequestRecords are data-subject requests and objections
	// (RequestStore): PseudonymizeRequests overwrites a request's subject
	// and ExpireRequests deletes requests and objections.
	RequestRecords OwnRecords = "requests"
	// RememberedRecords are remembered events (RememberedEvents), which
	// name a subject or record keys, and notifications waiting for
	// delivery (Outbox), which hold what the recipient is told: Forget
	// and Dequeue delete them.
	RememberedRecords OwnRecords = "remembered"
	// AuditRecords are the audit log's entries (AuditLog), which name
	// subjects by keyed pseudonyms: DropAudit deletes the oldest of them
	// once their period ended.
	AuditRecords OwnRecords = "audit"
	// HoldRecords are legal holds and restrictions (Holds), which name a
	// record key or a subject's identifier: a release only sets their
	// end, and ExpireHolds deletes those that ended before a cutoff.
	HoldRecords OwnRecords = "holds"
)

// AllOwnRecords returns every kind of OwnRecords, in a fixed order.
func AllOwnRecords() []OwnRecords {
	return []OwnRecords{ConsentRecords, RequestRecords, RememberedRecords, AuditRecords, HoldRecords}
}

// PurgeScope says what Driver.Purge removes from the backend's files: what
// batches on Datasets and the deletions and overwrites of frist's own
// records of the kinds in Own left behind. The retention engine collects
// it from the work since the last purge; either part may be empty, not
// both.
type PurgeScope struct {
	// Datasets are the datasets on which batches deleted or overwrote
	// records, sorted, each once.
	Datasets []string
	// Own are the kinds of frist's own records of which rows were deleted
	// or overwritten, in the order of AllOwnRecords, each once.
	Own []OwnRecords
}
