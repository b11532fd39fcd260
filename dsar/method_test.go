package dsar_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/dsar"
)

// The method is a term of a fixed vocabulary; free text is refused.
func TestParseMethodAcceptsOnlyTheVocabulary(t *testing.T) {
	for _, m := range dsar.Methods {
		got, err := dsar.ParseMethod(" " + string(m) + " ")
		require.NoError(t, err)
		assert.Equal(t, m, got)
	}
	for _, bad := range []string{"", "ID card shown at the counter", "Ausweis von Erika Mustermann geprüft", "ID_CARD_CHECKED"} {
		_, err := dsar.ParseMethod(bad)
		require.ErrorIs(t, err, dsar.ErrMethod, "%q", bad)
		assert.Contains(t, err.Error(), "id_card_checked, eid, postal_ident, link_possession, verified_email")
	}
}

// The strings that a free-text method let into the permanent audit log
// are each refused as a note, and the message repeats none of them; notes
// that say only how are accepted. (Broken by checking the note with
// anonymize.Find alone: the name, the document number, the e-mail address
// written with "(at)" and the spaced tax ID passed.)
func TestCheckNoteRefusesAnythingThatLooksPersonal(t *testing.T) {
	for _, bad := range []string{
		"Ausweis von Erika Mustermann geprüft",
		"Personalausweis L01X00T47",
		"zzyzx (at) example (dot) org",
		"zzyzx@example.org",
		"born 3 Feb 1980",
		"Steuer-ID 12 345 678 901",
		"Rückruf unter +49 4191 123456",
		"citizen-4711 came in person",
	} {
		err := dsar.CheckNote(bad, "citizen-4711")
		require.ErrorIs(t, err, dsar.ErrMethod, "%q", bad)
		assert.NotContains(t, err.Error(), bad)
	}
	for _, ok := range []string{
		"",
		"am Schalter im Original geprüft",
		"checked at the counter by two staff",
		"Rückruf an die hinterlegte Nummer",
		"letter to the address on file, answer received",
	} {
		assert.NoError(t, dsar.CheckNote(ok, "citizen-4711"), "%q", ok)
	}
}
