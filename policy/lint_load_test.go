package policy

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLintLoadedFindingsPointAtTheirLine loads a declaration and checks that
// every finding's position is the line that causes it.
func TestLintLoadedFindingsPointAtTheirLine(t *testing.T) {
	const file = "testdata/lint/positions.yaml"
	d, err := LoadFile(file)
	require.NoError(t, err)
	src, err := os.ReadFile(file)
	require.NoError(t, err)
	lines := strings.Split(string(src), "\n")

	want := map[string]string{ // "ID path" -> text on the finding's line
		"FR004 datasets[0].rules[1].after":             "after: 7d",
		"FR006 datasets[0].rules[0].after":             "after: 30d",
		"FR010 purposes[0].legal_basis[1]":             "6.1.f",
		"FR070 purposes[0].legal_basis[0].national[1]": "§ 13 TMG",
		"FR020 dpo":                     "dpo: {name: Herr Muster}",
		"FR030 recipients[0].safeguard": "- id: cloud",
		"FR041 cookies[0].basis":        "name: stats",
	}
	fs := Lint(d)
	var got []string
	for _, f := range fs {
		key := f.ID + " " + f.Path
		got = append(got, key)
		text, ok := want[key]
		if !assert.True(t, ok, "unexpected finding %s: %s", key, f.Message) {
			continue
		}
		assert.Equal(t, file, f.Position.File)
		require.Greater(t, f.Position.Line, 0, key)
		require.LessOrEqual(t, f.Position.Line, len(lines), key)
		assert.Contains(t, lines[f.Position.Line-1], text, "%s points at line %d", key, f.Position.Line)
		if key == "FR030 recipients[0].safeguard" {
			require.NotNil(t, f.Acknowledged)
			assert.Equal(t, "Vertrag wird geprüft", f.Acknowledged.Reason)
		}
	}
	// The pseudonym does not end the IP address; the delete before the
	// one-month minimum is an error; the acknowledged transfer is not.
	assert.Equal(t, []string{
		"FR020 dpo",
		"FR030 recipients[0].safeguard",
		"FR070 purposes[0].legal_basis[0].national[1]",
		"FR010 purposes[0].legal_basis[1]",
		"FR006 datasets[0].rules[0].after",
		"FR004 datasets[0].rules[1].after",
		"FR041 cookies[0].basis",
	}, got)
}
