package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/frist-go/frist/audit"
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
	OK      bool       `json:"ok"`
	Entries uint64     `json:"entries"`
	Head    string     `json:"head,omitempty"`
	Broken  *brokeJSON `json:"broken,omitempty"`
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

	v := audit.NewVerifier(audit.Head{}, want)
	if keys != nil {
		v.RequireSignatures(keys, *signedFrom)
	}
	var n uint64
	var after uint64
	var broken, rowBroken error
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
	if err == nil {
		err = anchors.done(head)
	}
	if err == nil {
		if hr, ok := db.sql.(auditHeadReader); ok {
			stored, herr := hr.AuditHead(ctx)
			if herr != nil {
				return c.errorf("reading the audit head of %s: %v", db.name, herr)
			}
			err = checkStoredHead(head, stored)
		}
	}
	out := verifyJSON{OK: err == nil, Entries: n}
	if head.Seq > 0 {
		out.Head = formatHead(head)
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
		fmt.Fprintf(stdout, "audit log of %s verifies: %s, head %s\n", db.name, plural(int(n), "entry"), headOrEmpty(out.Head))
		fmt.Fprintln(stdout, "Record the head outside the database and pass it with --head next time to detect truncation.")
	} else if ve == nil {
		fmt.Fprintf(stdout, "audit log of %s verifies (%s), but the log files' chain does not match it: %s\n", db.name, plural(int(n), "entry"), out.Broken.Reason)
	} else {
		fmt.Fprintf(stdout, "audit log of %s is BROKEN at entry %d", db.name, ve.Seq)
		if ve.ID != "" {
			fmt.Fprintf(stdout, " (%s)", ve.ID)
		}
		fmt.Fprintf(stdout, ": %s: %s\n", ve.Kind, ve.Reason)
		fmt.Fprintf(stdout, "The entries before it verify (head %s).\n", headOrEmpty(out.Head))
	}
	if !out.OK {
		if ve == nil {
			fmt.Fprintln(stderr, "frist audit verify: the log files' audit chain does not match the database's; preserve both as evidence and compare them with a backup")
		} else {
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
