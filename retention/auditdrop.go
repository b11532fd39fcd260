package retention

import (
	"fmt"
	"time"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/policy"
)

// AuditDropCheck is what CheckAuditDrop found about the latest drop of an
// audit log.
type AuditDropCheck struct {
	// At is when the drop happened, as the entry that recorded it says
	// (its Time).
	At time.Time
	// KeptUntil is when the declaration lets the last entry dropped go:
	// the end of its records.audit period, counted from the entry's time
	// (Base.Time) in the controller's time zone. It is zero when the
	// declaration keeps the log without end.
	KeptUntil time.Time
	// Early is set when KeptUntil is after At, or zero: the entry was
	// dropped while the declaration still kept it.
	Early bool
	// OtherDeclaration is set when the entry that recorded the drop names
	// another declaration (its Policy hash) than the one checked against:
	// the drop was made under another version of it.
	OtherDeclaration bool
}

// CheckAuditDrop checks the latest drop of an audit log against decl: b
// is the Base the kept log begins at and drop the entry that recorded
// the drop (audit.DropAction), the one audit.Verifier.Done matches to b
// (audit.Verifier.LatestDrop). The drop was early when the last entry
// dropped, of time b.Time, was still within the period records.audit of
// decl keeps it for (policy.Declaration.RecordRetention) at drop.Time:
// the log is the controller's proof of the processing, and the
// declaration promises to keep it that long (Art. 5(2) GDPR). A sweep
// never drops early (policy.RecordPeriod.EndedBefore), so an early drop
// was made by something else: a shortened records.audit, a defect, or
// someone holding the audit key. A declaration that keeps the log without
// end (no period after which EndedBefore lets anything go) makes every
// drop early.
//
// When drop names another declaration than decl, the check still uses
// decl, the declaration the caller holds to be in force: of the two
// readings, that is the one that protects the data subject when decl
// keeps the log longer, and the result says so (OtherDeclaration).
//
// It returns an *audit.VerifyError of kind audit.Early, naming b.Seq,
// when the drop was early, and nil otherwise or when b is the zero Base.
// It checks only the latest drop: the Base of an earlier one is gone.
// What it rests on is b.Time and drop.Time, which the signatures of the
// Base and of the entry cover (audit.Verifier.RequireSignatures); without
// the public keys, someone who can write to the database could move
// b.Time back. CheckAuditDrop is a pure function of its arguments.
func CheckAuditDrop(decl *policy.Declaration, b audit.Base, drop audit.Entry) (AuditDropCheck, error) {
	if b.IsZero() {
		return AuditDropCheck{}, nil
	}
	period := decl.RecordRetention().Audit
	loc := decl.Location()
	c := AuditDropCheck{At: drop.Time, OtherDeclaration: drop.Policy != decl.Hash()}
	if !period.EndedBefore(drop.Time, loc).IsZero() {
		c.KeptUntil = period.Deadline(b.Time, loc)
	}
	c.Early = c.KeptUntil.IsZero() || c.KeptUntil.After(drop.Time)
	if !c.Early {
		return c, nil
	}
	kept := fmt.Sprintf("records.audit of the declaration (%s) keeps it until %s", period, c.KeptUntil.In(loc).Format(time.RFC3339))
	if c.KeptUntil.IsZero() {
		kept = "records.audit of the declaration sets no period after which an entry may be dropped: it keeps the log without end"
	}
	reason := fmt.Sprintf("the base says entry %d, written at %s, was dropped at %s (recorded by entry %d), but %s: it was dropped early",
		b.Seq, b.Time.In(loc).Format(time.RFC3339Nano), drop.Time.In(loc).Format(time.RFC3339Nano), drop.Seq, kept)
	if c.OtherDeclaration {
		reason += fmt.Sprintf("; the drop was made under another version of the declaration (hash %s, this one's is %s), and the check uses the one given", orNone(drop.Policy), decl.Hash())
	}
	return c, &audit.VerifyError{Seq: b.Seq, Kind: audit.Early, Reason: reason}
}

// orNone returns s, or "none" when it is empty.
func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
