package policy

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// longDataset returns a declaration of n purposes p0 … p(n-1) and one
// dataset naming the purposes refs, with the rule rule and n fields
// f0 … f(n-1) written as a mapping, one a line, followed by the line
// extraField.
func longDataset(n int, extraField, refs, rule string) string {
	var b strings.Builder
	b.WriteString(head + "purposes:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - { id: p%d, legal_basis: 6.1.e }\n", i)
	}
	fmt.Fprintf(&b, "datasets:\n  - id: log\n    table: log\n    key: id\n    time: { at: at }\n    purposes: [%s]\n    rules: [%s]\n    fields:\n", refs, rule)
	for i := range n {
		fmt.Fprintf(&b, "      f%d: { category: usage }\n", i)
	}
	b.WriteString(extraField)
	return b.String()
}

// The loader looks for a repeated key by going through the keys before it
// in a short mapping and through a table in a long one; both must find it.
// Checked by leaving the long mapping's table empty (never recording a
// key): the long case loaded without an error.
func TestLoadReportsARepeatedKeyInShortAndLongMappings(t *testing.T) {
	for _, n := range []int{3, shortMapping - 1, shortMapping + 1, 200} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			src := longDataset(n, "      f1: { category: contact }\n", "p0", "{ after: 7d, from: at, delete: true }")
			_, err := Load(strings.NewReader(src), "x.yaml")
			firstLine := 3 + n + 8 + 1 // head, purposes, dataset lines, f0
			lastLine := firstLine + n
			// The repeated key is reported once, at the repetition,
			// naming the line of the first.
			assert.Equal(t, fmt.Sprintf(`x.yaml:%d:7: datasets[0].fields.f1: key "f1" given twice (first at line %d)`, lastLine, firstLine+1), err.Error())
		})
	}
}

// References into a list are checked against a set once the list is long;
// the answer must not depend on the list's length. Checked by making the
// set miss every name (building it empty): every reference into a long
// list was reported as undeclared.
func TestValidateResolvesReferencesIntoShortAndLongLists(t *testing.T) {
	for _, n := range []int{3, shortList, shortList + 1, 100} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			last := fmt.Sprint(n - 1)
			ok := longDataset(n, "", "p0, p"+last, "{ on: cancelled, anonymize: { f0: \"null\", f"+last+": \"null\" } }")
			d, err := Load(strings.NewReader(ok), "x.yaml")
			require.NoError(t, err)
			require.Len(t, d.Datasets[0].Fields, n)

			bad := longDataset(n, "", "p0, p"+fmt.Sprint(n), "{ on: cancelled, anonymize: { f"+fmt.Sprint(n)+": \"null\" } }")
			_, err = Load(bytes.NewReader([]byte(bad)), "x.yaml")
			requireProblem(t, err, "datasets[0].purposes[1]", fmt.Sprintf(`purpose "p%d" is not declared`, n))
			requireProblem(t, err, "datasets[0].rules[0].anonymize[0].field", fmt.Sprintf(`"f%d" is not a field of dataset "log"`, n))
			var list ErrorList
			require.ErrorAs(t, err, &list)
			assert.Len(t, list, 2, "%v", err)
		})
	}
}

// The table of keys a long mapping used is emptied before the next long
// mapping uses it: two datasets with the same forty fields load, and a
// key repeated in the second is reported there, once. Checked by keeping
// the table's keys (not clearing a table taken): every field of the
// second dataset was reported as given twice.
func TestLoadChecksEachLongMappingForRepeatedKeysOnItsOwn(t *testing.T) {
	var b strings.Builder
	b.WriteString(head + "purposes:\n  - { id: p, legal_basis: 6.1.e }\ndatasets:\n")
	for d := range 2 {
		fmt.Fprintf(&b, "  - id: d%d\n    table: t%d\n    key: id\n    purposes: [p]\n    time: { at: at }\n    rules: [{ after: 7d, from: at, delete: true }]\n    fields:\n", d, d)
		for f := range 40 {
			fmt.Fprintf(&b, "      f%d: { category: usage }\n", f)
		}
	}
	d, err := Load(strings.NewReader(b.String()), "x.yaml")
	require.NoError(t, err)
	require.Len(t, d.Datasets[1].Fields, 40)

	repeated := b.String() + "      f7: { category: usage }\n"
	_, err = Load(strings.NewReader(repeated), "x.yaml")
	var list ErrorList
	require.ErrorAs(t, err, &list)
	require.Len(t, list, 1, "%v", err)
	assert.Equal(t, "datasets[1].fields.f7", list[0].Path)
	assert.Contains(t, list[0].Reason, `key "f7" given twice`)
}

// A long mapping inside a long mapping has a table of its own: a field
// written with twenty keys, one of them twice, among forty fields, one of
// them twice after it, is reported for each repetition at its own line
// and for nothing else. Checked by giving the inner mapping the outer
// one's table (open returning the last table taken): the inner keys were
// reported as repetitions of the fields' names, or the outer repetition
// missed.
func TestLoadChecksALongMappingInsideALongOneOnItsOwn(t *testing.T) {
	var b strings.Builder
	b.WriteString(head + "purposes:\n  - { id: p, legal_basis: 6.1.e }\ndatasets:\n")
	b.WriteString("  - id: d\n    table: t\n    key: id\n    purposes: [p]\n    time: { at: at }\n    rules: [{ after: 7d, from: at, delete: true }]\n    fields:\n")
	line := 13 // the line of the first field
	for f := range 40 {
		if f != 5 {
			fmt.Fprintf(&b, "      f%d: { category: usage }\n", f)
			continue
		}
		// f0 … f19 as the keys of field f5, then f3 again.
		b.WriteString("      f5:\n")
		for k := range 20 {
			fmt.Fprintf(&b, "        f%d: x\n", k)
		}
		b.WriteString("        f3: y\n")
	}
	b.WriteString("      f30: { category: usage }\n")
	_, err := Load(strings.NewReader(b.String()), "x.yaml")
	var list ErrorList
	require.ErrorAs(t, err, &list)
	var got []string
	for _, e := range list {
		if strings.Contains(e.Reason, "given twice") {
			got = append(got, e.Error())
		}
	}
	f5 := line + 5
	last := line + 40 + 21
	assert.Equal(t, []string{
		fmt.Sprintf(`x.yaml:%d:9: datasets[0].fields[5].f3: key "f3" given twice (first at line %d)`, f5+21, f5+4),
		fmt.Sprintf(`x.yaml:%d:7: datasets[0].fields.f30: key "f30" given twice (first at line %d)`, last, last-10),
	}, got)
}

// Of two known keys as close to an unknown one, the suggestion names the
// first in alphabetical order, whatever order the table lists them in,
// and the list of known keys is sorted. Checked by keeping the first
// closest key in the table's order: "zeta" was suggested.
func TestSuggestNamesTheFirstOfTheClosestKeysAlphabetically(t *testing.T) {
	ks := keys[struct{}]{{"zeta", nil}, {"beta", nil}, {"alpha", nil}}
	assert.Equal(t, ` (did you mean "beta"?)`, ks.suggest("xeta"))
	assert.Equal(t, ` (known: alpha, beta, zeta)`, ks.suggest("completely different"))
}
