package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/seeds.golden")

// seedFindings pins which findings each seed declaration draws: ID and
// path, acknowledged ones marked with "(ack)". The comments say which
// sentence of the notice causes them.
var seedFindings = map[string][]string{
	"jobcenter.yaml": {
		// No description of the security measures (Art. 30(1)(g)).
		"FR061 measures",
		// Only the postal address is given for the Jobcenter itself.
		"FR025 controller.contact",
		// Europe/Berlin without the Land's holidays.
		"FR027 controller.holidays",
		// "Die Verarbeitung ist zur Wahrung der überwiegenden berechtigten
		// Interessen des Verantwortlichen erforderlich (Art. 6 Abs. 1 lit. e, f DSGVO)."
		"FR018 purposes[0].legal_basis[0]",
		"FR010 purposes[0].legal_basis[1]",
		// Consent of jobcenter clients, with no alternative named.
		"FR014 purposes[1].legal_basis[0]",
		// Withdrawal "durch Löschen des Cookies".
		"FR052 purposes[1].consent.withdraw[1]",
		// "Unser berechtigtes Interesse liegt in dem in Punkt 7. a) benannten Zweck."
		"FR011 purposes[2].legitimate_interest",
		"FR018 purposes[2].legal_basis[0]",
		"FR010 purposes[2].legal_basis[1]",
		"FR060 datasets[0].subjects",
		// IP "sieben Tage gespeichert ... danach anonymisiert" and the log
		// "sieben Tage gespeichert und danach gelöscht".
		"FR006 datasets[0].rules[0].after",
		"FR060 datasets[1].subjects",
		// Only Auskunft, Löschung, Beschwerde and Widerruf are stated.
		"FR023 rights", "FR023 rights", "FR023 rights", "FR023 rights",
	},
	"recklinghausen.yaml": {
		// No authority, no right to complain.
		"FR021 authority",
		"FR061 measures",
		"FR027 controller.holidays",
		"FR014 purposes[0].legal_basis[0] (ack)",
		// "(§ 35 DSG NRW und § 12 Telemediengesetz)"
		"FR070 purposes[0].legal_basis[0].national[0]",
		"FR070 purposes[0].legal_basis[0].national[1]",
		"FR060 datasets[0].subjects",
		// Request data "IP-Adresse, Datum und Uhrzeit der Anfrage ..." under
		// the consent to the booking.
		"FR050 datasets[0].purposes[0]",
		"FR060 datasets[1].subjects",
		// Withdrawal is the only right stated.
		"FR023 rights", "FR023 rights", "FR023 rights", "FR023 rights", "FR023 rights",
	},
	"stadt-amt.yaml": {
		"FR020 dpo",
		"FR021 authority",
		"FR061 measures",
		// "Wenden Sie sich hierzu bitte an die im Impressum angegebene Kontaktadresse."
		"FR025 controller.contact",
		"FR027 controller.holidays",
		// The notice names no legal basis.
		"FR018 purposes[0].legal_basis[0]",
		"FR018 purposes[1].legal_basis[0]",
		// Piwik on an opt-out.
		"FR011 purposes[2].legitimate_interest",
		"FR010 purposes[2].legal_basis[0]",
		// The opt-out cookie declared as a cookie channel (deletion).
		"FR052 purposes[2].objection.channels[0]",
		"FR060 datasets[0].subjects",
		"FR060 datasets[1].subjects",
		// "... per E-Mail übermittelt, ausgedruckt und anschließend gelöscht."
		"FR003 datasets[1].rules[0].on",
		"FR041 cookies[0].basis",
		// "Auskunft- und Widerrufsrecht" only.
		"FR023 rights", "FR023 rights", "FR023 rights",
		// "Widerrufsrecht" with nothing resting on consent.
		"FR026 rights[1]",
	},
	"versmold.yaml": {
		"FR020 dpo",
		"FR022 authority",
		"FR061 measures",
		"FR027 controller.holidays",
		// "Rechtsgrundlage ... Art. 6 Abs. 1 S. 1 lit. b DSGVO" for the
		// booking service of a city.
		"FR019 purposes[0].legal_basis[0]",
		// "Analyse der Nutzung ... Art. 6 Abs. 1 S. 1 lit. f DSGVO"
		"FR011 purposes[1].legitimate_interest",
		"FR010 purposes[1].legal_basis[0]",
		"FR010 purposes[2].legal_basis[0]",
		// "Wir löschen Ihre Daten sobald diese nicht mehr benötigt werden"
		"FR060 datasets[0].subjects",
		"FR003 datasets[0].rules[0].on",
		"FR060 datasets[1].subjects",
		"FR003 datasets[1].rules[0].on",
		"FR060 datasets[2].subjects",
		"FR003 datasets[2].rules[0].on",
		"FR060 datasets[3].subjects",
		"FR003 datasets[3].rules[0].on",
	},
	"waltrop.yaml": {
		// "... ein Beschwerderecht bei der zuständigen Aufsichtsbehörde"
		"FR022 authority",
		"FR061 measures",
		// Only the DPO's e-mail address is given.
		"FR025 controller.contact",
		"FR027 controller.holidays",
		// "Mit dem Einsenden der Bewerbung erklären Sie sich gleichzeitig einverstanden"
		"FR014 purposes[4].legal_basis[0]",
		// "Hierzu wenden Sie sich bitte an die Stelle, bei der die Erklärung
		// abgegeben wurde."
		"FR051 purposes[4].consent.withdraw",
		"FR060 datasets[0].subjects",
		"FR060 datasets[1].subjects",
		// Error logs with IP, no period.
		"FR002 datasets[1].rules",
		"FR060 datasets[2].subjects",
		// "bis Ihre Angelegenheit erledigt ist"
		"FR003 datasets[2].rules[0].on",
		"FR060 datasets[3].subjects",
		// "... solange gespeichert, bis eine Löschung durch sie oder uns vorgenommen wird."
		"FR001 datasets[3].fields[0]", "FR001 datasets[3].fields[1]", "FR001 datasets[3].fields[2]",
		"FR060 datasets[4].subjects",
		// "vorübergehend ... im Rahmen des Bewerbungsverfahrens"
		"FR003 datasets[4].rules[0].on",
		"FR023 rights", "FR023 rights",
	},
}

func seedFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "examples", "policies", "*.yaml"))
	require.NoError(t, err)
	require.Len(t, files, len(seedFindings), "one declaration per seed")
	return files
}

func TestCheckSeedDeclarationsFindings(t *testing.T) {
	files := seedFiles(t)
	code, stdout, stderr := runCLI(append([]string{"check", "--format", "json"}, files...)...)
	require.Empty(t, stderr, "every seed declaration must be valid")
	assert.Equal(t, exitFindings, code, "the seed notices have legal defects")

	var got struct {
		Files []struct {
			File     string
			Valid    bool
			Findings []struct {
				ID, Path     string
				Acknowledged *struct{ Reason string }
			}
		}
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &got))
	require.Len(t, got.Files, len(files))
	for _, f := range got.Files {
		name := filepath.Base(f.File)
		t.Run(name, func(t *testing.T) {
			require.True(t, f.Valid)
			var ids []string
			for _, fi := range f.Findings {
				s := fi.ID + " " + fi.Path
				if fi.Acknowledged != nil {
					s += " (ack)"
				}
				ids = append(ids, s)
			}
			assert.Equal(t, seedFindings[name], ids)
		})
	}
}

// TestCheckSeedDeclarationsGolden pins the text output, positions and
// messages included. Run with -update after an intended change.
func TestCheckSeedDeclarationsGolden(t *testing.T) {
	files := seedFiles(t)
	var out, errb bytes.Buffer
	code := run(append([]string{"check"}, files...), &out, &errb)
	assert.Equal(t, exitFindings, code)
	assert.Empty(t, errb.String())
	golden := filepath.Join("testdata", "seeds.golden")
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(golden, out.Bytes(), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run go test ./cmd/frist -run Golden -update to create it")
	assert.Equal(t, string(want), out.String())
}
