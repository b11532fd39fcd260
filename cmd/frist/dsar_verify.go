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

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/dsar"
)

var dsarVerifyUsage = `Usage: frist dsar verify FILE --db URL --keys FILE ID --method TEXT [--format text|json]

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
(Art. 12(6), Art. 5(1)(c)): a login to the account, a letter to the postal
address on file, an ID card shown at the counter.

TEXT says how, never who, because the audit log is kept for good and must
hold no personal data: "ID card shown at the counter", "logged in to the
citizen account", "reply to a letter to the address on file". A method that
contains the subject's identifier, an e-mail address, a phone number, an
IBAN, an IP address, a date or a tax ID is refused. At most 200
characters, one line.

` + keysUsageHelp + `
Exit status: 0 when the request is verified (also when it already was); 1
when it is refused or completed and cannot be verified any more; 2 when the
command line is wrong, the method is refused, the declaration is invalid,
the database or keys cannot be used, or no request has the ID.

Flags:
%s
Examples:
  frist dsar verify examples/policies/jobcenter.yaml --db sqlite:booking.db --keys frist.keys 0190d5e4-7b7e-7a3c-9c1e-2f4b5a6c7d8e --method "ID card shown at the counter"
  frist dsar verify policy.yaml --db postgres://frist@db/booking 0190d5e4-7b7e-7a3c-9c1e-2f4b5a6c7d8e --method "logged in to the citizen account"
`

// maxMethod bounds the length of an attestation's method in runes.
const maxMethod = 200

// attestAction is the audit action of an operator's attestation.
const attestAction = "dsar.identity_attested"

// operatorAttestation is the Identity of the command line. frist cannot
// establish who a requester is; the operator who runs "frist dsar verify"
// does, and attests it. Verify therefore trusts the operator: it records
// the attestation (the method, never the person) in the audit log under
// the subject's keyed pseudonym and reports the requester verified.
type operatorAttestation struct {
	env    *dsarEnv
	method string
}

// Verify implements dsar.Identity: it records the operator's attestation
// and returns true, or returns an error, recording nothing, when the
// method names the subject.
func (a operatorAttestation) Verify(ctx context.Context, req *dsar.Request) (bool, error) {
	if namesSubject(a.method, req.Subject()) {
		return false, errMethodNamesSubject
	}
	_, err := a.env.db.store.AppendAudit(ctx, audit.Entry{
		Time:     a.env.eng.Now().Truncate(time.Microsecond),
		Action:   attestAction,
		Subjects: []string{a.env.keys.audit.Pseudonym(req.Subject())},
		Policy:   a.env.decl.Hash(),
		Note:     "request " + req.ID().String() + " (" + req.Kind().String() + "): the operator attests the requester's identity: " + a.method,
	}.SignedBy(a.env.eng.AuditSigner()))
	if err != nil {
		return false, fmt.Errorf("recording the attestation: %w", err)
	}
	return true, nil
}

// errMethodNamesSubject refuses a method that contains the subject's
// identifier, which the audit log must not hold.
var errMethodNamesSubject = errors.New("--method contains the subject's identifier; say how the identity was established, not who the person is (the audit log holds no personal data)")

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

// checkMethod refuses a method the audit log could not hold.
func checkMethod(m string) error {
	switch {
	case strings.TrimSpace(m) == "":
		return errors.New(`no method given; say how the identity was established with --method, e.g. --method "ID card shown at the counter"`)
	case utf8.RuneCountInString(m) > maxMethod:
		return fmt.Errorf("--method is %d characters long; say in at most %d how the identity was established", utf8.RuneCountInString(m), maxMethod)
	case strings.IndexFunc(m, unicode.IsControl) >= 0:
		return errors.New("--method must be one line of text without control characters")
	}
	if found := anonymize.Find(m); len(found) > 0 {
		var kinds []string
		for _, f := range found {
			kinds = append(kinds, f.Kind.String())
		}
		return fmt.Errorf("--method contains personal data (%s); say how the identity was established, not with which document number, address or date (the audit log holds no personal data)", strings.Join(kinds, ", "))
	}
	return nil
}

// dsarVerifyJSON is the JSON form of a verification.
type dsarVerifyJSON struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"`
	State   string `json:"state"`
	Already bool   `json:"already_verified"`
	Method  string `json:"method,omitempty"`
}

func runDsarVerify(args []string, stdout, stderr io.Writer) int {
	c := newCLI("dsar verify", dsarVerifyUsage, stdout, stderr)
	dbURL := c.fs.String("db", "", dbFlagHelp)
	keyFile := c.keysFlag()
	method := c.fs.String("method", "", "how the operator established the requester's identity (required)")
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
	*method = strings.TrimSpace(*method)
	if err := checkMethod(*method); err != nil {
		return c.fail("%v", err)
	}
	switch {
	case *dbURL == "":
		return c.fail("no database given; name it with --db sqlite:PATH or --db postgres://USER@HOST/DB")
	case *keyFile == "":
		return c.noKeys()
	}
	ctx := context.Background()
	env, code, ok := c.openDsar(ctx, dsarSetup{file: file, dbURL: *dbURL, keyFile: *keyFile, access: readWrite,
		identity: func(env *dsarEnv) dsar.Identity { return operatorAttestation{env: env, method: *method} }})
	if !ok {
		return code
	}
	defer env.Close()
	r, err := env.svc.Get(ctx, id)
	if err != nil {
		return c.requestError(err, env.db.name)
	}
	out := dsarVerifyJSON{ID: r.ID().String(), Kind: r.Kind().String(), State: r.State().String(), Method: *method}
	switch {
	case r.State().Verified():
		out.Already, out.Method = true, ""
	case r.State().Final():
		c.errorf("%s is %s; a finished request is not verified any more (open a new one if the person asks again)", r, r.State())
		return exitFindings
	default:
		r, err = env.svc.Verify(ctx, id)
		if errors.Is(err, errMethodNamesSubject) {
			return c.fail("%v", errMethodNamesSubject)
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
		fmt.Fprintf(stdout, "%s: identity attested by the operator (%s) and recorded in the audit log.\n", r, *method)
	}
	switch r.Kind() {
	case dsar.Access, dsar.Portability:
		fmt.Fprintf(stdout, "Next: answer it with\n  frist dsar export %s --db %s %s --format ...\n", file, env.db.name, r.ID())
	case dsar.Erasure:
		fmt.Fprintf(stdout, "Next: carry it out with\n  frist dsar erase %s --db %s %s\n", file, env.db.name, r.ID())
	default:
		fmt.Fprintf(stdout, "Next: answer it in the application (package dsar: Service.Rectify, Restrict or Object) by %s.\n", r.Due().Date)
	}
	return exitOK
}
