package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/anonymize"
)

// frist keys new writes a key file with mode 0600 in the one format; the
// commands read it, and so does the booking example (which needs the
// rings audit, links, subjects and tokens, as its own file has them); it
// never overwrites, and refuses bad ring names.
func TestKeysNewWritesTheOneKeyFileFormat(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "booking.db.keys")
	code, out, errs := runCLI("keys", "new", path, "links", "subjects", "tokens", "--policy", jobcenterFile)
	require.Equal(t, exitOK, code, errs)
	assert.Contains(t, out, "mode 0600")
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	rings, err := anonymize.ReadKeyFile(path)
	require.NoError(t, err)
	for _, r := range []string{"audit", "links", "subjects", "tokens"} {
		assert.NotNil(t, rings[r], r)
	}
	before, err := os.ReadFile(path)
	require.NoError(t, err)

	url, _, _ := dsarDB(t)
	code, _, errs = runCLI("dsar", "open", jobcenterFile, "--db", url, "--keys", path, "--kind", "access", "--identifier", "email=erika@example.org")
	require.Equal(t, exitOK, code, "a command reads the file: %s", errs)

	code, _, errs = runCLI("keys", "new", path)
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, errs, "exists; frist never overwrites a key file")
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, before, after)

	code, _, errs = runCLI("keys", "new", filepath.Join(dir, "x.keys"), "sub jects")
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, errs, `"sub jects" is not a ring name`)
	code, _, _ = runCLI("keys")
	assert.Equal(t, exitInvalid, code)
}
