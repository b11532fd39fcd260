package notice

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// plainText joins every text of a document, one line per paragraph, list
// item and table cell, without markup.
func plainText(doc *Document) string {
	var b strings.Builder
	b.WriteString(doc.Title + "\n" + doc.Intro + "\n")
	for _, s := range doc.Sections {
		b.WriteString(s.Heading + "\n")
		for _, bl := range s.Blocks {
			b.WriteString(bl.Text + "\n")
			for _, it := range bl.Items {
				b.WriteString(it + "\n")
			}
			for _, r := range bl.Rows {
				b.WriteString(strings.Join(r, " | ") + "\n")
			}
		}
	}
	return b.String()
}

// promise is a retention or consent promise of a seed notice, quoted, and
// what the generated German notice must say for it.
type promise struct {
	seed  string
	notes []string
}

// TestGeneratedNoticeStatesEverySeedPromise checks, for each seed, that the
// German notice generated from its declaration states each of the seed's
// retention and consent promises.
func TestGeneratedNoticeStatesEverySeedPromise(t *testing.T) {
	promises := map[string][]promise{
		"jobcenter": {
			{"Hierfür muss die IP-Adresse des Nutzenden für die Dauer von sieben Tagen gespeichert bleiben und wird danach anonymisiert.",
				[]string{"IP-Adresse wird sieben Tage nach dem Seitenaufruf anonymisiert."}},
			{"Die personalisierten Daten werden sieben Tage gespeichert und danach gelöscht.",
				[]string{"Server-Logfiles werden sieben Tage nach dem Seitenaufruf gelöscht."}},
			{"Nach dem erfolgten Termin werden die personenbezogenen Daten innerhalb von zwei Wochen gelöscht.",
				[]string{"Online gebuchte Beratungstermine werden 14 Tage nach dem Termin gelöscht."}},
			{"Bei einer Terminstornierung oder einem Widerruf werden die verarbeiteten personenbezogenen Daten sofort gelöscht.",
				[]string{"Online gebuchte Beratungstermine werden bei Stornierung oder bei Widerruf der Einwilligung sofort gelöscht."}},
			{"Bitte beachten Sie, dass im Fall eines Widerrufs von Ihnen bereits gebuchte Termine ebenfalls alle gelöscht werden.",
				[]string{"Mit dem Widerruf werden sofort gelöscht: Online gebuchte Beratungstermine."}},
			{"Sollten Sie unseren Service der Online-Terminbuchung erneut nutzen wollen, wird auch erneut Ihre Einwilligungserklärung benötigt.",
				[]string{"Wenn Sie den Dienst nach einem Widerruf erneut nutzen möchten, ist eine neue Einwilligung erforderlich."}},
			{"Im Rahmen der Online-Terminbuchung können Sie Ihre Einwilligung zur Verarbeitung Ihrer personenbezogenen Daten jederzeit für die Zukunft widerrufen. Den Link zum Widerruf finden Sie hier.",
				[]string{"Sie können Ihre Einwilligung jederzeit mit Wirkung für die Zukunft widerrufen."}},
		},
		"recklinghausen": {
			{"Eine Anonymisierung dieser Daten erfolgt bereits nach 48 Stunden.",
				[]string{"Name, E-Mail-Adresse und Rufnummer werden 48 Stunden nach dem Termin anonymisiert.",
					"IP-Adresse, Browser und Betriebssystem, verweisende Webseite und aufgerufene Seite werden 48 Stunden nach dem Aufruf anonymisiert."}},
			{"Gem. 38 Abs. 3 DSG NRW bzw. Art. 7 Abs. 3 DS- GVO kann ein Widerruf der Einwilligung jederzeit erfolgen. Dieser Widerruf gilt nur für die Zukunft.",
				[]string{"Sie können Ihre Einwilligung jederzeit mit Wirkung für die Zukunft widerrufen. Die Rechtmäßigkeit der bis zum Widerruf erfolgten Verarbeitung bleibt unberührt."}},
			{"Einen Widerruf können Sie jederzeit, formlos an folgende E- Mail- Adresse: buengerbuero@recklinghausen.de oder stadtverwaltung@recklinghausen.de senden.",
				[]string{"per E-Mail an buengerbuero@recklinghausen.de", "per E-Mail an stadtverwaltung@recklinghausen.de"}},
		},
		"waltrop": {
			{"Eine Speicherung erfolgt, bis Ihre Angelegenheit erledigt ist oder eine Rechtsvorschrift der sofortigen Löschung nicht entgegensteht.",
				[]string{"Anfragen über das Kontaktformular werden gelöscht, sobald Ihr Anliegen erledigt ist."}},
			{"Soweit von Ihnen eine ausdrückliche Erklärung zur Erhebung bestimmter Daten für einen bestimmten Zweck abgegeben wurde, können Sie diese jederzeit widerrufen.",
				[]string{"Sie können Ihre Einwilligung jederzeit mit Wirkung für die Zukunft widerrufen."}},
		},
		"stadt-amt": {
			{"Nach 7 Tagen werden die Protokolle des Webservers gelöscht.",
				[]string{"Protokolldatei des Webservers wird sieben Tage nach dem Abruf gelöscht."}},
			{"In einem Kontaktformular eingegebene Daten werden dem zuständigen Sachbearbeiter/der zuständigen Sachbearbeiterin per E-Mail übermittelt, ausgedruckt und anschließend gelöscht.",
				[]string{"Eingaben in Kontaktformulare werden nach der Übermittlung per E-Mail an die zuständige Sachbearbeitung und dem Ausdruck gelöscht."}},
			{"Wenn Nutzer dieser Analyse über die bei ihrem ersten Besuch erscheinende Abfrage widersprechen, wird ebenfalls ein Cookie gesetzt - dieses verhindert die Analyse des jeweiligen Nutzerverhaltens.",
				[]string{"über das Bedienelement auf der Seite „Abfrage, die bei Ihrem ersten Besuch erscheint“: es setzt das Cookie „piwik_ignore“, das die Verarbeitung verhindert"}},
		},
		"versmold": {
			{"Wir löschen Ihre Daten sobald diese nicht mehr benötigt werden und auf jeden Fall nach Ablauf der gesetzlich vorgeschriebenen maximalen Aufbewahrungsfrist.",
				[]string{"Terminbuchungen werden gelöscht, sobald die Daten nicht mehr benötigt werden."}},
			{"Session-ID ... Zum Ende der Sitzung.",
				[]string{"bis zum Ende der Sitzung"}},
		},
	}
	// falsehoods are statements the generated notices once made that
	// their sources do not support or that the law contradicts; none may
	// come back.
	falsehoods := map[string][]string{
		"stadt-amt":      {"Löschen des Cookies", "eine Stunde", "unbedingt erforderlich", "_pk_id", "siehe Impressum"},
		"jobcenter":      {"Löschen des Cookies", "disclaimer“", "ein Jahr", "in Ihrer Buchungsbestätigung", "Art. 6 Abs. 1 lit. f DSGVO (berechtigte Interessen)\n"},
		"waltrop":        {"einen Tag", "einem Tag", "Personen unter 16", "Art. 8", "Münsterstraße 1, 45731 Waltrop\n- per Post", "„session“"},
		"versmold":       {"bei Stornierung", "auf Ihren Antrag", "sofort"},
		"recklinghausen": {"§ 35 DSG NRW", "TMG", "Mit dem Widerruf werden", "sofort"},
	}
	meta := []string{"Die Erklärung", "die Erklärung", "The declaration", "the declaration"}
	decls := examples(t)
	for name, ps := range promises {
		t.Run(name, func(t *testing.T) {
			d := decls[name]
			require.NotNil(t, d)
			doc, err := BuildDraft(d, German)
			require.NoError(t, err)
			text := plainText(doc)
			for _, p := range ps {
				for _, want := range p.notes {
					assert.Contains(t, text, want, "the seed promises %q, so the notice must say %q", p.seed, want)
				}
			}
			for _, lang := range []Language{German, English} {
				doc, err := BuildDraft(d, lang)
				require.NoError(t, err)
				text := plainText(&Document{Title: doc.Title, Intro: doc.Intro, Sections: doc.Sections})
				for _, bad := range falsehoods[name] {
					assert.NotContains(t, text, bad, "the source does not support it")
				}
				for _, m := range meta {
					assert.NotContains(t, text, m, "no meta text about the declaration in the notice")
				}
			}
		})
	}
}
