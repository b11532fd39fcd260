package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/frist-go/frist/consent"
	"github.com/frist-go/frist/dsar"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store/logstore"
)

const dsarUsage = `Usage: frist dsar <subcommand> FILE --db URL [flags] [ID]

Runs data-subject requests (Art. 15–21 GDPR) on the application's
database, with the deadlines of Art. 12(3) GDPR:

  open    record a request received from a data subject; prints its ID and due date
  list    list requests, or with --overdue those past or near their deadline
  show    show one request with its history
  verify  record that the operator established the requester's identity
  extend  extend the period to answer by one or two months (Art. 12(3))
  export  answer an access (Art. 15) or portability (Art. 20) request
  erase   carry out an erasure request (Art. 17) and print the receipt

Nothing is disclosed or changed before the requester's identity is
verified (Art. 12(6)): export and erase refuse unverified requests.

list and show print the subject ID as the operator typed it at open: the
application's own identifier of the person (a customer number, a citizen
ID), which is personal data; treat their output as such. The audit log
never holds it, only its keyed pseudonym. export prints the report meant
for the data subject, with the subject's data; hand it to no one else.

Exit status: 0 on success; 1 when the command ran and found a problem
(export or erase of an unverified, finished or mismatched request; list
--overdue with a request past its deadline); 2 when it could not run (bad
usage, an invalid declaration, an unreachable database, missing keys, an
unknown request ID).

Run "frist dsar <subcommand> --help" for its flags and an example.
%s
Examples:
  frist dsar open examples/policies/jobcenter.yaml --db sqlite:booking.db --keys frist.keys --kind access --identifier email=erika@example.org
  frist dsar list examples/policies/jobcenter.yaml --db sqlite:booking.db --overdue
`

// dsarCommands are the subcommands of frist dsar.
func dsarCommands() map[string]func(args []string, stdout, stderr io.Writer) int {
	return map[string]func(args []string, stdout, stderr io.Writer) int{
		"open":   runDsarOpen,
		"list":   runDsarList,
		"show":   runDsarShow,
		"verify": runDsarVerify,
		"extend": runDsarExtend,
		"export": runDsarExport,
		"erase":  runDsarErase,
	}
}

func runDsar(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		if run, ok := dsarCommands()[args[0]]; ok {
			return run(args[1:], stdout, stderr)
		}
	}
	c := newCLI("dsar", dsarUsage, stdout, stderr)
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help" || args[0] == "help") {
		_, code, _ := c.parse([]string{"--help"})
		return code
	}
	if len(args) == 0 {
		return c.fail("expected a subcommand: open, list, show, verify, extend, export or erase, e.g. frist dsar list policy.yaml --db sqlite:booking.db")
	}
	return c.fail("unknown subcommand %q; use open, list, show, verify, extend, export or erase", args[0])
}

// dbFlagHelp is the help of every dsar subcommand's --db flag.
const dbFlagHelp = "database URL: sqlite:PATH or postgres://USER@HOST/DB (required)"

// dsarEnv is what a dsar subcommand works with: the declaration, the
// database and the service on it.
type dsarEnv struct {
	decl *policy.Declaration
	db   *database
	eng  *retention.Engine
	svc  *dsar.Service
	keys *keys
}

// Close closes the database.
func (e *dsarEnv) Close() error { return e.db.Close() }

// dsarSetup is how a subcommand wants its service.
type dsarSetup struct {
	file  string
	dbURL string
	// keyFile names the key file; "" means the subcommand writes nothing
	// that names a subject (list, show) and runs on throwaway keys.
	keyFile string
	// logDirs overrides files.dir of datasets bound to files (--logs).
	logDirs logstore.Dirs
	// access is readOnly for the subcommands that only read (list, show);
	// the others record what they do.
	access access
	// identity is the requester check; nil refuses every check, for the
	// subcommands that never verify.
	identity func(*dsarEnv) dsar.Identity
	// ledger names the erasure ledger file that records erasures before
	// they are made; "" for none.
	ledger string
	// notify names the webhooks file that tells recipients of the
	// changes (Art. 19, --notify); "" for none.
	notify string
}

