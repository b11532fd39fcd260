package policy

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestMisusedNormsTable pins what each entry of the table matches and what
// it must leave alone. Widening the § 35 pattern to "§ 3" (tried: dropping
// the "5" from the pattern) flags the correct "§ 3 DSG NRW" and fails here.
func TestMisusedNormsTable(t *testing.T) {
	tests := []struct {
		text string
		want []string // the cited names of the entries that match
	}{
		{"§ 12 TMG", []string{"the Telemediengesetz (TMG)"}},
		{"§§ 13, 15 Telemediengesetz (TMG)", []string{"the Telemediengesetz (TMG)"}},
		{"§ 25 TTDSG", []string{"the TTDSG"}},
		{"§ 35 DSG NRW", []string{"§ 35 DSG NRW"}},
		{"§ 35 Abs. 1 DSG NRW", []string{"§ 35 DSG NRW"}},
		{"Gem. 38 Abs. 3 DSG NRW", []string{"§ 38 DSG NRW"}},
		{"die Berichtigung, Sperrung oder Löschung", []string{"\"Sperrung\""}},
		{"§ 35 DSG NRW und § 12 TMG", []string{"the Telemediengesetz (TMG)", "§ 35 DSG NRW"}},
		// Correct citations stay unflagged.
		{"§ 3 DSG NRW", nil},
		{"§ 3 Abs. 1 DSG NRW", nil},
		{"§ 135 DSG NRW", nil},
		{"§ 25 TDDDG", nil},
		{"§ 5 DDG", nil},
		{"Einschränkung der Verarbeitung", nil},
		{"Art. 35 DSGVO", nil},
		{"ATMGX", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, n := range misusedIn(tt.text) {
			got = append(got, n.cited)
			assert.NotEmpty(t, n.why)
			assert.NotEmpty(t, n.instead)
			assert.NotEmpty(t, n.article)
		}
		assert.Equal(t, tt.want, got, tt.text)
	}
}
