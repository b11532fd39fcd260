// Command frist checks privacy declarations for the operators and auditors
// of a service that embeds frist.
//
//	frist check [--format text|json] FILE...
//
// check loads each declaration, validates it and runs the compliance linter
// (policy.Lint). It exits 0 when no unacknowledged finding has error
// severity, 1 when one has, and 2 when a file cannot be read or is not a
// valid declaration, so that CI can tell "the declaration is wrong" from
// "the declaration is legally defective".
//
// The command line uses the standard library's flag package: a handful of
// subcommands with a few flags each need no framework, and a tool that
// auditors install should have no dependency beyond frist itself.
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Exit codes of every subcommand.
const (
	exitOK       = 0 // nothing to report at error severity
	exitFindings = 1 // an unacknowledged finding at error severity
	exitInvalid  = 2 // bad usage, an unreadable file or an invalid declaration
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
	}
}

const mainUsage = `frist turns a privacy declaration into enforced behaviour.

Usage:
  frist <command> [flags] [arguments]

Commands:
%s
Run "frist <command> --help" for a command's flags and an example.
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
	case "-h", "-help", "--help", "help":
		fmt.Fprintf(stdout, mainUsage, commandList())
		return exitOK
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