// openDsar loads the declaration, reads the keys, opens the database and
// builds the dsar service on it. On failure it prints what to do and
// returns exitInvalid.
func (c *cli) openDsar(ctx context.Context, s dsarSetup) (*dsarEnv, int, bool) {
	decl, code, ok := c.load(s.file)
	if !ok {
		return nil, code, false
	}
	var k *keys
	var err error
	if s.keyFile != "" {
		k, err = readKeys(s.keyFile, decl, func(msg string) { fmt.Fprintf(c.stderr, "frist %s: warning: %s\n", c.name, msg) })
	} else {
		k, err = throwawayKeys(decl)
	}
	if err != nil {
		return nil, c.errorf("%v", err), false
	}
	notifier, code, ok := c.loadNotifier(s.notify, decl)
	if !ok {
		return nil, code, false
	}
	db, err := openDatabaseWith(ctx, s.dbURL, decl, s.access, c.stderr, dbOptions{logDirs: s.logDirs})
	if err != nil {
		return nil, c.errorf("%v", err), false
	}
	env := &dsarEnv{decl: decl, db: db, keys: k}
	fail := func(code int) (*dsarEnv, int, bool) {
		db.Close()
		return nil, code, false
	}
	// The request service tells recipients through the engine's Notifier.
	opts := &retention.Options{AuditKey: k.audit, Keys: k.rings, Notifier: notifier}
	if s.ledger != "" {
		if opts.Ledger, err = openLedger(s.ledger, decl, k); err != nil {
			return fail(c.errorf("%v", err))
		}
	}
	env.eng, err = retention.New(decl, db.store, opts)
	if err != nil {
		return fail(c.errorf("the declaration's rules cannot run: %v", err))
	}
	var ledger *consent.Ledger
	for i := range decl.Purposes {
		if decl.Purposes[i].HasBasis(policy.Consent) {
			if ledger, err = consent.New(env.eng, db.store, &consent.Options{Keys: k.audit}); err != nil {
				return fail(c.errorf("the consent ledger on %s cannot be opened: %v", db.name, err))
			}
			break
		}
	}
	var id dsar.Identity = refuseIdentity{}
	if s.identity != nil {
		id = s.identity(env)
	}
	env.svc, err = dsar.NewService(env.eng, db.store, ledger, &dsar.ServiceOptions{Identity: id, AuditKey: k.audit})
	if err != nil {
		return fail(c.errorf("data-subject requests cannot run on %s: %v", db.name, err))
	}
	return env, 0, true
}

// refuseIdentity is the Identity of the subcommands other than verify:
// only "frist dsar verify" attests a requester's identity.
type refuseIdentity struct{}

// Verify implements dsar.Identity by refusing to check.
func (refuseIdentity) Verify(context.Context, *dsar.Request) (bool, error) {
	return false, errors.New("the requester's identity is attested with frist dsar verify")
}

// requestArgs checks that rest holds the declaration and one request ID.
func (c *cli) requestArgs(rest []string) (file string, id uuid.UUID, code int, ok bool) {
	switch len(rest) {
	case 0:
		return "", uuid.Nil, c.fail("no declaration given; name the YAML file and the request ID, e.g. frist %s policy.yaml --db sqlite:booking.db 0190d5e4-...", c.name), false
	case 1:
		return "", uuid.Nil, c.fail("no request ID given; name it after the declaration (\"frist dsar list\" shows the IDs)"), false
	case 2:
	default:
		return "", uuid.Nil, c.fail("a declaration and one request ID expected, got %d arguments", len(rest)), false
	}
	id, err := uuid.Parse(rest[1])
	if err != nil {
		return "", uuid.Nil, c.fail("%q is not a request ID; request IDs are UUIDs as \"frist dsar open\" printed them (\"frist dsar list\" shows them)", rest[1]), false
	}
	return rest[0], id, 0, true
}

// requestError reports an error of the service about a request: an
// unknown ID is exitInvalid (the operator typed a wrong ID), a request
// that cannot be served as asked is exitFindings with what to do.
func (c *cli) requestError(err error, dbName string) int {
	switch {
	case errors.Is(err, dsar.ErrNotFound):
		return c.errorf("%v on %s; check the ID with \"frist dsar list\"", err, dbName)
	case errors.Is(err, dsar.ErrUnverified):
		c.errorf("%v; attest the requester's identity first with \"frist dsar verify\"", err)
		return exitFindings
	case errors.Is(err, dsar.ErrWrongKind), errors.Is(err, dsar.ErrIllegalTransition),
		errors.Is(err, dsar.ErrExtension), errors.Is(err, dsar.ErrReasonRequired):
		c.errorf("%v", err)
		return exitFindings
	}
	return c.errorf("%v", err)
}

// dateIn formats t as a date and time in loc for text output.
func dateIn(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

// keysUsageHelp is keysHelp for a usage text, which is a printf format.
var keysUsageHelp = strings.ReplaceAll(keysHelp, "%", "%%")
