// Package audit is frist's append-only, hash-chained audit log: the proof
// that records were deleted or anonymized as the declaration says
// (accountability, Art. 5(2) GDPR; records of processing, Art. 30).
//
// Each [Entry] carries the hash of the previous entry ([Entry.Prev]) and a
// hash over all of its own fields ([Entry.Hash]). [Seal] computes both when
// an entry is appended; [Verify] and [Verifier] recompute them and report a
// changed, removed, inserted, reordered or forked entry, and, given the head
// an auditor recorded earlier, a truncated log, as a *[VerifyError].
//
// Entries are not kept forever (Art. 5(1)(e)): once their declared period
// ends, a storage backend drops the oldest of them, a whole prefix at a
// time, and keeps a signed [Base], the position, hash and time of the
// last entry dropped, from which the rest still chains. The drop is
// recorded by an entry of its own ([DropEntry], [DropAction]) sealed
// after it. [NewVerifierFrom] and [VerifyFrom] verify the kept entries
// from the Base and report a Base that is unsigned or forged, or that
// the drop entry does not name, as [BadBase].
//
// The log holds no raw personal data (Art. 5(1)(c), data minimisation):
// subjects appear only as keyed pseudonyms that the caller computes, in the
// form "<keyid>:<base64url HMAC>" that package anonymize's KeyRing.Pseudonym
// produces. [Entry.Validate] refuses any other subject form, and storage
// backends call it before they store an entry. Free-text fields (Note) must
// not contain personal data either; no check can prove that, so callers put
// only norms and rule names there.
//
// The package imports nothing of frist, so every other package may use it.
package audit
