package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store/multistore"
)

const auditUsage = `Usage: frist audit verify FILE --db URL [--head SEQ:HASH] [--public-keys FILE] [--anchor FILE]... [--format text|json]
       frist audit anchor FILE --db URL --keys FILE [--out PATH]
       frist audit keys --keys FILE

Reads the hash-chained audit log that frist keeps in the application's
database, page by page, and verifies it: every entry must match its hash
and be sealed to the one before it (Art. 5(2), accountability). A changed,
removed, inserted or reordered entry is reported with its position and
what was found. The declaration names the database's datasets, as for the
other commands. The database is opened read-only: an auditor's role with
nothing but SELECT suffices, and nothing is written.

Every column of every row is checked against the entry as it was sealed,
and the log's end against the head that the database records with every
entry (frist_audit_head): a changed column, a garbled row and a log cut
off at its end are all reported as broken.

When the declaration binds datasets to log files, their own audit chain
(beside the files, or in DIR with --logs DATASET=DIR) is verified too,
and every batch on them must have its copy in the database's chain.

Someone who can write to the database can still delete the newest
entries and reset the recorded head, or re-seal a rewritten chain. Two
things stop that:

  - Signatures. frist signs every entry with a key derived from the audit
    key ring; "frist audit keys" prints the public keys. With
    --public-keys, an entry that is unsigned or whose signature does not
    verify is reported as changed, so a re-sealed chain is found without
    any earlier record of the log. Entries written before entries were
    signed are let through with --signed-from SEQ.
  - Anchors. "frist audit anchor" exports a signed head; with --anchor
    FILE (as often as there are anchors) the log must reach each anchor
    and agree with it, so that deleting the newest entries and resetting
    the recorded head is found. --head SEQ:HASH does the same with a head
    an earlier verification printed.

Entries whose declared retention ended (the declaration's records block,
records.audit) are dropped by the sweeps, oldest first. The database
keeps a base, the position, hash and time of the last entry dropped,
signed with the audit key, and verification starts from it: the base must
be signed (with --public-keys), agree with the entry that recorded the
drop, and the first kept entry must be sealed to it. A --head or --anchor
at the base is compared with it; one before the base lies in the dropped
part and is listed as not checked: it still shows that this log (by the
hash of its first entry) was not cut short before it, but no longer
whether the entries up to it were changed before they were dropped.

The latest drop is checked against the declaration given: the last entry
dropped (the base) must have been past its records.audit period at the
time the drop's entry records, counted in the controller's time zone. A
drop of entries the declaration still keeps is reported as broken with
the kind "early", naming the entry, its time, until when the declaration
keeps it and when it was dropped. When the drop was made under another
version of the declaration (its entry names another hash), the check
uses the one given and the report says so.

Exit status: 0 when the log verifies, 1 when it is broken (also when a row
cannot be decoded), 2 when the declaration is invalid, the database cannot
be reached, or the command line is wrong.

Flags:
%s
Examples:
  frist audit verify examples/policies/jobcenter.yaml --db sqlite:booking.db
  frist audit verify policy.yaml --db postgres://auditor@db/booking --head 1234:9f2c... --format json
`

// auditPage is how many entries are read at a time.
const auditPage = 1000

// verifyJSON is the JSON form of a verification.
type verifyJSON struct {
	OK      bool   `json:"ok"`
	Entries uint64 `json:"entries"`
	Head    string `json:"head,omitempty"`
	// Base is where the kept log begins after older entries were
	// dropped; absent when none were.
	Base *baseJSON `json:"base,omitempty"`
	// Dropped lists the anchors whose entry was dropped: they were not
	// checked against the database (droppedAnchorMeaning).
	Dropped []droppedAnchorJSON `json:"dropped_anchors,omitempty"`
	Broken  *brokeJSON          `json:"broken,omitempty"`
}

// baseJSON is the JSON form of the base a verification started from.
type baseJSON struct {
	// Seq and Hash are those of the last entry dropped, Time its time.
	Seq  uint64    `json:"seq"`
	Hash string    `json:"hash"`
	Time time.Time `json:"time"`
	// Signed says whether the base carries a signature;
	// SignatureChecked whether it was checked with --public-keys (a
	// base that fails the check makes the log broken).
	Signed           bool `json:"signed"`
	SignatureChecked bool `json:"signature_checked"`
	// Drop is the latest drop, checked against the declaration given;
	// absent when the log is broken before it could be checked.
	Drop *dropJSON `json:"drop,omitempty"`
}

