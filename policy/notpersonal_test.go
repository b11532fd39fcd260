package policy

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// not_personal lists a table's columns that hold no personal data; each
// problem is reported at its line and column. Broken by dropping the
// check against declared columns: "email" then passes as not personal.
func TestNotPersonalIsValidatedWithPositions(t *testing.T) {
	const ds = head + `purposes: [{ id: site, legal_basis: 6.1.e }]
datasets:
  - id: log
    table: log
    key: id
    time: { at: at }
    purposes: [site]
    fields: { email: { category: contact } }
`
	d, err := load(t, ds+"    not_personal: [status, office_note]\n")
	require.NoError(t, err)
	assert.Equal(t, []string{"status", "office_note"}, d.Datasets[0].NotPersonal)

	tests := []struct {
		name, line string
		want       []string
	}{
		{"a declared field", "    not_personal: [status, email]\n",
			[]string{`x.yaml:11:28: datasets[0].not_personal[1]: column "email" is field email of the dataset, which holds personal data; remove it from not_personal`}},
		{"the key", "    not_personal: [ID]\n",
			[]string{`x.yaml:11:20: datasets[0].not_personal[0]: column "ID" is the key of the dataset, which holds personal data; remove it from not_personal`}},
		{"a column listed twice", "    not_personal: [status, Status]\n",
			[]string{`x.yaml:11:28: datasets[0].not_personal[1]: column "Status" is listed twice (first at not_personal[0])`}},
		{"not an identifier", "    not_personal: [\"drop table\"]\n",
			[]string{`x.yaml:11:20: datasets[0].not_personal[0]: SQL identifier "drop table" contains " "; an SQL identifier has only letters, digits and underscores`}},
		{"a mapping for a column", "    not_personal: { status: x }\n",
			[]string{`x.yaml:11:19: datasets[0].not_personal[0]: expected a string, got a mapping`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := load(t, ds+tt.line)
			require.Error(t, err)
			assert.Nil(t, d)
			assert.Equal(t, tt.want, strings.Split(err.Error(), "\n"))
		})
	}
}
