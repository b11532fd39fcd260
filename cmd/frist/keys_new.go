package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/policy"
)

const keysUsage = `Usage: frist keys new FILE [RING...] [--policy DECLARATION]

Creates the key file FILE with one fresh key of 32 random bytes for the
ring "audit" (which pseudonymizes subjects in audit entries), for every
RING named, and, with --policy, for every ring the declaration names
(pseudonym(key=RING) operators, subject_key and identifiers). The file is
written with mode 0600 and never overwrites an existing one.

The format, "RING ID SECRET" a line, is the one the library
(anonymize.ReadKeyFile), every command of frist and the booking example
read. The secrets are what Art. 4(5) GDPR requires to be kept separately
from the pseudonymized data: keep the file out of the database's backups.

Exit status: 0 when the file was written; 2 when it exists or cannot be
written, a ring name is malformed, or the declaration is invalid.

Flags:
%s
Examples:
  frist keys new frist.keys --policy examples/policies/jobcenter.yaml
  frist keys new booking.db.keys audit links subjects tokens ledger
`

func runKeys(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "new" {
		c := newCLI("keys", keysUsage, stdout, stderr)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help" || args[0] == "help") {
			// The help of keys is that of its one subcommand, with its flags.
			return runKeys([]string{"new", "--help"}, stdout, stderr)
		}
		return c.fail("expected the subcommand new, e.g. frist keys new frist.keys")
	}
	c := newCLI("keys new", keysUsage, stdout, stderr)
	policyFile := c.fs.String("policy", "", "also create the rings this declaration names")
	rest, code, done := c.parse(args[1:])
	if done {
		return code
	}
	if len(rest) == 0 {
		return c.fail("no file given; name the key file to create, e.g. frist keys new frist.keys")
	}
	path := rest[0]
	rings := []string{auditRing}
	add := func(r string) {
		if !slices.Contains(rings, r) {
			rings = append(rings, r)
		}
	}
	for _, r := range rest[1:] {
		add(r)
	}
	if *policyFile != "" {
		decl, err := policy.LoadFile(*policyFile)
		if err != nil {
			return c.errorf("%v", err)
		}
		for _, r := range ringsNeeded(decl) {
			add(r)
		}
	}
	lines, err := anonymize.NewKeyLines(rings...)
	if err != nil {
		return c.fail("%v", err)
	}
	if err := anonymize.WriteKeyFile(path, lines); err != nil {
		if errors.Is(err, os.ErrExist) {
			return c.errorf("%s exists; frist never overwrites a key file, since pseudonyms made with its keys could no longer be recomputed. Choose another name, or add a key by appending a line \"RING ID SECRET\"", path)
		}
		return c.errorf("%v", err)
	}
	fmt.Fprintf(stdout, "Wrote %s (mode 0600) with the rings %v.\n", path, rings)
	return exitOK
}
