package audit

import (
	"errors"
	"fmt"
)

// ErrBroken is wrapped by every *VerifyError, so that callers can test
// errors.Is(err, audit.ErrBroken) without inspecting the kind.
var ErrBroken = errors.New("audit: chain broken")

// VerifyKind says how a log was found broken.
type VerifyKind int

// The ways a log can be broken.
const (
	// Changed: an entry's content no longer matches its hash, or its
	// successor was sealed to a different version of it (the entry was
	// altered and re-sealed, or replaced).
	Changed VerifyKind = iota + 1
	// Removed: entries are missing from the middle of the log.
	Removed
	// Inserted: an entry that the chain does not account for, such as a
	// copy of an entry or a forged entry next to the genuine one.
	Inserted
	// Reordered: entries are present but not in the order of the chain.
	Reordered
	// Truncated: the log ends before the head the caller expected.
	Truncated
	// Forked: two entries are sealed to the same predecessor, or the log
	// differs from the expected head at its position (it was rewritten).
	Forked
	// BadBase: the Base the kept log begins at after a drop is not
	// genuine: it is not signed when signatures are required, its
	// signature does not verify, or it does not match the entry that
	// recorded the drop (see Base).
	BadBase
	// Early: the latest drop removed entries that the declaration still
	// keeps: the last entry dropped (Base.Time) was within its period at
	// the time the drop recorded (Art. 5(2) GDPR: the proof is kept as
	// long as declared). The log itself is intact; the package that
	// knows the declaration finds this (retention.CheckAuditDrop).
	Early
)

// String returns the kind's name in lower case.
func (k VerifyKind) String() string {
	switch k {
	case Changed:
		return "changed"
	case Removed:
		return "removed"
	case Inserted:
		return "inserted"
	case Reordered:
		return "reordered"
	case Truncated:
		return "truncated"
	case Forked:
		return "forked"
	case BadBase:
		return "base"
	case Early:
		return "early"
	}
	return fmt.Sprintf("VerifyKind(%d)", int(k))
}

// VerifyError reports the first place where a log is broken.
type VerifyError struct {
	// Seq is the position of the entry concerned; for Removed and
	// Truncated, the first missing position.
	Seq uint64
	// ID is the ID of the entry concerned, "" when it is missing.
	ID   string
	Kind VerifyKind
	// Reason explains what was found, in words.
	Reason string
}

// Error returns "audit: chain broken at entry <seq> (<id>): <kind>: <reason>".
func (e *VerifyError) Error() string {
	id := ""
	if e.ID != "" {
		id = " (" + e.ID + ")"
	}
	return fmt.Sprintf("audit: chain broken at entry %d%s: %s: %s", e.Seq, id, e.Kind, e.Reason)
}

// Unwrap returns ErrBroken.
func (e *VerifyError) Unwrap() error { return ErrBroken }

// Verifier checks a log entry by entry, in constant memory, so that a long
// log can be verified while it is paged in from storage. It reports the
// first problem and then keeps reporting it.
//
// A Verifier sees one entry at a time: a gap is reported as Removed and two
// entries at the same position as Forked. Verify, which sees the whole
// slice, tells a reordering from a removal and an inserted entry from a
// fork.
type Verifier struct {
	head     Head
	lastID   string
	lastPrev string
	want     *Head
	keys     Keys
	from     uint64
	err      error
	// base is where the log begins; baseChecked is set once its
	// signature was checked.
	base        Base
	baseChecked bool
	// dropSeq and dropLast are the position of the latest drop entry
	// accepted (0: none) and the last position it says was dropped;
	// drop is that entry.
	dropSeq, dropLast uint64
	drop              Entry
}

