package notice

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
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
		"jobcenter": { // seed 003
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
				[]string{"Sie können Ihre Einwilligung jederzeit mit Wirkung für die Zukunft widerrufen.", "über den Widerrufslink in Ihrer Buchungsbestätigung"}},
			{"Eine Möglichkeit, Ihre Zustimmung zu unseren Nutzungsbedingungen zu widerrufen, besteht darin, den im Rahmen Ihrer Zustimmung gesetzten Opt-In-Cookie „disclaimer“ zu löschen.",
				[]string{"durch Löschen des Cookies „disclaimer“"}},
		},
		"recklinghausen": { // seed 001
			{"Eine Anonymisierung dieser Daten erfolgt bereits nach 48 Stunden.",
				[]string{"Name, E-Mail-Adresse und Rufnummer werden 48 Stunden nach dem Termin anonymisiert.",
					"IP-Adresse, Browser und Betriebssystem, verweisende Webseite und aufgerufene Seite werden 48 Stunden nach dem Aufruf anonymisiert."}},
			{"Gem. 38 Abs. 3 DSG NRW bzw. Art. 7 Abs. 3 DS- GVO kann ein Widerruf der Einwilligung jederzeit erfolgen. Dieser Widerruf gilt nur für die Zukunft.",
				[]string{"Sie können Ihre Einwilligung jederzeit mit Wirkung für die Zukunft widerrufen. Die Rechtmäßigkeit der bis zum Widerruf erfolgten Verarbeitung bleibt unberührt."}},
			{"Einen Widerruf können Sie jederzeit, formlos an folgende E- Mail- Adresse: buengerbuero@recklinghausen.de oder stadtverwaltung@recklinghausen.de senden.",
				[]string{"per E-Mail an buengerbuero@recklinghausen.de", "per E-Mail an stadtverwaltung@recklinghausen.de"}},
		},
		"waltrop": { // seed 002
			{"Für Kinder und Jugendliche, die das sechzehnte Lebensjahr noch nicht vollendet haben, bedarf es der Einwilligung durch den Träger der elterlichen Verantwortung oder die Inhaber der gesetzlichen Personensorge.",
				[]string{"Personen unter 16 Jahren können nur mit Zustimmung der Träger der elterlichen Verantwortung einwilligen (Art. 8 Abs. 1 DSGVO)."}},
			{"Eine Speicherung erfolgt, bis Ihre Angelegenheit erledigt ist oder eine Rechtsvorschrift der sofortigen Löschung nicht entgegensteht.",
				[]string{"Anfragen über das Kontaktformular werden gelöscht, sobald Ihr Anliegen erledigt ist."}},
			{"Soweit von Ihnen eine ausdrückliche Erklärung zur Erhebung bestimmter Daten für einen bestimmten Zweck abgegeben wurde, können Sie diese jederzeit widerrufen.",
				[]string{"Sie können Ihre Einwilligung jederzeit mit Wirkung für die Zukunft widerrufen."}},
		},
		"stadt-amt": { // seed 004
			{"Die IP-Adresse des aufrufenden Rechners wird anonymisiert, so dass es nicht möglich ist, einen Bezug auf einzelne Nutzer herzustellen.",
				[]string{"IP-Adresse wird eine Stunde nach dem Abruf anonymisiert."}},
			{"Nach 7 Tagen werden die Protokolle des Webservers gelöscht.",
				[]string{"Protokolldatei des Webservers werden sieben Tage nach dem Abruf gelöscht."}},
			{"In einem Kontaktformular eingegebene Daten werden dem zuständigen Sachbearbeiter/der zuständigen Sachbearbeiterin per E-Mail übermittelt, ausgedruckt und anschließend gelöscht.",
				[]string{"Eingaben in Kontaktformulare werden gelöscht, sobald Ihr Anliegen erledigt ist."}},
			{"Wenn Nutzer dieser Analyse über die bei ihrem ersten Besuch erscheinende Abfrage widersprechen, wird ebenfalls ein Cookie gesetzt - dieses verhindert die Analyse des jeweiligen Nutzerverhaltens.",
				[]string{"Widerspruch gegen „Webanalyse mit Piwik“ (Art. 21 DSGVO):", "durch Löschen des Cookies „piwik_ignore“"}},
		},
		"versmold": { // seed 000
			{"Wir löschen Ihre Daten sobald diese nicht mehr benötigt werden und auf jeden Fall nach Ablauf der gesetzlich vorgeschriebenen maximalen Aufbewahrungsfrist.",
				[]string{"Terminbuchungen werden bei Stornierung sofort gelöscht, spätestens sobald Ihr Anliegen erledigt ist."}},
			{"Session-ID ... Zum Ende der Sitzung.",
				[]string{"bis zum Ende der Sitzung"}},
		},
	}
	decls := examples(t)
	for name, ps := range promises {
		t.Run(name, func(t *testing.T) {
			d := decls[name]
			require.NotNil(t, d)
			doc, err := Build(d, German)
			require.NoError(t, err)
			text := plainText(doc)
			for _, p := range ps {
				for _, want := range p.notes {
					assert.Contains(t, text, want, "the seed promises %q, so the notice must say %q", p.seed, want)
				}
			}
		})
	}
}

// TestEveryArticle13ItemIsStatedOrLinted checks that every Art. 13 item
// appears in each example's notice, and that where the declaration lacks
// the facts for an item, the linter reports why.
func TestEveryArticle13ItemIsStatedOrLinted(t *testing.T) {
	// A gap phrase in the notice, and the findings of which one must
	// explain it.
	gaps := []struct {
		section  string
		phrase   string
		findings []string
	}{
		{SecDPO, "nennt keine Kontaktdaten", []string{"FR020"}},
		{SecComplaint, "nennt keine zuständige Aufsichtsbehörde", []string{"FR021", "FR022"}},
		{SecInterests, "benennt das Interesse nicht", []string{"FR011"}},
		{SecStorage, "keine Speicherfrist", []string{"FR001", "FR002"}},
		{SecWithdrawal, "nennt keinen Weg für den Widerruf", []string{"FR012"}},
	}
	required := []string{SecController, SecDPO, SecPurposes, SecInterests, SecRecipients, SecTransfers,
		SecStorage, SecRights, SecWithdrawal, SecComplaint, SecRequirement, SecAutomated}
	for name, d := range examples(t) {
		t.Run(name, func(t *testing.T) {
			doc, err := Build(d, German)
			require.NoError(t, err)
			found := map[string]bool{}
			for _, f := range policy.Lint(d) {
				found[f.ID] = true
			}
			for _, id := range required {
				s := doc.Section(id)
				require.NotNil(t, s, "Art. 13 item %s is missing", id)
				require.NotEmpty(t, s.Blocks, "Art. 13 item %s is empty", id)
			}
			for _, g := range gaps {
				sec := doc.Section(g.section)
				if !strings.Contains(plainText(&Document{Sections: []Section{*sec}}), g.phrase) {
					continue
				}
				explained := false
				for _, id := range g.findings {
					explained = explained || found[id]
				}
				assert.True(t, explained, "the notice says %q in %s, but the linter reports none of %v", g.phrase, g.section, g.findings)
			}
		})
	}
}
