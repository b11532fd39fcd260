package notice

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
)

// sectionText is the plain text of one section of a document, "" when the
// section is absent.
func sectionText(doc *Document, id string) string {
	s := doc.Section(id)
	if s == nil {
		return ""
	}
	return plainText(&Document{Sections: []Section{*s}})
}

// TestEachArticle13ItemIsStated pins every item of Art. 13(1)(a)–(f) and
// 13(2)(a)–(f): the notice of a complete declaration states it (in the
// section for it, in both languages), and a declaration that lacks the
// facts for it gets a lint finding instead of a sentence. Each case fails
// when the builder drops its item: that is how each was checked (by
// returning an empty Section from the item's builder method).
func TestEachArticle13ItemIsStated(t *testing.T) {
	tests := []struct {
		item    string
		section string
		de, en  string
		// lack removes the facts of the item; finding is what the linter
		// must then report, and gone is what the notice no longer says.
		lack    func(d *policy.Declaration)
		finding string
	}{
		{"13(1)(a) controller and contact details", SecController, "Kisdorfer Weg 7a, 24568 Kaltenkirchen", "Kisdorfer Weg 7a, 24568 Kaltenkirchen",
			func(d *policy.Declaration) {
				d.Assumptions = append(d.Assumptions, policy.Annotation{Path: "controller.address", Note: "x"})
			}, "FR087"},
		{"13(1)(b) data-protection officer", SecDPO, "Sie erreichen die oder den Datenschutzbeauftragten unter:", "You can reach the data-protection officer at:",
			func(d *policy.Declaration) { d.DPO = policy.DPO{} }, "FR020"},
		{"13(1)(c) purposes and legal bases", SecPurposes, "Rechtsgrundlage: Art. 6 Abs. 1 lit. a DSGVO i. V. m. § 67b Abs. 2 SGB X (Einwilligung).", "Legal basis: Art. 6(1)(a) GDPR in conjunction with § 67b Abs. 2 SGB X (consent).",
			func(d *policy.Declaration) {
				d.Assumptions = append(d.Assumptions, policy.Annotation{Path: "purposes[1].legal_basis[0]", Note: "x"})
			}, "FR083"},
		{"13(1)(d) legitimate interests", SecInterests, "Bereitstellung der Website: Stabilität und Sicherheit der Website", "Delivering the website: stability and security of the website",
			func(d *policy.Declaration) { d.Purposes[0].LegitimateInterest = policy.Text{} }, "FR011"},
		{"13(1)(e) recipients", SecRecipients, "maixit GmbH | Betrieb der Terminvergabe | Auftragsverarbeiter (Art. 28 DSGVO)", "maixit GmbH | Operating the booking system | Processor (Art. 28 GDPR)",
			nil, ""}, // no recipient declared is a statement of its own: none
		{"13(1)(f) transfers to third countries", SecTransfers, "Eine Übermittlung in Länder außerhalb des Europäischen Wirtschaftsraums findet nicht statt.", "No personal data is transferred to countries outside the European Economic Area.",
			func(d *policy.Declaration) { d.Recipients[0].Country = "" }, "FR086"},
		{"13(2)(a) storage period", SecStorage, "Termindaten werden zwei Wochen nach dem Termin gelöscht.", "Appointment data is deleted two weeks after the appointment.",
			func(d *policy.Declaration) {
				d.Assumptions = append(d.Assumptions, policy.Annotation{Path: "datasets[1].rules", Note: "x"})
			}, "FR082"},
		{"13(2)(b) rights", SecRights, "Auskunft über die zu Ihrer Person gespeicherten Daten (Art. 15 DSGVO)", "Access to the personal data we hold about you (Art. 15 GDPR)",
			nil, ""},
		{"13(2)(c) withdrawal of consent", SecWithdrawal, "über den Link, den Sie in Ihrer Buchungsbestätigung finden", "through the link you find in your booking confirmation",
			func(d *policy.Declaration) { d.Purposes[1].Consent.Withdraw[0].Where = policy.Text{} }, "FR080"},
		{"13(2)(d) complaint", SecComplaint, "Der Bundesbeauftragte für den Datenschutz und die Informationsfreiheit", "Der Bundesbeauftragte für den Datenschutz und die Informationsfreiheit",
			func(d *policy.Declaration) { d.Authority = policy.Authority{} }, "FR022"},
		{"13(2)(e) whether the data must be provided", SecRequirement, "Folge, wenn Sie diese Angaben nicht machen: Ohne diese Angaben kann kein Termin online gebucht werden.", "If you do not provide them: Without this data no appointment can be booked online.",
			func(d *policy.Declaration) { d.Purposes[1].Provision = nil }, "FR084"},
		{"13(2)(f) automated decision-making", SecAutomated, "Eine automatisierte Entscheidungsfindung einschließlich Profiling nach Art. 22 DSGVO findet nicht statt.", "No automated decision-making, including profiling, under Art. 22 GDPR takes place.",
			nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.item, func(t *testing.T) {
			d := jobcenter(t)
			for lang, want := range map[Language]string{German: tt.de, English: tt.en} {
				doc, err := Build(d, lang)
				require.NoError(t, err)
				assert.Contains(t, sectionText(doc, tt.section), want, "%s must be stated in %s", tt.item, lang)
			}
			if tt.lack == nil {
				return // the law's own text: nothing in the declaration can remove it
			}
			d = jobcenter(t)
			tt.lack(d)
			require.NoError(t, d.Validate())
			var ids []string
			for _, f := range policy.Lint(d) {
				ids = append(ids, f.ID)
			}
			assert.Contains(t, ids, tt.finding, "a declaration without the facts of %s gets a finding", tt.item)
			doc, err := BuildDraft(d, German)
			require.NoError(t, err)
			assert.NotContains(t, sectionText(doc, tt.section), tt.de, "what the declaration lacks is not stated")
			assert.NotContains(t, plainText(&Document{Sections: doc.Sections}), "Erklärung", "no meta text about the declaration")
		})
	}
}

