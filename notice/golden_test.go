package notice

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// examples loads the five example declarations, by base name.
func examples(t *testing.T) map[string]*policy.Declaration {
	t.Helper()
	files, err := filepath.Glob("../examples/policies/*.yaml")
	require.NoError(t, err)
	require.Len(t, files, 5, "one declaration per seed service")
	out := map[string]*policy.Declaration{}
	for _, f := range files {
		d, err := policy.LoadFile(f)
		require.NoError(t, err, f)
		out[strings.TrimSuffix(filepath.Base(f), ".yaml")] = d
	}
	return out
}

// publishable renders the notice of d as frist notice does: for
// publication when the declaration has no blocking findings, else as a
// draft with its banner and findings.
func publishable(t *testing.T, d *policy.Declaration, l Language) *Document {
	t.Helper()
	doc, err := Build(d, l)
	if _, blocked := errors.AsType[*UnpublishableError](err); blocked {
		doc, err = BuildDraft(d, l)
	}
	require.NoError(t, err)
	return doc
}

// TestGolden compares the notice and the record of processing of every
// example declaration, in both languages and every format, byte for byte
// with the files in testdata/golden. Run with -update to regenerate them,
// then read the diff.
func TestGolden(t *testing.T) {
	type render func(*bytes.Buffer, *policy.Declaration, Language) error
	formats := map[string]render{
		"notice.md": func(b *bytes.Buffer, d *policy.Declaration, l Language) error {
			return publishable(t, d, l).WriteMarkdown(b)
		},
		"notice.html": func(b *bytes.Buffer, d *policy.Declaration, l Language) error {
			return publishable(t, d, l).WriteHTML(b)
		},
		"ropa.md":  func(b *bytes.Buffer, d *policy.Declaration, l Language) error { return RecordMarkdown(b, d, l) },
		"ropa.csv": func(b *bytes.Buffer, d *policy.Declaration, l Language) error { return RecordCSV(b, d, l) },
	}
	for name, d := range examples(t) {
		for _, lang := range []Language{German, English} {
			for suffix, fn := range formats {
				file := filepath.Join("testdata", "golden", name+"."+string(lang)+"."+suffix)
				t.Run(filepath.Base(file), func(t *testing.T) {
					var buf bytes.Buffer
					require.NoError(t, fn(&buf, d, lang))
					if *update {
						require.NoError(t, os.WriteFile(file, buf.Bytes(), 0o644))
						return
					}
					want, err := os.ReadFile(file)
					require.NoError(t, err, "missing golden file; run go test ./notice -update")
					require.Equal(t, string(want), buf.String(), "rendered output differs from %s; run go test ./notice -update and review the diff", file)
				})
			}
		}
	}
}
