package store

import (
	"time"

	"github.com/frist-go/frist/audit"
)

// AuditDrop says which of the oldest audit entries AuditLog.DropAudit
// drops and how the drop is recorded. The caller computes Before from the
// declared retention of the audit log (policy.Records.Audit), never a
// period: the backend compares times only, so no entry is dropped before
// its period ends (docs/DESIGN.md, "Never early").
type AuditDrop struct {
	// Before is the cutoff: an entry is due when its Time is before it.
	// An entry at exactly Before is kept.
	Before time.Time
	// Through, when not 0, is the last position that may be dropped, so
	// that a caller can bound the work of one drop (docs/DESIGN.md,
	// "Atomic batches").
	Through uint64
	// Entry is what the entry that records the drop starts from: its
	// Time (the sweep's), Policy and attached Signer (Entry.SignedBy),
	// which also signs the Base. audit.DropEntry sets the rest.
	Entry audit.Entry
}

// Due reports whether the entry at position seq with time at may be
// dropped: its time is before d.Before, and seq is not after d.Through
// when that is set.
func (d AuditDrop) Due(seq uint64, at time.Time) bool {
	return at.Before(d.Before) && (d.Through == 0 || seq <= d.Through)
}

// Result returns the Base and the unsealed entry that record dropping
// count entries, from position first to last (whose time is lastTime),
// from a log whose Base was prev and whose entry 1 has the hash
// firstHash (used as the Genesis when prev is zero; otherwise prev's is
// kept). Every backend builds both with it, so that they are the same
// whatever stores them.
func (d AuditDrop) Result(prev audit.Base, first uint64, last audit.Head, lastTime time.Time, firstHash string, count int) (audit.Base, audit.Entry) {
	genesis := prev.Genesis
	if prev.IsZero() {
		genesis = firstHash
	}
	b := audit.NewBase(last, lastTime, genesis, d.Entry.Signer())
	return b, audit.DropEntry(d.Entry, first, last.Seq, count)
}

// AuditDropped is what AuditLog.DropAudit did; the zero value when no
// entry was due.
type AuditDropped struct {
	// First and Last are the positions of the first and last entry
	// dropped, Count how many there were (Last-First+1).
	First, Last uint64
	Count       int
	// Base is the Base stored; Entry the sealed entry that records the
	// drop.
	Base  audit.Base
	Entry audit.Entry
}