// TestBlockingFindingsStopPublication: Build refuses a declaration with an
// unacknowledged error and lists it; BuildDraft renders it with the banner
// and the finding. Broken by dropping the lint pass from Build.
func TestBlockingFindingsStopPublication(t *testing.T) {
	d := jobcenter(t)
	d.Purposes[1].Consent.Withdraw = append(d.Purposes[1].Consent.Withdraw, policy.Channel{Kind: policy.ChannelCookie, Address: "disclaimer"})
	require.NoError(t, d.Validate())
	_, err := Build(d, German)
	var unpublishable *UnpublishableError
	require.True(t, errors.As(err, &unpublishable))
	require.Len(t, unpublishable.Findings, 1)
	assert.Equal(t, "FR052", unpublishable.Findings[0].ID)
	assert.Contains(t, err.Error(), "FR052 (error) purposes[1].consent.withdraw[1]")

	doc, err := BuildDraft(d, German)
	require.NoError(t, err)
	var md strings.Builder
	require.NoError(t, doc.WriteMarkdown(&md))
	assert.Contains(t, md.String(), "Entwurf — nicht veröffentlichen")
	assert.Contains(t, md.String(), "FR052 (error)")
	assert.NotContains(t, md.String(), "Löschen des Cookies", "not even a draft states a cookie deletion as a withdrawal")
	var page strings.Builder
	require.NoError(t, doc.WriteHTML(&page))
	assert.Contains(t, page.String(), `<div class="draft" role="alert">`)
}

