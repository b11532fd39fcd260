package policy

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// brokenSeeds are declarations with one mistake each, so that the fuzzer
// starts next to the loader's error paths.
var brokenSeeds = []string{
	head + "purposes: [{ id: site, legal_basis: 6.1.e }]\ndatasets: [{ id: log, table: log, key: id, time: { at: at }, purposes: [site], rules: [{ after: 14 days, from: at, delete: true }] }]\n",
	head + "purposes: [{ id: site, legal_basis: [6(1)(e)] }]\n",
	head + "purposes: [{ id: site, legal_basis: 6.1.a, consent: { version: 1, min_age: 12, withdraw: [fax] } }]\n",
	head + "purposes: [{ id: &a site, legal_basis: *a }]\n",
	head + "purposes: [{ id: site, legal_basis: 6.1.e, <<: {} }]\n",
	head + "purposes: [{ id: site, legal_basis: 6.1.e }]\ndatasets: [{ id: log, table: \"log; DROP TABLE x\", key: id, purposes: [site], fields: { ip: { category: online_identifier } }, rules: [{ on: cancelled, anonymize: { ip: sha256 } }] }]\n",
	head + "purposes: [{ id: site, legal_basis: 6.1.e }]\ncookies: [{ name: a, purpose: site, basis: consent, lifetime: session, session: true }]\n",
	"controller:\n  name: a\n   b: c\n",
	"a: b\n---\nc: d\n",
	"~",
	"",
	"- [1, 2]\n",
	"controller: \"\xff\"\n",
	"{[a]: b, {c: d}: e}\n",
	"datasets:\n  - fields: { a: ~, b: [], c: { provided: 2 } }\n    time: [~, 1, { name: [x] }]\n    rules: [~, 7, { keep_at_least: 6y, lead: -1s, after: 0d }]\n",
}

func FuzzLoad(f *testing.F) {
	for _, pattern := range []string{"testdata/*.yaml", "../examples/policies/*.yaml"} {
		files, err := filepath.Glob(pattern)
		require.NoError(f, err)
		for _, name := range files {
			b, err := os.ReadFile(name)
			require.NoError(f, err)
			f.Add(b)
		}
	}
	for _, s := range brokenSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		d, err := Load(bytes.NewReader(src), "fuzz.yaml")
		if err == nil {
			require.NotNil(t, d)
			require.True(t, d.Validated())
			require.NoError(t, d.Validate(), "a loaded declaration stays valid")
			_ = d.Hash()
			return
		}
		require.Nil(t, d, "a declaration with any error is rejected whole")
		require.ErrorIs(t, err, ErrInvalid)
		var list ErrorList
		require.True(t, errors.As(err, &list), "%T: %v", err, err)
		require.NotEmpty(t, list)
		lines := countLines(src)
		for _, e := range list {
			assert.Equal(t, "fuzz.yaml", e.File)
			assert.NotEmpty(t, e.Reason)
			if e.Line == 0 {
				// Only input without any YAML node has no position.
				assert.Equal(t, "declaration is empty", e.Reason, "%v", e)
			} else {
				assert.LessOrEqual(t, e.Line, lines+1, "%v", e)
			}
			assert.GreaterOrEqual(t, e.Column, 0)
		}
	})
}
