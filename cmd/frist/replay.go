package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/frist-go/frist/ledger"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
)

// ledgerRing is the name of the key ring that encrypts the erasure ledger.
const ledgerRing = "ledger"

// ledgerFlagHelp describes the --ledger flag.
const ledgerFlagHelp = `erasure ledger file, kept apart from the database's backups (key ring "ledger" in the key file)`

// openLedger opens the erasure ledger at path for decl, encrypted with the
// key file's ring "ledger".
func openLedger(path string, decl *policy.Declaration, k *keys) (*ledger.File, error) {
	ring := k.rings[ledgerRing]
	if ring == nil {
		return nil, fmt.Errorf("the key file has no key of the ring %q, which encrypts the erasure ledger; add a line \"%s k1 SECRET\" (32 random bytes in base64) and keep it with the other keys", ledgerRing, ledgerRing)
	}
	l, err := ledger.Open(path, decl, ring)
	if err != nil {
		return nil, fmt.Errorf("the erasure ledger %s cannot be used: %v", path, err)
	}
	return l, nil
}

var replayUsage = `Usage: frist replay FILE --db URL --ledger FILE --keys FILE [--format text|json]

Runs every erasure recorded in the erasure ledger again, after the
application's database was restored from a backup: each cancellation,
consent withdrawal and Art. 17 erasure whose records the restore brought
back erases them again, as the declaration's rules say, with holds and
statutory minimums honoured (Art. 17(1): erased data must not come back).
Each batch is audited with the ID of the ledger entry it replays. Records
still gone are not touched, so replaying twice changes nothing.

Time rules need no ledger: run "frist run --once" after the restore, and
the records past their deadline are processed again.

Recipients of the erased data (Art. 19 GDPR) are not told again: they were
told (or the audit log recorded them as the controller's to tell) when the
erasure first happened, and the restore brought back only the controller's
copy. Records the replay finds held are remembered, and the sweep of
"frist run --notify FILE" that erases them once free tells the recipients.

The ledger is read whole before anything is erased: a ledger that is
damaged, belongs to another declaration or was written with other keys is
refused and nothing is changed.

` + keysUsageHelp + `
Exit status: 0 when every entry was replayed; 1 when an entry could not be
(its rule failed or no longer exists: the others were replayed); 2 when the
declaration, the database, the keys or the ledger cannot be used, or the
command line is wrong.

Flags:
%s
Examples:
  frist replay examples/policies/jobcenter.yaml --db sqlite:booking.db --ledger /srv/ledger/erasures.jsonl --keys /etc/frist/keys
`

// replayJSON is the JSON form of a replay.
type replayJSON struct {
	Erasures  int            `json:"erasures"`
	Processed int            `json:"processed"`
	Entries   []replayedJSON `json:"entries"`
	Failed    int            `json:"failed"`
}

type replayedJSON struct {
	ID        string `json:"id"`
	Event     string `json:"event"`
	Dataset   string `json:"dataset,omitempty"`
	Processed int    `json:"processed"`
	Held      int    `json:"held"`
	Error     string `json:"error,omitempty"`
}

func runReplay(args []string, stdout, stderr io.Writer) int {
	c := newCLI("replay", replayUsage, stdout, stderr)
	dbURL := c.fs.String("db", "", dbFlagHelp)
	logDirs := c.logsFlag()
	ledgerFile := c.fs.String("ledger", "", ledgerFlagHelp+" (required)")
	keyFile := c.keysFlag()
	format := c.fs.String("format", "text", "output format: text or json")
	rest, code, done := c.parse(args)
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
	switch {
	case *dbURL == "":
		return c.fail("no database given; name it with --db sqlite:PATH or --db postgres://USER@HOST/DB")
	case *ledgerFile == "":
		return c.fail("no erasure ledger given; name it with --ledger FILE")
	case *keyFile == "":
		return c.noKeys()
	}
	if _, err := os.Stat(*ledgerFile); err != nil {
		return c.errorf("the erasure ledger %s cannot be read: %v", *ledgerFile, err)
	}
	decl, code, ok := c.load(file)
	if !ok {
		return code
	}
	k, err := readKeys(*keyFile, decl, func(msg string) { fmt.Fprintf(stderr, "frist replay: warning: %s\n", msg) })
	if err != nil {
		return c.errorf("%v", err)
	}
	led, err := openLedger(*ledgerFile, decl, k)
	if err != nil {
		return c.errorf("%v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	db, err := openDatabaseWith(ctx, *dbURL, decl, readWrite, stderr, dbOptions{logDirs: logDirs})
	if err != nil {
		return c.errorf("%v", err)
	}
	defer db.Close()
	eng, err := retention.New(decl, db.store, &retention.Options{AuditKey: k.audit, Keys: k.rings})
	if err != nil {
		return c.errorf("the declaration's rules cannot run: %v", err)
	}
	rep, err := eng.Replay(ctx, led)
	if err != nil {
		return c.errorf("%v; nothing was replayed", err)
	}
	out := replayJSON{Erasures: rep.Erasures, Processed: rep.Processed, Entries: []replayedJSON{}}
	for _, r := range rep.Reports {
		e := replayedJSON{ID: r.ID, Event: string(r.Event.Kind), Dataset: r.Event.Dataset}
		if r.Report != nil {
			e.Processed, e.Held = r.Report.Processed(), r.Report.Held()
		}
		if r.Err != nil {
			e.Error = r.Err.Error()
			out.Failed++
		}
		out.Entries = append(out.Entries, e)
	}
	if *format == "json" {
		if code := c.writeJSON(out); code != exitOK {
			return code
		}
	} else {
		fmt.Fprintf(stdout, "replayed %s from %s: %s erased again\n", plural(out.Erasures, "erasure"), *ledgerFile, plural(out.Processed, "record"))
		for _, e := range out.Entries {
			fmt.Fprintf(stdout, "  %s %s", e.ID, e.Event)
			if e.Dataset != "" {
				fmt.Fprintf(stdout, " on %s", e.Dataset)
			}
			fmt.Fprintf(stdout, ": %d erased, %d held", e.Processed, e.Held)
			if e.Error != "" {
				fmt.Fprintf(stdout, ": FAILED: %s", e.Error)
			}
			fmt.Fprintln(stdout)
		}
	}
	if out.Failed > 0 {
		return exitFindings
	}
	return exitOK
}
