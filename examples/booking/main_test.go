package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// -h prints the flags and is no error (exit status 0), instead of
// "flag: help requested" and status 2. Broken by returning the parse error
// unchanged: run then returns flag.ErrHelp.
func TestHelpFlagPrintsUsageAndSucceeds(t *testing.T) {
	for _, arg := range []string{"-h", "--help"} {
		var out, errb bytes.Buffer
		err := run(context.Background(), []string{arg}, &out, &errb)
		require.NoError(t, err, arg)
		assert.Contains(t, errb.String(), "-addr")
		assert.Contains(t, errb.String(), "-logs DATASET=DIR")
		assert.NotContains(t, errb.String(), "help requested")
	}
}
