// Command frist is the command line for the operators and auditors of a
// service that embeds frist. Every command reads the same privacy
// declaration that the service enforces, so what is published, what is
// recorded and what is enforced cannot drift apart.
//
//	frist check  [--format text|json] FILE...          validate and lint declarations
//	frist check  FILE --db URL [--sample N]             and compare one with the live schema
//	frist notice FILE [--lang de|en] [--format md|html] the Art. 13 privacy notice
//	frist ropa   FILE [--lang de|en] [--format md|csv]  the Art. 30 record of processing
//	frist plan   FILE --db URL [--at TIME] [--format text|json]
//	                                                    dry run: due, held, next deadlines, missing indexes
//	frist run    FILE --db URL [--once] [--interval D | --schedule SPEC] [--metrics ADDR] [--notify FILE] [--keys FILE]
//	                                                    enforce the retention rules, telling recipients (Art. 19)
//	frist audit verify --db URL [--format text|json]    verify the hash-chained audit log
//	frist dsar open|list|show|verify|export|erase FILE --db URL [flags] [ID]
//	                                                    data-subject requests (Art. 15–21, 12(3))
//	frist schema                                        the JSON Schema of the declaration format
//	frist keys new FILE [RING...] [--policy FILE]       create a key file (mode 0600)
//	frist version                                       frist's version and build information
//	frist help COMMAND                                  a command's flags and examples
//
// Databases are named by URL: sqlite:PATH for an SQLite file (opened with
// the DSN that package sqlitestore recommends: WAL, busy_timeout,
// immediate transactions) and postgres://... for PostgreSQL (through
// github.com/jackc/pgx/v5/stdlib). The application's tables must exist;
// frist creates only its own frist_ tables, and only in the commands that
// write (run, dsar open/verify/export/erase/extend, replay), which say what
// they created. plan, audit verify, dsar list/show and check --db only read:
// SQLite is opened with mode=ro and PostgreSQL in a read-only session.
// Datasets bound to log files are opened beside the database, from
// files.dir or from --logs DATASET=DIR.
//
// # Exit status
//
// Every command exits with
//
//	0  success: nothing to report
//	1  the command ran and found a problem: a lint finding at error
//	   severity (check), a broken audit chain (audit verify), a rule that
//	   failed or records left overdue (run --once), a data-subject request
//	   that cannot be answered as asked or is past its deadline (dsar)
//	2  it could not run: bad usage, an unreadable file, an invalid
//	   declaration, an unreachable database, missing keys
//
// so that scripts and CI can tell "the declaration or the log is wrong" from
// "the command could not do its job". Errors go to stderr and say what to
// do; results go to stdout.
//
// The command line uses the standard library's flag package: a handful of
// subcommands with a few flags each need no framework, and a tool that
// auditors install should have no dependency beyond frist itself.
package main

import (
	"fmt"
	"io"
	"os"
	"slices"

	// Time zone data is embedded so that a declaration's zone (such as
	// Europe/Berlin) resolves on minimal systems without /usr/share/zoneinfo.
	_ "time/tzdata"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Exit codes of every subcommand.
const (
	exitOK       = 0 // nothing to report
	exitFindings = 1 // the command ran and found a problem
	exitInvalid  = 2 // bad usage, an unreadable file, an invalid declaration, an unreachable database
)

// command is a subcommand.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"check", "validate and lint privacy declarations", runCheck},
		{"notice", "render the Art. 13 privacy notice (Markdown or HTML)", runNotice},
		{"ropa", "render the Art. 30 record of processing activities (Markdown or CSV)", runRopa},
		{"plan", "dry run against a database: due, held, next deadlines, missing indexes", runPlan},
		{"run", "enforce the retention rules on a schedule, or once", runRun},
		{"audit", "verify the hash-chained audit log (audit verify)", runAudit},
		{"replay", "erase again, after a restore, what the erasure ledger recorded", runReplay},
		{"dsar", "data-subject requests: open, list, show, verify, export, erase", runDsar},
		{"schema", "print the JSON Schema of the declaration format", runSchema},
		{"keys", "create a key file (keys new), the format every command and the library read", runKeys},
		{"version", "print frist's version and how it was built", runVersion},
	}
}

const mainUsage = `frist turns a privacy declaration into enforced behaviour.

Usage:
  frist <command> [flags] [arguments]

Commands:
%s
Databases are named by URL: sqlite:PATH or postgres://USER@HOST/DB.

Exit status:
  0  success: nothing to report
  1  the command ran and found a problem (a lint error, a broken audit
     chain, a failed rule or overdue records after run --once, an
     unverified or finished data-subject request, a request past its
     deadline)
  2  it could not run: bad usage, an unreadable file, an invalid
     declaration, an unreachable database, missing keys

Run "frist help <command>" or "frist <command> --help" for a command's flags
and an example.
`

// run executes the command line args (without the program name) and
// returns the exit code. It writes results to stdout and diagnostics to
// stderr; tests call it directly.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintf(stderr, mainUsage, commandList())
		return exitInvalid
	}
	switch args[0] {
	case "help":
		if len(args) > 1 {
			// frist help CMD [SUBCMD] is frist CMD [SUBCMD] --help.
			for _, c := range commands() {
				if c.name == args[1] {
					return c.run(append(slices.Clone(args[2:]), "--help"), stdout, stderr)
				}
			}
			fmt.Fprintf(stderr, "frist help: unknown command %q; run \"frist help\" for the list of commands\n", args[1])
			return exitInvalid
		}
		fmt.Fprintf(stdout, mainUsage, commandList())
		return exitOK
	case "-h", "-help", "--help":
		fmt.Fprintf(stdout, mainUsage, commandList())
		return exitOK
	case "-version", "--version":
		return runVersion(nil, stdout, stderr)
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "frist: unknown command %q; run \"frist --help\" for the list of commands\n", args[0])
	return exitInvalid
}

func commandList() string {
	s := ""
	for _, c := range commands() {
		s += fmt.Sprintf("  %-8s %s\n", c.name, c.summary)
	}
	return s
}
