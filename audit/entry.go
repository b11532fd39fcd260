package audit

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Entry is one audit log entry. It never holds raw personal data: subjects
// appear only as keyed pseudonyms computed by the caller.
type Entry struct {
	// Seq is the entry's position in the log, starting at 1. Set by Seal.
	Seq uint64 `json:"seq"`
	// ID is a UUIDv7, so IDs sort by creation time and reveal nothing about
	// the subject. Set by Seal when empty.
	ID string `json:"id"`
	// Time is when the action happened (the engine's clock). Seal stores it
	// in UTC with microsecond precision, the precision SQL timestamps keep.
	Time time.Time `json:"time"`
	// Action says what happened: "delete", "anonymize", "hold.place",
	// "hold.release", "consent.grant", "consent.withdraw", ...
	Action string `json:"action"`
	// Dataset and Rule name the dataset and rule acted on, if any.
	Dataset string `json:"dataset,omitempty"`
	Rule    string `json:"rule,omitempty"`
	// Count is the number of records touched.
	Count int `json:"count"`
	// Subjects are the keyed pseudonyms of the subjects touched, sorted and
	// without duplicates (Seal sorts and deduplicates them). Each has the
	// form "<keyid>:<base64url digest>"; see Validate.
	Subjects []string `json:"subjects,omitempty"`
	// Policy is the hash of the declaration in force (policy.Declaration.Hash).
	Policy string `json:"policy,omitempty"`
	// Note is free text without personal data, e.g. the norm of a hold.
	Note string `json:"note,omitempty"`
	// Prev is the hash of the previous entry ("" for the first). Set by Seal.
	Prev string `json:"prev"`
	// Hash is the hash of this entry, covering every other field but Sig.
	// Set by Seal.
	Hash string `json:"hash"`
	// Sig is the signature of Hash by the Signer attached with SignedBy,
	// "<keyid>:<base64url Ed25519 signature>", set by Seal; empty for an
	// entry sealed without a signer. Hash does not cover it, so logs
	// written before entries were signed verify as they did.
	Sig string `json:"sig,omitempty"`

	// signer signs the entry when it is sealed.
	signer *Signer
}

// Head is the position and hash of the last entry of a log; the zero Head is
// the empty log. An auditor who writes down the head can later prove that
// no entry up to it was changed and that the log was not truncated (pass it
// to Verify).
type Head struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

// Head returns the head of a log whose last entry is e.
func (e Entry) Head() Head { return Head{Seq: e.Seq, Hash: e.Hash} }

// ErrInvalid is wrapped by the errors of Entry.Validate.
var ErrInvalid = errors.New("audit: invalid entry")

// minDigestBytes is the shortest digest accepted in a pseudonym: 128 bits,
// half of an HMAC-SHA-256, so that a short raw value cannot pass as one.
const minDigestBytes = 16

// Validate reports whether e may be stored: it has a Time and an Action, a
// Count that is not negative, and every subject is a keyed pseudonym of the
// form "<keyid>:<base64url digest>" where keyid is letters, digits, '.', '_'
// or '-' and the digest decodes to at least 16 bytes. Names, e-mail
// addresses, IP addresses, phone numbers and plain record IDs all fail this
// check, so a caller that forgets to pseudonymize gets an error instead of
// writing personal data into a log that is never deleted (Art. 5(1)(c),
// Art. 25(1)). The error wraps ErrInvalid and names the offending field by
// position, never by value.
func (e Entry) Validate() error {
	if e.Time.IsZero() {
		return fmt.Errorf("%w: time is zero", ErrInvalid)
	}
	if e.Action == "" {
		return fmt.Errorf("%w: action is empty", ErrInvalid)
	}
	if e.Count < 0 {
		return fmt.Errorf("%w: count %d is negative", ErrInvalid, e.Count)
	}
	for i, s := range e.Subjects {
		if err := checkPseudonym(s); err != nil {
			return fmt.Errorf("%w: subjects[%d] is not a keyed pseudonym: %s", ErrInvalid, i, err)
		}
	}
	return nil
}

// IsPseudonym reports whether s has the form of a keyed pseudonym
// ("<keyid>:<base64url digest>"), as Validate requires of subjects.
func IsPseudonym(s string) bool { return checkPseudonym(s) == nil }

// checkPseudonym explains why s is not a pseudonym. Its messages never
// repeat s, which may be personal data.
func checkPseudonym(s string) error {
	id, digest, ok := strings.Cut(s, ":")
	if !ok {
		return errors.New(`want "<keyid>:<base64url digest>", there is no ':'`)
	}
	if id == "" {
		return errors.New("the key ID before ':' is empty")
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return errors.New("the key ID may hold only letters, digits, '.', '_' and '-'")
		}
	}
	enc := base64.RawURLEncoding
	if strings.HasSuffix(digest, "=") {
		enc = base64.URLEncoding
	}
	b, err := enc.Strict().DecodeString(digest)
	if err != nil {
		return errors.New("the digest after ':' is not base64url")
	}
	if len(b) < minDigestBytes {
		return fmt.Errorf("the digest has %d bytes, want at least %d", len(b), minDigestBytes)
	}
	return nil
}