// RequireSignatures makes the Verifier check every entry after position
// from (0: every entry) for a signature (Entry.Sig) by one of keys: an
// entry that is not signed, or whose signature does not verify, is
// reported as Changed. Entries up to from were written before the log was
// signed and are checked by their hashes alone. The Base (NewVerifierFrom)
// must be signed too when its position is after from; one that is not, or
// whose signature does not verify, is reported as BadBase. A Base at or
// before from is let through unsigned like the entries there: a forged
// one would also need a drop entry sealed after it, and re-sealing the
// chain up to from is found at the first signed entry.
func (v *Verifier) RequireSignatures(keys Keys, from uint64) {
	v.keys, v.from = keys, from
}

// NewVerifier returns a Verifier for the entries that follow from (the zero
// Head for a whole log). When want is not nil, the log must reach want.Seq
// and the entry there must have hash want.Hash; Done reports a log that
// ends earlier as Truncated.
func NewVerifier(from Head, want *Head) *Verifier {
	v := &Verifier{head: from}
	if want != nil {
		w := *want
		v.want = &w
	}
	return v
}

// NewVerifierFrom returns a Verifier for the entries kept after b, the
// Base a backend stores once older entries were dropped
// (store.AuditLog.AuditBase); the zero Base is the whole log, as
// NewVerifier(Head{}, want). The first entry must be sealed to b's
// entry, and Done reports b as BadBase unless the latest drop entry
// (DropAction) of the log names b.Seq as the last position dropped, so
// that a Base stored by someone who deleted entries outside frist, or a
// Base whose position was changed, is found even without signatures.
// want may be at or after b; one before b concerns dropped entries and
// is the caller's to report (it can be compared with nothing kept).
func NewVerifierFrom(b Base, want *Head) *Verifier {
	v := NewVerifier(b.Head(), want)
	v.base = b
	return v
}

// Base returns the Base the Verifier started from.
func (v *Verifier) Base() Base { return v.base }

// Head returns the head of the entries accepted so far.
func (v *Verifier) Head() Head { return v.head }

// Add checks e against the entries before it and returns a *VerifyError
// when the chain is broken.
func (v *Verifier) Add(e Entry) error {
	if v.err != nil {
		return v.err
	}
	if v.err = v.checkBase(); v.err != nil {
		return v.err
	}
	v.err = v.check(e)
	if v.err != nil {
		return v.err
	}
	v.head, v.lastID, v.lastPrev = e.Head(), e.ID, e.Prev
	if _, last, ok := ParseDrop(e); ok {
		v.dropSeq, v.dropLast, v.drop = e.Seq, last, e
	}
	return nil
}

// LatestDrop returns the latest entry accepted so far that recorded a
// drop (DropAction), the one Done matches to the Base; ok is false when
// there is none. Its Time is when the drop happened and its Policy the
// declaration it was made under, which is what tells whether the drop
// was early (retention.CheckAuditDrop).
func (v *Verifier) LatestDrop() (e Entry, ok bool) {
	return v.drop, v.dropSeq != 0
}

// checkBase checks the Base's signature once, when signatures are
// required and the Base is after the position they are required from.
func (v *Verifier) checkBase() error {
	if v.baseChecked {
		return nil
	}
	v.baseChecked = true
	b := v.base
	if b.IsZero() || v.keys == nil || b.Seq <= v.from {
		return nil
	}
	if err := b.CheckSignature(v.keys); err != nil {
		return &VerifyError{Seq: b.Seq, Kind: BadBase,
			Reason: fmt.Sprintf("the base the kept log begins at (the last dropped entry, %d) is not genuine: %v; it may have been stored by someone who deleted entries without the key", b.Seq, err)}
	}
	return nil
}

