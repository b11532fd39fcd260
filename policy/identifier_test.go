package policy

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNormalizeIdentifierGivesOneFormPerIdentifier(t *testing.T) {
	good := []struct {
		form   IdentifierForm
		in, cc string
		want   string
	}{
		{FormEmail, " Erika@Example.ORG ", "", "erika@example.org"},
		{FormEmail, "<erika@example.org>", "", "erika@example.org"},
		// Only ASCII folds: the Kelvin sign stays, so it matches no "k".
		{FormEmail, "\u212Aarl@example.org", "", "\u212Aarl@example.org"},
		{FormPhone, "+49 4191 123456", "", "+494191123456"},
		{FormPhone, "0049 (4191) 12-34/56", "", "+494191123456"},
		{FormPhone, "04191 123456", "49", "+494191123456"},
		{FormExact, "  123-456789 ", "", "123-456789"},
	}
	for _, tc := range good {
		got, err := NormalizeIdentifier(tc.form, tc.in, tc.cc)
		require.NoError(t, err, "%s %q", tc.form, tc.in)
		assert.Equal(t, tc.want, got, "%s %q", tc.form, tc.in)
	}
	bad := []struct {
		form IdentifierForm
		in   string
		why  string
	}{
		{FormEmail, "erika", "bare address"},
		{FormEmail, "Erika Mustermann <erika@example.org>", "bare address"},
		{FormEmail, "erika@example.org\r\nBcc: x@example.org", "bare address"},
		{FormPhone, "04191 123456", "country code"},
		{FormPhone, "+49 4191 12345 ext. 7", "only digits"},
		{FormPhone, "+49 123", "8 to 15 digits"},
		{FormExact, "   ", "empty"},
		{"iban", "DE02 1203 0000 0000 2020 51", "the forms are email, phone, exact"},
	}
	for _, tc := range bad {
		_, err := NormalizeIdentifier(tc.form, tc.in, "")
		require.ErrorIs(t, err, ErrIdentifier, "%s %q", tc.form, tc.in)
		assert.Contains(t, err.Error(), tc.why)
		if len(tc.in) > 6 {
			assert.NotContains(t, err.Error(), strings.TrimSpace(tc.in), "the message never repeats the value")
		}
	}
}

func TestValidateChecksIdentifiersAndSubjectKeys(t *testing.T) {
	tests := []struct {
		name, path, reason string
		edit               func(ds *Dataset)
	}{
		{"unknown field", "datasets[1].identifiers[0].field", `"phone" is not a field`,
			func(ds *Dataset) { ds.Identifiers = []Identifier{{Field: "phone", Form: FormPhone}} }},
		{"unknown form", "datasets[1].identifiers[0].form", `"iban" is not an identifier form`,
			func(ds *Dataset) { ds.Identifiers = []Identifier{{Field: "email", Form: "iban"}} }},
		{"bad ring", "datasets[1].identifiers[0].pseudonym", "not a key ring name",
			func(ds *Dataset) {
				ds.Identifiers = []Identifier{{Field: "email", Form: FormEmail, Pseudonym: "sub jects"}}
			}},
		{"no subject column", "datasets[1].identifiers", "no subject column",
			func(ds *Dataset) { ds.Subject = ""; ds.Identifiers = []Identifier{{Field: "email", Form: FormEmail}} }},
		{"subject key without ring", "datasets[1].subject_key.pseudonym", "missing",
			func(ds *Dataset) { ds.SubjectKey = &SubjectKey{From: FormEmail} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := jobcenter()
			tc.edit(&d.Datasets[1])
			err := d.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.path)
			assert.Contains(t, err.Error(), tc.reason)
		})
	}
	d := jobcenter()
	d.Datasets[1].Identifiers = []Identifier{{Field: "email", Form: FormEmail}}
	d.Datasets[1].SubjectKey = &SubjectKey{From: FormEmail, Pseudonym: "subjects"}
	require.NoError(t, d.Validate())
	assert.Equal(t, []IdentifierForm{FormEmail}, d.Datasets[1].IdentifierForms())
}