// dropJSON is the JSON form of the latest drop of the log and of its
// check against the declaration (retention.CheckAuditDrop).
type dropJSON struct {
	// Seq is the position of the entry that recorded the drop, Time
	// when it happened.
	Seq  uint64    `json:"seq"`
	Time time.Time `json:"time"`
	// KeptUntil is when the declaration given lets the last entry
	// dropped (the base) go; absent when it keeps the log without end.
	KeptUntil *time.Time `json:"kept_until,omitempty"`
	// Early is set when the base's entry was dropped before KeptUntil:
	// the log is then reported broken with the kind "early".
	Early bool `json:"early"`
	// Policy is the hash of the declaration the drop was made under;
	// OtherDeclaration is set when it is not the declaration given,
	// against which the drop was checked all the same.
	Policy           string `json:"policy"`
	OtherDeclaration bool   `json:"other_declaration"`
}

// newDropJSON returns the JSON form of the check c of the drop recorded
// by d.
func newDropJSON(d audit.Entry, c retention.AuditDropCheck) *dropJSON {
	out := &dropJSON{Seq: d.Seq, Time: d.Time, Early: c.Early, Policy: d.Policy, OtherDeclaration: c.OtherDeclaration}
	if !c.KeptUntil.IsZero() {
		k := c.KeptUntil
		out.KeptUntil = &k
	}
	return out
}

// dropProof says, of a verified log, that its latest drop was not early
// under the declaration given, and under which declaration it was made.
func dropProof(d *dropJSON, loc *time.Location) string {
	s := fmt.Sprintf("The latest drop (entry %d, at %s) was not early: the declaration keeps the last entry dropped until %s.",
		d.Seq, d.Time.In(loc).Format(time.RFC3339), d.KeptUntil.In(loc).Format(time.RFC3339))
	if d.OtherDeclaration {
		s += " " + otherDeclaration
	}
	return s
}

// otherDeclaration says that a drop was checked against another version
// of the declaration than the one it was made under.
const otherDeclaration = "The drop was made under another version of the declaration (its entry names another hash); it was checked against the one given."

// droppedAnchorJSON is an anchor whose entry was dropped.
type droppedAnchorJSON struct {
	File string `json:"file"`
	Seq  uint64 `json:"seq"`
}

// droppedAnchorMeaning says what an anchor in the dropped part of the log
// does and does not prove.
const droppedAnchorMeaning = "It belongs to this log (its first entry's hash is the one the base keeps) and lies before the base, so the log was not cut short before it; " +
	"whether the entries up to it were changed before they were dropped can no longer be shown from the database."

// baseProof says what the base of a verified log rests on.
func baseProof(b *baseJSON) string {
	switch {
	case b.SignatureChecked:
		return "The base was signed by one of the public keys given: the entries before it were dropped by frist, not deleted by someone without the key."
	case b.Signed:
		return "The base is signed, but no public keys were given to check it: pass --public-keys to tell a drop by frist from entries deleted by someone with access to the database."
	}
	return "The base is not signed (entries were not signed when they were dropped): it matches the entry that recorded the drop, which is all that can be checked without a key."
}

// checkDroppedHead checks a head recorded earlier (what names it) that is
// at or before the base b: at the base, its hash must be the base's;
// before it, the entry was dropped and nothing is left to compare.
func checkDroppedHead(h audit.Head, b audit.Base, what string) error {
	if h.Seq == b.Seq && h.Hash != b.Hash {
		return &audit.VerifyError{Seq: h.Seq, Kind: audit.BadBase,
			Reason: fmt.Sprintf("%s records this entry with another hash than the base, which is where the kept log begins: the base was changed, or the log rewritten before it was dropped", what)}
	}
	return nil
}

type brokeJSON struct {
	Seq    uint64 `json:"seq"`
	ID     string `json:"id,omitempty"`
	Kind   string `json:"kind"`
	Reason string `json:"reason"`
}

// stringsFlag is a flag that may be given several times.
type stringsFlag []string