func (v *Verifier) check(e Entry) error {
	p := v.head
	if e.ComputeHash() != e.Hash {
		return &VerifyError{Seq: e.Seq, ID: e.ID, Kind: Changed,
			Reason: "its hash does not match its content: a field was altered after it was sealed"}
	}
	switch {
	case v.lastID == "" && !v.base.IsZero() && e.Seq <= v.base.Seq:
		return &VerifyError{Seq: e.Seq, ID: e.ID, Kind: BadBase,
			Reason: fmt.Sprintf("the base says entries up to %d were dropped, but this entry is kept: the base's position was changed", v.base.Seq)}
	case e.Seq == 0:
		return &VerifyError{Seq: 0, ID: e.ID, Kind: Inserted,
			Reason: "position 0 does not exist; a log starts at 1"}
	case e.Seq == p.Seq+1 && e.Prev == p.Hash:
		if v.keys != nil && e.Seq > v.from {
			if err := v.keys.CheckSignature(e.Sig, []byte(e.Hash)); err != nil {
				return &VerifyError{Seq: e.Seq, ID: e.ID, Kind: Changed, Reason: err.Error()}
			}
		}
		if w := v.want; w != nil && e.Seq == w.Seq && e.Hash != w.Hash {
			return &VerifyError{Seq: e.Seq, ID: e.ID, Kind: Forked,
				Reason: fmt.Sprintf("its hash differs from the expected head %s: the log was rewritten at or before this entry", w.Hash)}
		}
		return nil
	case e.Seq == p.Seq+1 && v.lastID == "" && !v.base.IsZero() && e.Seq == v.base.Seq+1:
		return &VerifyError{Seq: e.Seq, ID: e.ID, Kind: BadBase,
			Reason: fmt.Sprintf("it is sealed to a version of entry %d whose hash is not the one the base records for it: the base, or this entry, was changed", v.base.Seq)}
	case e.Seq == p.Seq+1:
		if p.Seq == 0 {
			return &VerifyError{Seq: e.Seq, ID: e.ID, Kind: Changed,
				Reason: "it is sealed to a predecessor although it starts the log"}
		}
		return &VerifyError{Seq: p.Seq, ID: v.lastID, Kind: Changed,
			Reason: fmt.Sprintf("entry %d is sealed to a different version of it: it was altered and re-sealed, or replaced", e.Seq)}
	case e.Seq > p.Seq+1 && p.Seq == 0:
		return &VerifyError{Seq: 1, Kind: Removed,
			Reason: fmt.Sprintf("entries 1 to %d are missing before entry %d (%s), and no base records that they were dropped", e.Seq-1, e.Seq, e.ID)}
	case e.Seq > p.Seq+1 && v.lastID == "" && !v.base.IsZero():
		return &VerifyError{Seq: p.Seq + 1, Kind: Removed,
			Reason: fmt.Sprintf("entries %d to %d are missing between the base (entry %d, the last dropped) and entry %d (%s): they were deleted, or the base's position was changed", p.Seq+1, e.Seq-1, p.Seq, e.Seq, e.ID)}
	case e.Seq > p.Seq+1:
		return &VerifyError{Seq: p.Seq + 1, Kind: Removed,
			Reason: fmt.Sprintf("entries %d to %d are missing before entry %d (%s)", p.Seq+1, e.Seq-1, e.Seq, e.ID)}
	case e.Seq == p.Seq && e.Hash == p.Hash:
		return &VerifyError{Seq: e.Seq, ID: e.ID, Kind: Inserted,
			Reason: "it is a second copy of the entry before it"}
	case e.Seq == p.Seq && e.Prev == v.lastPrev:
		return &VerifyError{Seq: e.Seq, ID: e.ID, Kind: Forked,
			Reason: fmt.Sprintf("it and entry %s are both sealed to entry %d: the chain forks", v.lastID, e.Seq-1)}
	default:
		return &VerifyError{Seq: e.Seq, ID: e.ID, Kind: Inserted,
			Reason: fmt.Sprintf("it claims position %d, which the log already holds, after entry %d", e.Seq, p.Seq)}
	}
}

