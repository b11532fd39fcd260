package audit

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// DropAction is the Action of the entry that records a drop: which
// positions of the log were dropped because their retention ended. A
// backend appends it in the same transaction that drops the entries and
// stores the new Base (store.AuditLog.DropAudit).
const DropAction = "audit.drop"

// Base is where the kept part of a log begins once older entries were
// dropped because their declared retention ended (Art. 5(1)(e) GDPR): the
// position, hash and time of the last entry dropped, the hash of the log's
// first entry (Genesis, which names the log in anchors after that entry is
// gone), and a signature. The kept entries chain from it as they chained
// from the dropped one, so verifying them from the Base proves them as
// before; what was dropped is proven no more, only that it was there and
// was dropped (Art. 5(2): the proof is kept as long as declared, not
// longer).
//
// The zero Base is that of a log from which nothing was dropped.
//
// Whoever can write to the database could delete entries that are still
// to be kept and store a Base that makes the rest verify. The signature
// stops that: it is made with the same key as the entries' (Signer),
// which the database does not hold, over every field but Sig, and a
// verification that requires signatures refuses a Base that is unsigned
// or signed by another key (Verifier.RequireSignatures). A second check
// needs no key: the entry that recorded the drop (DropAction) is sealed
// into the kept chain after the Base and names the last position
// dropped, so a Base that does not match it is found (Verifier.Done).
type Base struct {
	// Seq and Hash are the position and hash of the last entry dropped.
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
	// Time is that entry's Time.
	Time time.Time `json:"time"`
	// Genesis is the hash of the log's first entry.
	Genesis string `json:"genesis"`
	// Sig is the signature of the Base's other fields (see message), in
	// the form Entry.Sig has; empty when the log is not signed.
	Sig string `json:"sig,omitempty"`
}

// IsZero reports whether b is the Base of a log from which nothing was
// dropped.
func (b Base) IsZero() bool { return b.Seq == 0 }

// Head returns the head the kept entries chain from: the zero Head for
// the zero Base.
func (b Base) Head() Head { return Head{Seq: b.Seq, Hash: b.Hash} }

// baseVersion prefixes what a Base's signature covers, so that it can
// never be taken for an entry's hash or an anchor.
const baseVersion = "frist-audit-base-v1"

// Message returns what the Base's signature covers: a fixed prefix, Seq,
// Hash, Time in UTC with microseconds and Genesis, one a line.
func (b Base) Message() []byte {
	return []byte(strings.Join([]string{baseVersion, strconv.FormatUint(b.Seq, 10), b.Hash,
		b.Time.UTC().Format(timeLayout), b.Genesis}, "\n"))
}

// NewBase returns the Base after a drop whose last dropped entry is last,
// in the log whose first entry has the hash genesis (Base.Genesis of the
// Base before, or the hash of entry 1 when nothing was dropped yet),
// signed by s (nil: unsigned). It is a pure function of its arguments.
func NewBase(last Head, at time.Time, genesis string, s *Signer) Base {
	b := Base{Seq: last.Seq, Hash: last.Hash, Time: at.UTC().Truncate(Precision), Genesis: genesis}
	if s != nil {
		b.Sig = s.Sign(b.Message())
	}
	return b
}

// CheckSignature reports why b is not signed by one of keys, or nil. The
// zero Base needs no signature.
func (b Base) CheckSignature(keys Keys) error {
	if b.IsZero() {
		return nil
	}
	return keys.CheckSignature(b.Sig, b.Message())
}

// DropEntry returns e as the entry that records dropping the entries
// first to last (count of them): Action DropAction, Count count, and a
// Note that names the positions only, as ParseDrop reads it. It keeps
// e's Time, Policy and attached Signer, and clears what would not belong
// to such an entry (Dataset, Rule, Subjects): a drop names no one.
func DropEntry(e Entry, first, last uint64, count int) Entry {
	e.Action = DropAction
	e.Dataset, e.Rule, e.Subjects = "", "", nil
	e.Count = count
	e.Note = fmt.Sprintf("entries %d to %d dropped: their retention ended", first, last)
	return e
}

// dropNote matches the whole Note of an entry DropEntry made; a copy of
// such an entry in another log (with more text) does not match.
var dropNote = regexp.MustCompile(`^entries ([0-9]+) to ([0-9]+) dropped: their retention ended$`)

// ParseDrop returns the positions that e, an entry DropEntry made, says
// were dropped; ok is false for any other entry.
func ParseDrop(e Entry) (first, last uint64, ok bool) {
	if e.Action != DropAction {
		return 0, 0, false
	}
	m := dropNote.FindStringSubmatch(e.Note)
	if m == nil {
		return 0, 0, false
	}
	first, err1 := strconv.ParseUint(m[1], 10, 64)
	last, err2 := strconv.ParseUint(m[2], 10, 64)
	if err1 != nil || err2 != nil || first == 0 || last < first {
		return 0, 0, false
	}
	return first, last, true
}