// TestObjectionIsSetApartAndLimitedToPublicTaskAndLegitimateInterests:
// Art. 21(4) wants the right to object presented clearly and separately;
// Art. 21(1) gives it only against processing on Art. 6(1)(e) or (f).
func TestObjectionIsSetApartAndLimitedToPublicTaskAndLegitimateInterests(t *testing.T) {
	d := jobcenter(t)
	d.Purposes[0].Objection = &policy.ObjectionSpec{Limit: &policy.ObjectionLimit{Norm: "§ 14 DSG NRW",
		Text: policy.Text{DE: "Das Widerspruchsrecht besteht nicht, soweit ein zwingendes öffentliches Interesse an der Verarbeitung besteht, das Ihre Interessen überwiegt, oder eine Rechtsvorschrift zur Verarbeitung verpflichtet"}}}
	require.NoError(t, d.Validate())
	doc, err := Build(d, German)
	require.NoError(t, err)
	s := doc.Section(SecObjection)
	require.NotNil(t, s)
	assert.True(t, s.Boxed, "set apart from the other information")
	text := sectionText(doc, SecObjection)
	assert.Contains(t, text, "Bereitstellung der Website")
	assert.NotContains(t, text, "Buchung eines Beratungstermins", "consent-based processing is not subject to Art. 21(1)")
	assert.Contains(t, text, "(§ 14 DSG NRW).")
	var md strings.Builder
	require.NoError(t, doc.WriteMarkdown(&md))
	assert.Contains(t, md.String(), "> ## Ihr Widerspruchsrecht nach Art. 21 DSGVO")

	d.Purposes = d.Purposes[1:] // consent only
	d.Datasets = d.Datasets[1:]
	require.NoError(t, d.Validate())
	doc, err = BuildDraft(d, German)
	require.NoError(t, err)
	assert.Nil(t, doc.Section(SecObjection), "no Art. 21 box where nothing rests on (e) or (f)")
}

// TestEditionAndArticle12Wording: the "Stand" comes from the declaration,
// and the Art. 12(3) sentence says the period may be extended and runs
// from receipt.
func TestEditionAndArticle12Wording(t *testing.T) {
	doc, err := Build(jobcenter(t), German)
	require.NoError(t, err)
	assert.Equal(t, "Stand: 15.01.2026, Version 3", doc.Edition)
	rights := sectionText(doc, SecRights)
	assert.Contains(t, rights, "spätestens innerhalb eines Monats nach seinem Eingang")
	assert.Contains(t, rights, "kann um weitere zwei Monate verlängert werden, wenn dies")
	assert.NotContains(t, rights, "verlängert sich")
	doc, err = Build(jobcenter(t), English)
	require.NoError(t, err)
	assert.Equal(t, "As of: 2026-01-15, version 3", doc.Edition)
}

// TestArticle8OnlyForServicesOfferedToChildren: the Art. 8 sentence
// appears only on a purpose flagged as offered directly to children.
func TestArticle8OnlyForServicesOfferedToChildren(t *testing.T) {
	d := jobcenter(t)
	doc, err := Build(d, German)
	require.NoError(t, err)
	assert.NotContains(t, plainText(doc), "Art. 8", "no default injection")
	d.Purposes[1].OfferedToChildren = true
	d.Purposes[1].Consent.MinAge = 0
	require.NoError(t, d.Validate())
	doc, err = Build(d, German)
	require.NoError(t, err)
	assert.Contains(t, sectionText(doc, SecPurposes), "Wer das 16. Lebensjahr noch nicht vollendet hat, kann nur einwilligen, wenn die Träger der elterlichen Verantwortung zustimmen oder selbst einwilligen (Art. 8 Abs. 1 DSGVO).")
}

// TestEnglishNoticeHasNoGerman checks the English notice of the fixture
// for German words that once leaked into it.
func TestEnglishNoticeHasNoGerman(t *testing.T) {
	d := jobcenter(t)
	d.Controller.Representative = policy.Text{DE: "die Geschäftsführung", EN: "the management"}
	require.NoError(t, d.Validate())
	doc, err := Build(d, English)
	require.NoError(t, err)
	text := plainText(doc)
	// German statutes keep their German citations ("§ 67b Abs. 2 SGB X")
	// and bodies their names; everything else is English.
	for _, german := range []string{"DSGVO", "Stand", "vertreten", "Geschäftsführung", "Rechtsgrundlage", "gelöscht", "Einwilligung", "Erklärung"} {
		assert.NotContains(t, text, german)
	}
	assert.Contains(t, text, "represented by the management")
}