// Done ends verification. It returns the first error Add reported, or, when
// an expected head was given and the log ended before it, a Truncated
// error; otherwise the head of the verified log.
//
// A log verified from a Base (NewVerifierFrom) must hold the entry that
// recorded the drop: the latest drop entry must name the Base's position
// as the last dropped, and a log with a Base but no drop entry, or whose
// latest drop entry names another position, is reported as BadBase.
func (v *Verifier) Done() (Head, error) {
	if v.err == nil {
		v.err = v.checkBase()
	}
	if v.err != nil {
		return v.head, v.err
	}
	if b := v.base; !b.IsZero() {
		switch {
		case v.dropSeq == 0:
			v.err = &VerifyError{Seq: b.Seq, Kind: BadBase,
				Reason: fmt.Sprintf("the base says entries up to %d were dropped, but no kept entry records a drop: entries were deleted and the base stored outside frist", b.Seq)}
		case v.dropLast != b.Seq:
			v.err = &VerifyError{Seq: b.Seq, Kind: BadBase,
				Reason: fmt.Sprintf("the base says entries up to %d were dropped, but the latest drop, recorded by entry %d, dropped entries up to %d: the base was changed", b.Seq, v.dropSeq, v.dropLast)}
		}
		if v.err != nil {
			return v.head, v.err
		}
	}
	if w := v.want; w != nil && v.head.Seq < w.Seq {
		return v.head, &VerifyError{Seq: v.head.Seq + 1, Kind: Truncated,
			Reason: fmt.Sprintf("the log ends at entry %d, but the expected head is entry %d", v.head.Seq, w.Seq)}
	}
	return v.head, nil
}

// Verify checks a whole log, entries in storage order from the first, and
// returns its head. When want is not nil (a head recorded earlier, e.g. by
// an auditor), the log must contain that head, so a truncated or rewritten
// log is found too. A broken log yields a *VerifyError naming the first
// entry concerned and the kind of damage; errors.Is(err, ErrBroken) holds.
//
// Without want, a log whose newest entries were removed, or which was
// re-sealed entirely, cannot be told from a genuine shorter log: record
// heads outside the store and pass them here (Art. 5(2), accountability).
func Verify(entries []Entry, want *Head) (Head, error) {
	return VerifyFrom(Base{}, entries, want)
}

// VerifyFrom is Verify for the entries kept after b, the Base of a log
// from which older entries were dropped (see NewVerifierFrom); with the
// zero Base it is Verify.
func VerifyFrom(b Base, entries []Entry, want *Head) (Head, error) {
	v := NewVerifierFrom(b, want)
	for i, e := range entries {
		if err := v.Add(e); err != nil {
			return v.head, refine(entries, i, err.(*VerifyError))
		}
	}
	return v.Done()
}

// refine uses the entries after position i, which a Verifier cannot see,
// to tell a reordering from a removal and an inserted entry from a fork.
func refine(entries []Entry, i int, ve *VerifyError) error {
	switch ve.Kind {
	case Removed:
		for _, later := range entries[i+1:] {
			if later.Seq == ve.Seq {
				return &VerifyError{Seq: later.Seq, ID: later.ID, Kind: Reordered,
					Reason: fmt.Sprintf("it appears after entry %d (%s)", entries[i].Seq, entries[i].ID)}
			}
		}
	case Forked:
		if i+1 >= len(entries) || i == 0 {
			return ve
		}
		e, p, next := entries[i], entries[i-1], entries[i+1]
		if e.Seq != p.Seq || next.Seq != e.Seq+1 {
			return ve
		}
		switch next.Prev {
		case e.Hash:
			return &VerifyError{Seq: p.Seq, ID: p.ID, Kind: Inserted,
				Reason: fmt.Sprintf("it claims position %d, but the chain continues from entry %s", p.Seq, e.ID)}
		case p.Hash:
			return &VerifyError{Seq: e.Seq, ID: e.ID, Kind: Inserted,
				Reason: fmt.Sprintf("it claims position %d, but the chain continues from entry %s", e.Seq, p.ID)}
		}
	}
	return ve
}