func (f *stringsFlag) String() string     { return strings.Join(*f, ",") }
func (f *stringsFlag) Set(v string) error { *f = append(*f, v); return nil }

func runAudit(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "keys":
			return runAuditKeys(args[1:], stdout, stderr)
		case "anchor":
			return runAuditAnchor(args[1:], stdout, stderr)
		}
	}
	if len(args) == 0 || args[0] != "verify" {
		c := newCLI("audit", auditUsage, stdout, stderr)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help" || args[0] == "help") {
			// The help of audit is that of its main subcommand, verify.
			return runAudit([]string{"verify", "--help"}, stdout, stderr)
		}
		return c.fail("expected the subcommand verify, anchor or keys, e.g. frist audit verify policy.yaml --db sqlite:booking.db")
	}
	c := newCLI("audit verify", auditUsage, stdout, stderr)
	dbURL := c.fs.String("db", "", "database URL: sqlite:PATH or postgres://USER@HOST/DB (required)")
	headFlag := c.fs.String("head", "", "expected head SEQ:HASH recorded by an earlier verification")
	format := c.fs.String("format", "text", "output format: text or json")
	logDirs := c.logsFlag()
	pubFile := c.fs.String("public-keys", "", `file of public keys ("frist audit keys" prints them): every entry must be signed by one of them`)
	signedFrom := c.fs.Uint64("signed-from", 0, "with --public-keys: entries up to this position were written before entries were signed and are checked by their hashes alone")
	var anchorFiles stringsFlag
	c.fs.Var(&anchorFiles, "anchor", `anchor file exported by "frist audit anchor"; the log must reach it and agree with it (repeatable)`)
	rest, code, done := c.parse(args[1:])
	if done {
		return code
	}
	if code, ok := c.choice("format", *format, "text", "json"); !ok {
		return code
	}
	file, code, ok := c.oneFile(rest)
	if !ok {
		return code
	}
	if *dbURL == "" {
		return c.fail("no database given; name it with --db sqlite:PATH or --db postgres://USER@HOST/DB")
	}
	var want *audit.Head
	if *headFlag != "" {
		h, err := parseHead(*headFlag)
		if err != nil {
			return c.fail("%v", err)
		}
		want = &h
	}
	var keys audit.Keys
	if *pubFile != "" {
		k, err := readPublicKeys(*pubFile)
		if err != nil {
			return c.errorf("%v", err)
		}
		keys = k
	}
	anchors := &anchorCheck{}
	for _, f := range anchorFiles {
		a, err := readAnchor(f)
		if err != nil {
			return c.errorf("%v", err)
		}
		if keys != nil {
			if err := keys.CheckSignature(a.Sig, a.message()); err != nil {
				return c.errorf("the anchor %s is not genuine: %v", f, err)
			}
		}
		anchors.anchors = append(anchors.anchors, a)
		anchors.files = append(anchors.files, f)
	}
	decl, code, ok := c.load(file)
	if !ok {
		return code
	}
	for i, a := range anchors.anchors {
		if a.Controller != decl.Controller.Name {
			return c.errorf("the anchor %s was exported for the controller %q, not for %q of this declaration", anchors.files[i], a.Controller, decl.Controller.Name)
		}
	}
	ctx := context.Background()
	db, err := openDatabaseWith(ctx, *dbURL, decl, readOnly, nil, dbOptions{logDirs: logDirs})
	if err != nil {
		return c.errorf("%v", err)
	}
	defer db.Close()

	base, err := db.store.AuditBase(ctx)
	if err != nil {
		return c.errorf("reading the audit base of %s: %v", db.name, err)
	}
	// A head or anchor at or before the base concerns dropped entries:
	// it is compared with the base, or reported as covered by the
	// dropped part, never passed to the Verifier as a head to reach.
	var broken, rowBroken error
	if want != nil && !base.IsZero() && want.Seq <= base.Seq {
		if err := checkDroppedHead(*want, base, "the head given with --head"); err != nil {
			broken, rowBroken = err, err
		}
		want = nil
	}
	anchors.base = base
	if broken == nil {
		if err := anchors.start(); err != nil {
			broken, rowBroken = err, err
		}
	}
	v := audit.NewVerifierFrom(base, want)
	if keys != nil {
		v.RequireSignatures(keys, *signedFrom)
	}
	var n uint64
	// Reading from the start, not from the base, shows a row at or before
	// the base, which a genuine drop deleted (audit.BadBase).
	var after uint64
	for broken == nil {
		page, err := db.store.ReadAudit(ctx, after, auditPage)
		var rowErr *audit.VerifyError
		if errors.As(err, &rowErr) {
			// A row that is not what was sealed: the log is broken
			// there, not unreadable.
			broken, rowBroken = rowErr, rowErr
			break
		}
		if err != nil {
			return c.errorf("reading the audit log of %s: %v", db.name, err)
		}
		for _, e := range page {
			n++
			if err := v.Add(e); err != nil {
				broken = err
				break
			}
			if err := anchors.see(e); err != nil {
				broken, rowBroken = err, err
				break
			}
		}
		if len(page) < auditPage {
			break
		}
		after = page[len(page)-1].Seq
	}
	head, err := v.Done()
	if rowBroken != nil {
		// The rows before it verified; the Verifier never saw this one.
		err = rowBroken
	}
	var doneErr *audit.VerifyError
	if afterDrop := errors.As(err, &doneErr) && doneErr.Kind == audit.BadBase && rowBroken == nil && broken == nil; err == nil || afterDrop {
		// A log cut off at its end may have lost the entry that recorded
		// the latest drop with it (Done then finds no drop entry): the
		// truncation, found against the anchors and the recorded head,
		// is the more precise finding.
		terr := anchors.done(head)
		if terr == nil {
			if hr, ok := db.sql.(auditHeadReader); ok {
				stored, herr := hr.AuditHead(ctx)
				if herr != nil {
					return c.errorf("reading the audit head of %s: %v", db.name, herr)
				}
				terr = checkStoredHead(head, stored)
			}
		}
		if terr != nil {
			err = terr
		}
	}
	var drop *dropJSON
	if err == nil && !base.IsZero() {
		// The log is intact from a genuine base: whether the drop that
		// left it was early is a question of the declaration.
		if d, ok := v.LatestDrop(); ok {
			c, cerr := retention.CheckAuditDrop(decl, base, d)
			drop, err = newDropJSON(d, c), cerr
		}
	}
	out := verifyJSON{OK: err == nil, Entries: n, Dropped: anchors.dropped}
	if head.Seq > 0 {
		out.Head = formatHead(head)
	}
	if !base.IsZero() {
		out.Base = &baseJSON{Seq: base.Seq, Hash: base.Hash, Time: base.Time, Signed: base.Sig != "", SignatureChecked: keys != nil && base.Seq > *signedFrom, Drop: drop}
	}
	var ve *audit.VerifyError
	if errors.As(err, &ve) {
		out.Broken = &brokeJSON{Seq: ve.Seq, ID: ve.ID, Kind: ve.Kind.String(), Reason: ve.Reason}
	} else if err != nil {
		return c.errorf("verifying: %v", err)
	}
	if ms, ok := db.store.(*multistore.Store); ok && out.OK {
		// The log files keep a chain of their own, copied into the
		// database's: both must verify and every copy match.
		if err := ms.Verify(ctx); err != nil {
			var ve *audit.VerifyError
			if !errors.Is(err, multistore.ErrMirror) && !errors.As(err, &ve) {
				return c.errorf("verifying the audit log of the log files: %v", err)
			}
			out.OK = false
			out.Broken = &brokeJSON{Kind: "log files", Reason: err.Error()}
		}
	}
	if *format == "json" {
		if code := c.writeJSON(out); code != exitOK {
			return code
		}
	} else if out.OK {
		if base.IsZero() {
			fmt.Fprintf(stdout, "audit log of %s verifies: %s, head %s\n", db.name, plural(int(n), "entry"), headOrEmpty(out.Head))
		} else {
			fmt.Fprintf(stdout, "audit log of %s verifies: %s kept after entries 1 to %d, dropped when their retention ended, head %s\n", db.name, plural(int(n), "entry"), base.Seq, headOrEmpty(out.Head))
			fmt.Fprintln(stdout, baseProof(out.Base))
			if drop != nil {
				fmt.Fprintln(stdout, dropProof(drop, decl.Location()))
			}
		}
		for _, d := range anchors.dropped {
			fmt.Fprintf(stdout, "Anchor %s (entry %d) is in the dropped part: not checked against the database. %s\n", d.File, d.Seq, droppedAnchorMeaning)
		}
		fmt.Fprintln(stdout, "Record the head outside the database and pass it with --head next time to detect truncation.")
	} else if ve == nil {
		fmt.Fprintf(stdout, "audit log of %s verifies (%s), but the log files' chain does not match it: %s\n", db.name, plural(int(n), "entry"), out.Broken.Reason)
	} else if ve.Kind == audit.Early {
		fmt.Fprintf(stdout, "audit log of %s: entries were dropped EARLY, up to entry %d: %s\n", db.name, ve.Seq, ve.Reason)
		fmt.Fprintf(stdout, "The %s kept after the base verify (head %s); the early drop cannot be undone from the database.\n", plural(int(n), "entry"), headOrEmpty(out.Head))
	} else {
		fmt.Fprintf(stdout, "audit log of %s is BROKEN at entry %d", db.name, ve.Seq)
		if ve.ID != "" {
			fmt.Fprintf(stdout, " (%s)", ve.ID)
		}
		fmt.Fprintf(stdout, ": %s: %s\n", ve.Kind, ve.Reason)
		fmt.Fprintf(stdout, "The entries before it verify (head %s).\n", headOrEmpty(out.Head))
	}
	if !out.OK {
		switch {
		case ve != nil && ve.Kind == audit.Early:
			fmt.Fprintf(stderr, "frist audit verify: entries the declaration still keeps were dropped (early, up to entry %d); a backup from before the drop may still hold them, and records.audit or the use of the audit key should be looked into\n", ve.Seq)
		case ve == nil:
			fmt.Fprintln(stderr, "frist audit verify: the log files' audit chain does not match the database's; preserve both as evidence and compare them with a backup")
		default:
			fmt.Fprintf(stderr, "frist audit verify: the audit log is broken (%s at entry %d); preserve the database as evidence and compare it with a backup\n", ve.Kind, ve.Seq)
		}
		return exitFindings
	}
	return exitOK
}

