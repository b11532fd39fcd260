package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/frist-go/frist/policy"
)

// cli is the state one subcommand shares between its helpers: its name for
// messages, its usage text and the writers.
type cli struct {
	name   string // "notice", "audit verify"
	usage  string // printf format with one %s for the flag defaults
	fs     *flag.FlagSet
	stdout io.Writer
	stderr io.Writer
	// loaded is the declaration the command loaded, if any.
	loaded *policy.Declaration
	// draft lets notice and ropa render despite blocking findings.
	draft bool
}

// newCLI returns the state of subcommand name with an empty flag set.
func newCLI(name, usage string, stdout, stderr io.Writer) *cli {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return &cli{name: name, usage: usage, fs: fs, stdout: stdout, stderr: stderr}
}

// parse parses args (flags may follow the arguments). It returns the
// positional arguments, or done with the exit code when --help was asked
// for (0) or the flags are wrong (2).
func (c *cli) parse(args []string) (rest []string, code int, done bool) {
	rest, err := parseInterleaved(c.fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(c.stdout, c.usage, flagDefaults(c.fs))
		return nil, exitOK, true
	}
	if err != nil {
		return nil, c.fail("%v", err), true
	}
	return rest, 0, false
}

// fail prints "frist NAME: message" and the pointer to --help on stderr and
// returns exitInvalid.
func (c *cli) fail(format string, args ...any) int {
	fmt.Fprintf(c.stderr, "frist %s: %s\nRun \"frist %s --help\" for usage and an example.\n", c.name, fmt.Sprintf(format, args...), c.name)
	return exitInvalid
}

// errorf prints "frist NAME: message" on stderr and returns exitInvalid.
func (c *cli) errorf(format string, args ...any) int {
	fmt.Fprintf(c.stderr, "frist %s: %s\n", c.name, fmt.Sprintf(format, args...))
	return exitInvalid
}

// oneFile checks that exactly one declaration was named.
func (c *cli) oneFile(rest []string) (string, int, bool) {
	switch len(rest) {
	case 0:
		return "", c.fail("no declaration given; name the YAML file, e.g. frist %s examples/policies/jobcenter.yaml", c.name), false
	case 1:
		return rest[0], 0, true
	}
	return "", c.fail("one declaration expected, got %d arguments: %s", len(rest), strings.Join(rest, " ")), false
}

// choice checks that value is one of allowed, for the flag named flagName.
func (c *cli) choice(flagName, value string, allowed ...string) (int, bool) {
	for _, a := range allowed {
		if value == a {
			return 0, true
		}
	}
	alts := make([]string, len(allowed))
	for i, a := range allowed {
		alts[i] = "--" + flagName + " " + a
	}
	return c.fail("--%s %q is not supported; use %s", flagName, value, strings.Join(alts, " or ")), false
}

// load loads and validates the declaration in file. On failure it prints
// every problem with its position on stderr and returns exitInvalid.
func (c *cli) load(file string) (*policy.Declaration, int, bool) {
	r := checkFile(file)
	if !r.Valid {
		reportInvalid(c.stderr, r)
		fmt.Fprintf(c.stderr, "frist %s: run \"frist check %s\" for details\n", c.name, file)
		return nil, exitInvalid, false
	}
	d, err := policy.LoadFile(file)
	if err != nil { // cannot happen after checkFile succeeded; report anyway
		return nil, c.errorf("%v", err), false
	}
	return d, 0, true
}

// writeJSON writes v as indented JSON on stdout.
func (c *cli) writeJSON(v any) int {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return c.errorf("writing output: %v", err)
	}
	return exitOK
}

// keysFlag defines --keys, defaulting to $FRIST_KEYS, for the commands that
// write audit entries and so need the key rings.
func (c *cli) keysFlag() *string {
	return c.fs.String("keys", os.Getenv("FRIST_KEYS"), "key file (default $FRIST_KEYS)")
}

// noKeys fails because no key file was named, explaining how to make one.
func (c *cli) noKeys() int {
	return c.fail("no key file given; name it with --keys FILE or $FRIST_KEYS.\n%s", keysHelp)
}
