package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/dsar"
	"github.com/frist-go/frist/internal/storecheck"
)

var dsarVerifyUsage = `Usage: frist dsar verify FILE --db URL --keys FILE ID --method METHOD [--note TEXT] [--format text|json]

Records that the operator established the identity of the requester of the
request ID, and how (--method): the request moves to verified and may then
be answered (Art. 12(6) GDPR: nothing is disclosed or changed before).

frist cannot check a person's identity. It trusts the operator who runs
this command: running it is the operator's attestation that the requester
is the data subject the request names. frist records the attestation in
the hash-chained audit log, with the method, the request ID and the
subject's keyed pseudonym (action dsar.identity_attested), followed by the
request's move to verified. Establish the identity with what the
application knows of the person, and ask for no more than needed
(Art. 12(6), Art. 5(1)(c)).

METHOD is one of:
  id_card_checked   an identity card or passport was shown and checked
  eid               the online function of the identity card (eID)
  postal_ident      a letter to the postal address on file, or postal identification
  link_possession   possession of a link only the person received
  verified_email    a one-time link to the e-mail address on file was opened

The audit log is kept for good and holds only METHOD. --note may say more
about how (at most 200 characters, one line); it is kept in the request's
history and refused when it looks personal: the subject's identifier, a
name, a document or tax number, an e-mail address (also written with
"(at)"), a phone number, an IBAN, an IP address or a date.

` + keysUsageHelp + `
Exit status: 0 when the request is verified (also when it already was); 1
when it is refused or completed and cannot be verified any more; 2 when the
command line is wrong, the method or note is refused, the declaration is
invalid, the database or keys cannot be used, or no request has the ID.

Flags:
%s
Examples:
  frist dsar verify examples/policies/jobcenter.yaml --db sqlite:booking.db --keys frist.keys 0190d5e4-7b7e-7a3c-9c1e-2f4b5a6c7d8e --method id_card_checked
  frist dsar verify policy.yaml --db postgres://frist@db/booking --keys frist.keys 0190d5e4-7b7e-7a3c-9c1e-2f4b5a6c7d8e --method postal_ident --note "reply to the letter received"
`

// attestAction is the audit action of an operator's attestation.
const attestAction = "dsar.identity_attested"

// operatorAttestation is the Identity of the command line. frist cannot
// establish who a requester is; the operator who runs "frist dsar verify"
// does, and attests it. Verify therefore trusts the operator: it records
// the attestation (the method, never the person) in the audit log under
// the subject's keyed pseudonym and reports the requester verified.
type operatorAttestation struct {
	env    *dsarEnv
	method dsar.Method
	note   string
}

// Attestation implements dsar.Attested: the method and note go to the
// request's history.
func (a operatorAttestation) Attestation(context.Context, *dsar.Request) (dsar.Method, string) {
	return a.method, a.note
}

var _ dsar.Attested = operatorAttestation{}

// Verify implements dsar.Identity: it records the operator's attestation
// and returns true, or returns an error, recording nothing, when the note
// names the subject or looks personal.
func (a operatorAttestation) Verify(ctx context.Context, req *dsar.Request) (bool, error) {
	if namesSubject(a.note, req.Subject()) {
		return false, errMethodNamesSubject
	}
	if err := dsar.CheckNote(a.note, req.Subject()); err != nil {
		return false, err
	}
	_, err := storecheck.AppendAudit(ctx, a.env.db.store, audit.Entry{
		Time:     a.env.eng.Now().Truncate(time.Microsecond),
		Action:   attestAction,
		Subjects: []string{a.env.svc.AuditPseudonym(req)},
		Policy:   a.env.decl.Hash(),
		Note:     "request " + req.ID().String() + " (" + req.Kind().String() + "): the operator attests the requester's identity: " + string(a.method),
	}.SignedBy(a.env.eng.AuditSigner()))
	if err != nil {
		return false, fmt.Errorf("recording the attestation: %w", err)
	}
	return true, nil
}

// errMethodNamesSubject refuses a method that contains the subject's
// identifier, which the audit log must not hold.
var errMethodNamesSubject = errors.New("--note contains the subject's identifier; say how the identity was established, not who the person is")

// namesSubject reports whether method contains subject, ignoring case: as
// a word of its own, or anywhere when subject has at least four characters
// (a short identifier such as "7" is part of many harmless words and
// numbers).
func namesSubject(method, subject string) bool {
	m, sub := strings.ToLower(method), strings.ToLower(strings.TrimSpace(subject))
	if sub == "" {
		return false
	}
	if utf8.RuneCountInString(sub) >= 4 {
		return strings.Contains(m, sub)
	}
	for _, w := range strings.FieldsFunc(m, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if w == sub {
			return true
		}
	}
	return false
}

