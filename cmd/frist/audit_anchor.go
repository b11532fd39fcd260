package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/retention"
)

// anchorFormat names the format of an anchor file.
const anchorFormat = "frist-audit-anchor"

// anchor is a signed head of an audit log, exported for keeping outside
// the database: whoever later verifies the database against it finds a
// log that was cut off or rewritten up to it, even when frist_audit_head
// was reset to match.
type anchor struct {
	Format     string `json:"format"`
	Version    int    `json:"version"`
	Controller string `json:"controller"`
	// Genesis is the hash of the log's first entry: it tells one audit
	// log from another.
	Genesis string    `json:"genesis"`
	Seq     uint64    `json:"seq"`
	Hash    string    `json:"hash"`
	Time    time.Time `json:"time"`
	Sig     string    `json:"sig"`
}

// message is what an anchor's signature covers.
func (a anchor) message() []byte {
	return []byte(strings.Join([]string{anchorFormat + "-v1", a.Controller, a.Genesis, strconv.FormatUint(a.Seq, 10), a.Hash, a.Time.UTC().Format(time.RFC3339Nano)}, "\n"))
}

// readAnchor reads an anchor file.
func readAnchor(path string) (anchor, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return anchor{}, fmt.Errorf("the anchor %s cannot be read: %v", path, err)
	}
	var a anchor
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil || a.Format != anchorFormat || a.Version != 1 || a.Seq == 0 || a.Genesis == "" || a.Hash == "" {
		return anchor{}, fmt.Errorf("%s is not an audit anchor written by \"frist audit anchor\"", path)
	}
	return a, nil
}

// readPublicKeys reads a file of public keys as "frist audit keys" prints
// them, one a line; '#' starts a comment.
func readPublicKeys(path string) (audit.Keys, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("the public key file cannot be read: %v", err)
	}
	defer f.Close()
	keys := audit.Keys{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, err := audit.ParsePublicKey(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, n, err)
		}
		keys[k.ID] = k.Key
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("the public key file cannot be read: %v", err)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s holds no public key; write the lines \"frist audit keys\" prints", path)
	}
	return keys, nil
}

// anchorCheck checks a verified log against anchors as its entries pass.
type anchorCheck struct {
	anchors []anchor
	files   []string
	genesis string
	// base is where the kept log begins; dropped lists the anchors
	// before it, found by start.
	base    audit.Base
	dropped []droppedAnchorJSON
}