// auditHeadReader is the part of the SQL stores that reads the head
// frist_audit_head records.
type auditHeadReader interface {
	AuditHead(ctx context.Context) (audit.Head, error)
}

// checkStoredHead compares the head of the verified log with the head the
// database recorded when it appended its last entry, in the same
// transaction: a log that ends before it was truncated, one that goes on
// after it was added to outside frist, and one whose entry there has
// another hash was rewritten.
func checkStoredHead(verified, stored audit.Head) error {
	switch {
	case verified.Seq < stored.Seq:
		return &audit.VerifyError{Seq: verified.Seq + 1, Kind: audit.Truncated,
			Reason: fmt.Sprintf("the log ends at entry %d, but frist_audit_head, written with every entry, records entry %d as the last: entries were deleted", verified.Seq, stored.Seq)}
	case verified.Seq > stored.Seq:
		return &audit.VerifyError{Seq: stored.Seq + 1, Kind: audit.Inserted,
			Reason: fmt.Sprintf("frist_audit_head records entry %d as the last, but the log goes on to entry %d: entries were added outside frist", stored.Seq, verified.Seq)}
	case verified.Hash != stored.Hash:
		return &audit.VerifyError{Seq: verified.Seq, Kind: audit.Forked,
			Reason: "its hash differs from the one frist_audit_head records for it: the log was rewritten at or before this entry"}
	}
	return nil
}

func headOrEmpty(h string) string {
	if h == "" {
		return "none (the log is empty)"
	}
	return h
}

// formatHead writes a head as SEQ:HASH.
func formatHead(h audit.Head) string { return strconv.FormatUint(h.Seq, 10) + ":" + h.Hash }

// parseHead parses SEQ:HASH.
func parseHead(s string) (audit.Head, error) {
	seq, hash, ok := strings.Cut(s, ":")
	n, err := strconv.ParseUint(seq, 10, 64)
	if !ok || err != nil || n == 0 || hash == "" {
		return audit.Head{}, fmt.Errorf("--head %q is not a head; write SEQ:HASH as an earlier \"frist audit verify\" printed it", s)
	}
	return audit.Head{Seq: n, Hash: hash}, nil
}
