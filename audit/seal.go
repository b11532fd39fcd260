package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"time"

	"github.com/google/uuid"
)

// Precision is the time precision Seal keeps. SQL timestamps (PostgreSQL
// timestamptz, SQLite text with six fractional digits) keep microseconds,
// so an entry read back from a database hashes to the same value.
const Precision = time.Microsecond

// timeLayout is the fixed-width time form in the canonical encoding.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// hashVersion prefixes the canonical encoding so that a future encoding can
// be told apart from this one.
const hashVersion = "frist-audit-v1\n"

// Seal returns e appended after prev: Seq is prev.Seq+1, Prev is prev.Hash,
// ID a fresh UUIDv7 when e has none (its timestamp is e.Time, so IDs sort
// like the entries they name), Time in UTC truncated to Precision, Subjects
// sorted without duplicates, and Hash the hex SHA-256 of the canonical
// encoding of every other field. When a Signer is attached (SignedBy),
// Sig is its signature of Hash. Seal does not validate e; storage calls
// Entry.Validate before it stores an entry.
//
// Seal is a pure function of its arguments except for the random bits of a
// new ID.
func Seal(prev Head, e Entry) Entry {
	e.Seq = prev.Seq + 1
	e.Prev = prev.Hash
	e.Time = e.Time.UTC().Truncate(Precision)
	if e.ID == "" {
		e.ID = newID(e.Time)
	}
	if len(e.Subjects) > 0 {
		s := slices.Clone(e.Subjects)
		slices.Sort(s)
		e.Subjects = slices.Compact(s)
	} else {
		e.Subjects = nil
	}
	e.Hash = e.ComputeHash()
	e.Sig = ""
	if e.signer != nil {
		e.Sig = e.signer.Sign([]byte(e.Hash))
		// A sealed entry reads back from storage without its signer;
		// it compares equal to what is read back.
		e.signer = nil
	}
	return e
}

// newID returns a UUIDv7 whose 48-bit millisecond timestamp is t (when t is
// set) rather than the wall clock, so that IDs follow the engine's clock.
func newID(t time.Time) string {
	id, err := uuid.NewV7()
	if err != nil {
		// crypto/rand does not fail on supported platforms.
		panic("audit: cannot generate an ID: " + err.Error())
	}
	if !t.IsZero() && t.UnixMilli() >= 0 {
		ms := uint64(t.UnixMilli())
		for i := 0; i < 6; i++ {
			id[i] = byte(ms >> (40 - 8*i))
		}
	}
	return id.String()
}

// canonical is the encoding that Hash covers: every field of Entry except
// Hash, in a fixed order, with a fixed time form and Subjects always an
// array. JSON quoting makes it unambiguous: no field value can spill into
// another.
type canonical struct {
	Seq      uint64   `json:"seq"`
	ID       string   `json:"id"`
	Time     string   `json:"time"`
	Action   string   `json:"action"`
	Dataset  string   `json:"dataset"`
	Rule     string   `json:"rule"`
	Count    int      `json:"count"`
	Subjects []string `json:"subjects"`
	Policy   string   `json:"policy"`
	Note     string   `json:"note"`
	Prev     string   `json:"prev"`
}

// ComputeHash returns the hex SHA-256 of e's canonical encoding: the prefix
// "frist-audit-v1\n" followed by a JSON object of every field except Hash,
// Time written as UTC with six fractional digits and Subjects as an array
// (empty when nil). An entry is intact when ComputeHash equals its Hash.
func (e Entry) ComputeHash() string {
	c := canonical{
		Seq:      e.Seq,
		ID:       e.ID,
		Time:     e.Time.UTC().Format(timeLayout),
		Action:   e.Action,
		Dataset:  e.Dataset,
		Rule:     e.Rule,
		Count:    e.Count,
		Subjects: e.Subjects,
		Policy:   e.Policy,
		Note:     e.Note,
		Prev:     e.Prev,
	}
	if c.Subjects == nil {
		c.Subjects = []string{}
	}
	b, err := json.Marshal(c)
	if err != nil {
		// Strings, integers and a slice of strings always encode.
		panic("audit: cannot encode entry: " + err.Error())
	}
	h := sha256.New()
	h.Write([]byte(hashVersion))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}
