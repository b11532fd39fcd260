package anonymize_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/anonymize"
)

// A written key file is read back with the same keys; it has mode 0600
// and is never overwritten.
func TestKeyFileRoundTripsAndIsNeverOverwritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "frist.keys")
	lines, err := anonymize.NewKeyLines("audit", "subjects")
	require.NoError(t, err)
	require.NoError(t, anonymize.WriteKeyFile(path, lines))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	rings, err := anonymize.ReadKeyFile(path)
	require.NoError(t, err)
	want, err := anonymize.NewKeyRing(lines[1].Key)
	require.NoError(t, err)
	assert.Equal(t, want.Pseudonym("x"), rings["subjects"].Pseudonym("x"))

	before, err := os.ReadFile(path)
	require.NoError(t, err)
	err = anonymize.WriteKeyFile(path, lines[:1])
	require.ErrorIs(t, err, os.ErrExist)
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, before, after, "the existing file is untouched")
	_, err = anonymize.NewKeyLines("sub jects")
	require.ErrorIs(t, err, anonymize.ErrKeyFile)
}

// Bad key files are refused naming the file and line, never a secret.
func TestParseKeyFileNamesTheLine(t *testing.T) {
	secret := "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA=="
	tests := []struct{ text, want string }{
		{"audit k1\n", `f:1: expected "RING ID SECRET", got 2 words`},
		{"# c\n\naudit k1 " + secret + " extra\n", "f:3: expected"},
		{"audit k1 not*base64\n", "f:1: the secret of key k1 is not base64"},
		{"audit k1 c2hvcnQ=\n", `ring "audit"`},
		{`{"audit": "` + secret + `"}`, "JSON key file"},
	}
	for _, tc := range tests {
		_, err := anonymize.ParseKeyFile(strings.NewReader(tc.text), "f")
		require.Error(t, err, tc.text)
		assert.True(t, errors.Is(err, anonymize.ErrKeyFile), "%v", err)
		assert.Contains(t, err.Error(), tc.want)
		assert.NotContains(t, err.Error(), secret)
	}
}
