package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestHelpTextsAreNotMangledByPrintf pins that no command's usage text
// contains printf artefacts: the key-file example carries a literal % that
// once swallowed the flag list.
func TestHelpTextsAreNotMangledByPrintf(t *testing.T) {
	for _, cmd := range [][]string{{"run"}, {"plan"}, {"check"}, {"notice"}, {"ropa"}, {"audit", "verify"}, {"dsar", "open"}, {"dsar", "export"}} {
		var out, errb bytes.Buffer
		run(append(cmd, "--help"), &out, &errb)
		text := out.String() + errb.String()
		for _, bad := range []string{"%!", "(MISSING)", "EXTRA"} {
			assert.NotContains(t, text, bad, "frist %s --help", strings.Join(cmd, " "))
		}
		if strings.Contains(text, "Create one with") {
			assert.Contains(t, text, `printf 'audit k1 %s\n' "$(head -c 32 /dev/urandom | base64)" > frist.keys`,
				"frist %s --help: the key-file example must survive the usage text's formatting", strings.Join(cmd, " "))
		}
	}
}
