package anonymize

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// examples/policies/jobcenter.yaml lists what a booking holds: "Name und Vorname, Geburtsdatum,
// Kunden-Nummer oder BG-Nummer, Anliegen, Ort, Datum des Termins,
// E-Mail-Adresse, alle von Ihnen selbst formulierten Angaben im Rahmen der
// Buchung". The free text ("selbst formulierte Angaben") is scrubbed of the
// identifiers it may contain.
func TestScrubReplacesIdentifiersWithTypedPlaceholders(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"e-mail", "Antwort an erika.mustermann@example.org bitte", "Antwort an [EMAIL] bitte"},
		{"e-mail at sentence end", "Mail: a+b@sub.example.de.", "Mail: [EMAIL]."},
		{"e-mail with umlaut domain", "x@münchen.de", "[EMAIL]"},
		{"not an e-mail", "@home und a@b und a@localhost", "@home und a@b und a@localhost"},
		{"international phone", "Tel. +49 5423 123456.", "Tel. [PHONE]."},
		{"phone with trunk prefix", "Tel.: +49 (0) 5423 12 34 56", "Tel.: [PHONE]"},
		{"national phone with slash", "05423/123456 oder 05423 / 12 34 56", "[PHONE] oder [PHONE]"},
		{"mobile in parentheses", "(0171) 1234567", "[PHONE]"},
		{"international in parentheses", "(+49 171 1234567)", "[PHONE]"},
		{"not an address, left whole", "Version 1.2.3.4.5 und 0000::0.0.0.0.0", "Version 1.2.3.4.5 und 0000::0.0.0.0.0"},
		{"number not starting with 0 or +", "Vorgang 1234567", "Vorgang 1234567"},
		{"too short for a phone", "Zimmer 012 34", "Zimmer 012 34"},
		{"IBAN grouped", "IBAN: DE89 3704 0044 0532 0130 00, danke", "IBAN: [IBAN], danke"},
		{"IBAN compact", "DE89370400440532013000", "[IBAN]"},
		{"IBAN bad checksum", "DE89370400440532013001", "DE89370400440532013001"},
		// Where patterns overlap the scanner errs towards removing.
		{"IBAN bad checksum, groups read as a phone number", "DE89 3704 0044 0532 0130 01", "DE89 3704 [PHONE]"},
		{"IPv4", "von 192.0.2.1 aus", "von [IP] aus"},
		{"IPv4 at sentence end", "IP 192.0.2.1.", "IP [IP]."},
		{"IPv4 with port", "192.0.2.1:8080 antwortet", "[IP] antwortet"},
		{"IPv6", "Adresse 2001:db8::1 und ::1 und fe80::1%eth0", "Adresse [IP] und [IP] und [IP]"},
		{"not IPs", "um 10:30 Uhr, Version 1.2.3, std::vector", "um 10:30 Uhr, Version 1.2.3, std::vector"},
		{"German date of birth", "geb. 17.05.1980 in Köln", "geb. [DATE] in Köln"},
		{"short German date", "geb. 7.5.1980 bzw. 07.05.80", "geb. [DATE] bzw. [DATE]"},
		{"German long date", "geboren am 17. Mai 1980, 3. März 1990", "geboren am [DATE], [DATE]"},
		{"ISO date", "born 1980-05-17, at 2024-05-17T10:00", "born [DATE], at [DATE]T10:00"},
		{"impossible dates", "31.02.1980 und 1980-13-01", "31.02.1980 und 1980-13-01"},
		{"tax ID", "Steuer-ID 86095742719.", "Steuer-ID [TAXID]."},
		{"tax ID grouped", "IdNr. 86 095 742 719", "IdNr. [TAXID]"},
		{"tax ID bad check digit", "86095742718", "86095742718"},
		{"11 digits without the repeat rule", "12345678903", "12345678903"},
		{"digits inside words are left", "ABC192.0.2.1 und x17.05.1980", "ABC192.0.2.1 und x17.05.1980"},
		{"text glued to a finding stays with it", "0000000+100000", "[PHONE]+100000"},
		{"nothing to find", "Ich brauche einen neuen Personalausweis.", "Ich brauche einen neuen Personalausweis."},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Scrub(tt.in)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, got, Scrub(got), "scrubbing is idempotent")
		})
	}
}

func TestFindReportsKindsAndPositions(t *testing.T) {
	s := "a@b.de 0171 1234567 DE89370400440532013000 192.0.2.1 1980-05-17 86095742719"
	ms := Find(s)
	kinds := make([]Kind, len(ms))
	for i, m := range ms {
		kinds[i] = m.Kind
	}
	assert.Equal(t, []Kind{KindEmail, KindPhone, KindIBAN, KindIP, KindDate, KindTaxID}, kinds)
	assert.Equal(t, "a@b.de", s[ms[0].Start:ms[0].End])
	assert.Equal(t, "0171 1234567", s[ms[1].Start:ms[1].End])
	assert.Equal(t, "EMAIL", KindEmail.String())
	assert.Equal(t, "[TAXID]", KindTaxID.Placeholder())
}

func TestScrubOperatorKeepsTypes(t *testing.T) {
	op := mustSpec(t, "scrub")
	got, err := op.Apply([]byte("mail a@b.de"))
	require.NoError(t, err)
	assert.Equal(t, []byte("mail [EMAIL]"), got)
	got, err = op.Apply("x")
	require.NoError(t, err)
	assert.Equal(t, "x", got)
	_, err = op.Apply(int64(1))
	assert.ErrorIs(t, err, ErrUnsupportedType)
	assert.NotContains(t, Scrub(strings.Repeat("erika@example.org ", 100)), "erika")
}