// start checks the anchors against the base before any entry is read:
// after a drop, the base keeps the hash of the log's first entry, which
// names the log; an anchor at the base must have its hash; one before it
// is in the dropped part and is listed, not checked.
func (c *anchorCheck) start() error {
	b := c.base
	if b.IsZero() {
		return nil
	}
	for i, a := range c.anchors {
		if err := c.genesisOf(i, b.Genesis, 0, ""); err != nil {
			return err
		}
		switch {
		case a.Seq < b.Seq:
			c.dropped = append(c.dropped, droppedAnchorJSON{File: c.files[i], Seq: a.Seq})
		case a.Seq == b.Seq:
			if err := checkDroppedHead(audit.Head{Seq: a.Seq, Hash: a.Hash}, b, "the anchor "+c.files[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// genesisOf checks that anchor i belongs to the log whose first entry has
// the hash genesis; seq and id name the entry reported.
func (c *anchorCheck) genesisOf(i int, genesis string, seq uint64, id string) error {
	if c.anchors[i].Genesis != genesis {
		return &audit.VerifyError{Seq: seq, ID: id, Kind: audit.Forked,
			Reason: fmt.Sprintf("the anchor %s belongs to another audit log (its first entry has another hash): another database, or this log was rewritten from its start", c.files[i])}
	}
	return nil
}

// see checks entry e, which the Verifier accepted, against the anchors.
func (c *anchorCheck) see(e audit.Entry) error {
	if e.Seq == 1 {
		c.genesis = e.Hash
		for i := range c.anchors {
			if err := c.genesisOf(i, e.Hash, 1, e.ID); err != nil {
				return err
			}
		}
	}
	for i, a := range c.anchors {
		if a.Seq == e.Seq && a.Hash != e.Hash {
			return &audit.VerifyError{Seq: e.Seq, ID: e.ID, Kind: audit.Forked,
				Reason: fmt.Sprintf("its hash differs from the anchor %s exported at %s: the log was rewritten at or before this entry", c.files[i], a.Time.UTC().Format(time.RFC3339))}
		}
	}
	return nil
}

// done checks that the log, whose head is last, reaches every anchor.
func (c *anchorCheck) done(last audit.Head) error {
	for i, a := range c.anchors {
		if a.Seq > last.Seq {
			return &audit.VerifyError{Seq: last.Seq + 1, Kind: audit.Truncated,
				Reason: fmt.Sprintf("the log ends at entry %d, but the anchor %s exported at %s records entry %d: entries were deleted", last.Seq, c.files[i], a.Time.UTC().Format(time.RFC3339), a.Seq)}
		}
	}
	return nil
}

var auditKeysUsage = `Usage: frist audit keys --keys FILE

Prints the public keys that verify the signatures of the audit log's
entries, one line per key of the key file's ring "audit":
"ID ed25519 KEY". frist signs every entry it appends with a key derived
from the ring's current key; the public key lets anyone, such as the
data-protection officer or the supervisory authority, check the
signatures without being able to make them (Art. 5(2)). Give it to them
once, and again after each rotation of the ring, and keep it where the
database's administrators cannot change it; "frist audit verify
--public-keys FILE" then refuses any entry that was forged or re-sealed.

` + keysUsageHelp + `
Flags:
%s
Example:
  frist audit keys --keys /etc/frist/keys > frist-audit.pub
`

func runAuditKeys(args []string, stdout, stderr io.Writer) int {
	c := newCLI("audit keys", auditKeysUsage, stdout, stderr)
	keyFile := c.keysFlag()
	rest, code, done := c.parse(args)
	if done {
		return code
	}
	if len(rest) > 0 {
		return c.fail("unexpected arguments: %s", strings.Join(rest, " "))
	}
	if *keyFile == "" {
		return c.noKeys()
	}
	k, err := readKeys(*keyFile, nil, func(msg string) { fmt.Fprintf(stderr, "frist audit keys: warning: %s\n", msg) })
	if err != nil {
		return c.errorf("%v", err)
	}
	for _, id := range k.audit.IDs() {
		seed, _ := k.audit.DeriveKey(id, audit.SignatureLabel)
		s, err := audit.NewSigner(id, seed)
		if err != nil {
			return c.errorf("the audit key %s cannot sign: %v", id, err)
		}
		fmt.Fprintln(stdout, s.PublicKey().String())
	}
	return exitOK
}

var auditAnchorUsage = `Usage: frist audit anchor FILE --db URL --keys FILE [--out PATH]

Verifies the audit log and exports its head, signed with the audit key, as
an anchor: a small JSON file that names the log (by the hash of its first
entry), the position and hash of its last entry, and the time. Keep
anchors where the database's administrators cannot write: send them to the
data-protection officer, print them, or add them to a transparency log.
"frist audit verify --anchor FILE..." then finds a log that no longer
reaches an anchor, or differs from it, even when the head that the
database records was reset to match.

` + keysUsageHelp + `
Exit status: 0 when the anchor was written; 1 when the log is broken (no
anchor is written for a broken log); 2 when the declaration, the database
or the keys cannot be used, --out exists, or the command line is wrong.

Flags:
%s
Example:
  frist audit anchor examples/policies/jobcenter.yaml --db sqlite:booking.db --keys /etc/frist/keys --out anchor-2026-12-03.json
`

func runAuditAnchor(args []string, stdout, stderr io.Writer) int {
	c := newCLI("audit anchor", auditAnchorUsage, stdout, stderr)
	dbURL := c.fs.String("db", "", dbFlagHelp)
	logDirs := c.logsFlag()
	keyFile := c.keysFlag()
	out := c.fs.String("out", "", "write the anchor to this new file instead of stdout")
	rest, code, done := c.parse(args)
	if done {
		return code
	}
	file, code, ok := c.oneFile(rest)
	if !ok {
		return code
	}
	switch {
	case *dbURL == "":
		return c.fail("no database given; name it with --db sqlite:PATH or --db postgres://USER@HOST/DB")
	case *keyFile == "":
		return c.noKeys()
	}
	decl, code, ok := c.load(file)
	if !ok {
		return code
	}
	k, err := readKeys(*keyFile, decl, func(msg string) { fmt.Fprintf(stderr, "frist audit anchor: warning: %s\n", msg) })
	if err != nil {
		return c.errorf("%v", err)
	}
	signer, err := retention.AuditSigner(k.audit)
	if err != nil {
		return c.errorf("%v", err)
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
	// After a drop the base keeps the first entry's hash, which names the
	// log, and the kept entries verify from it.
	v := audit.NewVerifierFrom(base, nil)
	genesis := base.Genesis
	after := base.Seq
	for {
		page, err := db.store.ReadAudit(ctx, after, auditPage)
		var ve *audit.VerifyError
		if errors.As(err, &ve) {
			return c.brokenAnchor(ve)
		}
		if err != nil {
			return c.errorf("reading the audit log of %s: %v", db.name, err)
		}
		for _, e := range page {
			if e.Seq == 1 {
				genesis = e.Hash
			}
			if err := v.Add(e); err != nil {
				errors.As(err, &ve)
				return c.brokenAnchor(ve)
			}
		}
		if len(page) < auditPage {
			break
		}
		after = page[len(page)-1].Seq
	}
	head, err := v.Done()
	if err != nil {
		var ve *audit.VerifyError
		errors.As(err, &ve)
		return c.brokenAnchor(ve)
	}
	if head.Seq == 0 {
		return c.errorf("the audit log of %s is empty: there is nothing to anchor yet", db.name)
	}
	a := anchor{Format: anchorFormat, Version: 1, Controller: decl.Controller.Name, Genesis: genesis, Seq: head.Seq, Hash: head.Hash, Time: time.Now().UTC().Truncate(time.Second)}
	a.Sig = signer.Sign(a.message())
	b, _ := json.MarshalIndent(a, "", "  ")
	b = append(b, '\n')
	if *out == "" {
		_, err = stdout.Write(b)
		if err != nil {
			return c.errorf("%v", err)
		}
		return exitOK
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return c.errorf("the anchor cannot be written: %v (an existing anchor is never overwritten)", err)
	}
	_, werr := f.Write(b)
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		return c.errorf("the anchor cannot be written: %v", err)
	}
	fmt.Fprintf(stderr, "frist audit anchor: wrote the anchor of entry %d to %s; keep it where the database's administrators cannot write\n", head.Seq, *out)
	return exitOK
}

// brokenAnchor reports a broken log, for which no anchor is written.
func (c *cli) brokenAnchor(ve *audit.VerifyError) int {
	if ve == nil {
		return c.errorf("the audit log cannot be verified")
	}
	fmt.Fprintf(c.stderr, "frist %s: the audit log is broken (%s at entry %d: %s); no anchor is written for a broken log\n", c.name, ve.Kind, ve.Seq, ve.Reason)
	return exitFindings
}
