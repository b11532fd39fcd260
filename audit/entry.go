package audit

import "time"

// Entry is one audit log entry. It never holds raw personal data: subjects
// appear only as keyed pseudonyms computed by the caller.
type Entry struct {
	// Seq is the entry's position in the log, starting at 1. Set by Seal.
	Seq uint64 `json:"seq"`
	// ID is a UUIDv7, so IDs sort by creation time and reveal nothing about
	// the subject. Set by Seal when empty.
	ID string `json:"id"`
	// Time is when the action happened (the engine's clock).
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
	// without duplicates.
	Subjects []string `json:"subjects,omitempty"`
	// Policy is the hash of the declaration in force (policy.Declaration.Hash).
	Policy string `json:"policy,omitempty"`
	// Note is free text without personal data, e.g. the norm of a hold.
	Note string `json:"note,omitempty"`
	// Prev is the hash of the previous entry ("" for the first). Set by Seal.
	Prev string `json:"prev"`
	// Hash is the hash of this entry, covering every other field. Set by Seal.
	Hash string `json:"hash"`
}

// Head is the position and hash of the last entry of a log; the zero Head is
// the empty log.
type Head struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}