// dsarVerifyJSON is the JSON form of a verification.
type dsarVerifyJSON struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"`
	State   string `json:"state"`
	Already bool   `json:"already_verified"`
	Method  string `json:"method,omitempty"`
	Note    string `json:"note,omitempty"`
}

func runDsarVerify(args []string, stdout, stderr io.Writer) int {
	c := newCLI("dsar verify", dsarVerifyUsage, stdout, stderr)
	dbURL := c.fs.String("db", "", dbFlagHelp)
	logDirs := c.logsFlag()
	keyFile := c.keysFlag()
	methodFlag := c.fs.String("method", "", "how the identity was established: id_card_checked, eid, postal_ident, link_possession or verified_email (required)")
	note := c.fs.String("note", "", "more on how, naming no person (kept in the request's history, never in the audit log)")
	format := c.fs.String("format", "text", "output format: text or json")
	rest, code, done := c.parse(args)
	if done {
		return code
	}
	if code, ok := c.choice("format", *format, "text", "json"); !ok {
		return code
	}
	file, id, code, ok := c.requestArgs(rest)
	if !ok {
		return code
	}
	if strings.TrimSpace(*methodFlag) == "" {
		return c.fail("no method given; say how the identity was established with --method id_card_checked, eid, postal_ident, link_possession or verified_email")
	}
	method, err := dsar.ParseMethod(*methodFlag)
	if err != nil {
		return c.fail("--method: %v", err)
	}
	*note = strings.TrimSpace(*note)
	if err := dsar.CheckNote(*note, ""); err != nil {
		return c.fail("--note: %v", err)
	}
	switch {
	case *dbURL == "":
		return c.fail("no database given; name it with --db sqlite:PATH or --db postgres://USER@HOST/DB")
	case *keyFile == "":
		return c.noKeys()
	}
	ctx := context.Background()
	env, code, ok := c.openDsar(ctx, dsarSetup{file: file, dbURL: *dbURL, logDirs: logDirs, keyFile: *keyFile, access: readWrite,
		identity: func(env *dsarEnv) dsar.Identity { return operatorAttestation{env: env, method: method, note: *note} }})
	if !ok {
		return code
	}
	defer env.Close()
	r, err := env.svc.Get(ctx, id)
	if err != nil {
		return c.requestError(err, env.db.name)
	}
	out := dsarVerifyJSON{ID: r.ID().String(), Kind: r.Kind().String(), State: r.State().String(), Method: string(method), Note: *note}
	switch {
	case r.State().Verified():
		out.Already, out.Method, out.Note = true, "", ""
	case r.State().Final():
		c.errorf("%s is %s; a finished request is not verified any more (open a new one if the person asks again)", r, r.State())
		return exitFindings
	default:
		r, err = env.svc.Verify(ctx, id)
		if errors.Is(err, errMethodNamesSubject) {
			return c.fail("%v", errMethodNamesSubject)
		}
		if errors.Is(err, dsar.ErrMethod) {
			return c.fail("--note: %v", err)
		}
		if err != nil {
			return c.requestError(err, env.db.name)
		}
		out.State = r.State().String()
	}
	if *format == "json" {
		return c.writeJSON(out)
	}
	if out.Already {
		fmt.Fprintf(stdout, "%s was already verified; nothing recorded.\n", r)
	} else {
		fmt.Fprintf(stdout, "%s: identity attested by the operator (%s) and recorded in the audit log.\n", r, method)
	}
	db, dbNote := hintDB(*dbURL)
	switch r.Kind() {
	case dsar.Access:
		fmt.Fprintf(stdout, "Next: answer it with%s\n  %s\n", dbNote, shellCommand("frist", "dsar", "export", file, "--db", db, "--keys", *keyFile, r.ID().String(), "--format", "html", "--out", "auskunft-"+r.ID().String()+".html"))
	case dsar.Portability:
		fmt.Fprintf(stdout, "Next: answer it with%s\n  %s\n", dbNote, shellCommand("frist", "dsar", "export", file, "--db", db, "--keys", *keyFile, r.ID().String(), "--format", "json", "--out", "export-"+r.ID().String()+".json"))
	case dsar.Erasure:
		fmt.Fprintf(stdout, "Next: carry it out with%s\n  %s\n", dbNote, shellCommand("frist", "dsar", "erase", file, "--db", db, "--keys", *keyFile, r.ID().String()))
	default:
		fmt.Fprintf(stdout, "Next: answer it in the application (package dsar: Service.Rectify, Restrict or Object) by %s.\n", r.Due().Date)
	}
	return exitOK
}
