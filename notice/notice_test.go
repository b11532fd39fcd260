package notice

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
)

// jobcenter builds, in Go, the booking part of the Jobcenter Kreis Segeberg
// declaration (examples/policies/jobcenter.yaml), completed so that it has
// no blocking lint finding: not a public authority (so Art. 6(1)(f) may
// stand), a withdrawal link the subject can find, no cookie deletion as a
// withdrawal, an Art. 13(2)(e) statement and a date.
func jobcenter(t *testing.T) *policy.Declaration {
	t.Helper()
	no := false
	d := &policy.Declaration{
		Date:    "2026-01-15",
		Version: "3",
		Controller: policy.Controller{Name: "Jobcenter Kreis Segeberg", Address: "Kisdorfer Weg 7a, 24568 Kaltenkirchen", TimeZone: "Europe/Berlin",
			Holidays: "DE-SH", Contact: policy.Contact{Email: "jobcenter@example.org"}},
		Measures:   policy.Text{DE: "IT-Sicherheitskonzept", EN: "IT security concept"},
		DPO:        policy.DPO{Address: "Kisdorfer Weg 7a, 24568 Kaltenkirchen"},
		Authority:  policy.Authority{Name: "Der Bundesbeauftragte für den Datenschutz und die Informationsfreiheit", Address: "Graurheindorfer Str. 153, 53117 Bonn"},
		Recipients: []policy.Recipient{{ID: "maixit", Name: policy.Text{DE: "maixit GmbH"}, Role: policy.RoleProcessor, Country: "DE", Description: policy.Text{DE: "Betrieb der Terminvergabe", EN: "Operating the booking system"}}},
		Purposes: []policy.Purpose{
			{ID: "website", Description: policy.Text{DE: "Bereitstellung der Website", EN: "Delivering the website"},
				LegalBasis:         []policy.LegalBasis{{Basis: policy.PublicTask, National: []string{"§ 67a SGB X"}}, {Basis: policy.LegitimateInterests}},
				LegitimateInterest: policy.Text{DE: "Stabilität und Sicherheit der Website", EN: "stability and security of the website"}},
			{ID: "booking", Description: policy.Text{DE: "Buchung eines Beratungstermins", EN: "Booking a counselling appointment"},
				LegalBasis:        []policy.LegalBasis{{Basis: policy.Consent, National: []string{"§ 67b Abs. 2 SGB X"}}},
				SpecialCategories: "9.2.a",
				Recipients:        []string{"maixit"},
				Provision: &policy.Provision{Kind: policy.ProvisionService,
					Consequence: policy.Text{DE: "Ohne diese Angaben kann kein Termin online gebucht werden.", EN: "Without this data no appointment can be booked online."}},
				Consent: &policy.ConsentSpec{Version: "2024-05", RenewAfterWithdrawal: true,
					Withdraw: []policy.Channel{{Kind: policy.ChannelLink, Where: policy.Text{DE: "in Ihrer Buchungsbestätigung", EN: "in your booking confirmation"}}}}},
		},
		Datasets: []policy.Dataset{
			{ID: "access_log", Table: "access_log", Key: "id", Purposes: []string{"website"},
				Description: policy.Text{DE: "Server-Logfiles", EN: "Server log files"},
				Subjects:    policy.Text{DE: "Besucher der Webseite", EN: "Visitors of the website"},
				Time:        []policy.TimeColumn{{Name: "requested_at", Description: policy.Text{DE: "dem Seitenaufruf", EN: "the request"}}},
				Fields: []policy.Field{
					{Name: "ip", Category: policy.CatOnlineIdentifier, Provided: &no, Description: policy.Text{DE: "IP-Adresse", EN: "IP address"}},
					{Name: "user_agent", Category: policy.CatDevice, Provided: &no, Description: policy.Text{DE: "Browser", EN: "browser"}},
				},
				Rules: []policy.Rule{
					{After: policy.MustParsePeriod("7d"), From: "requested_at", Anonymize: []policy.FieldOp{{Field: "ip", Op: "null"}}},
					{After: policy.MustParsePeriod("7d"), From: "requested_at", Delete: true},
				}},
			{ID: "appointment", Table: "appointments", Key: "id", Subject: "citizen_id", Purposes: []string{"booking"},
				Description: policy.Text{DE: "Termindaten", EN: "Appointment data"},
				Subjects:    policy.Text{DE: "Kundinnen und Kunden", EN: "Clients"},
				Time:        []policy.TimeColumn{{Name: "appointment_at", Column: "starts_at", Description: policy.Text{DE: "dem Termin", EN: "the appointment"}}},
				Fields: []policy.Field{
					{Name: "name", Category: policy.CatIdentity, Required: true, Description: policy.Text{DE: "Name", EN: "name"}},
					{Name: "concern", Category: policy.CatFreeText, Special: true, Description: policy.Text{DE: "Anliegen", EN: "concern"}},
					{Name: "email", Category: policy.CatContact, Description: policy.Text{DE: "E-Mail-Adresse", EN: "e-mail address"}},
				},
				Rules: []policy.Rule{
					{After: policy.MustParsePeriod("2w"), From: "appointment_at", Delete: true},
					{On: policy.EventCancelled, Delete: true},
					{On: policy.EventConsentWithdrawn, Delete: true},
				}},
		},
		Cookies: []policy.Cookie{{Name: "disclaimer", Purpose: "booking", Basis: policy.ConsentBased, Lifetime: policy.MustParsePeriod("1y"),
			Description: policy.Text{DE: "Speichert Ihre Zustimmung", EN: "Stores your consent"}}},
	}
	require.NoError(t, d.Validate())
	for _, f := range policy.Lint(d) {
		require.False(t, f.Blocking(), "the fixture must be publishable: %s", FindingLine(f))
	}
	return d
}

func TestStoragePeriodsStateTheRulesAsTheSeedDoes(t *testing.T) {
	d := jobcenter(t)
	appt := d.Dataset("appointment")
	logs := d.Dataset("access_log")
	tests := []struct {
		name string
		ds   *policy.Dataset
		lang Language
		want []string
	}{
		{
			// examples/policies/jobcenter.yaml: "Nach dem erfolgten Termin werden die personenbezogenen Daten innerhalb von
			// zwei Wochen gelöscht. Bei einer Terminstornierung oder einem Widerruf werden die
			// verarbeiteten personenbezogenen Daten sofort gelöscht."
			name: "appointments in German",
			ds:   appt, lang: German,
			want: []string{
				"Termindaten werden zwei Wochen nach dem Termin gelöscht.",
				"Termindaten werden bei Stornierung oder bei Widerruf der Einwilligung sofort gelöscht.",
			},
		},
		{
			name: "appointments in English",
			ds:   appt, lang: English,
			want: []string{
				"Appointment data is deleted two weeks after the appointment.",
				"Appointment data is deleted immediately on cancellation or on withdrawal of consent.",
			},
		},
		{
			// examples/policies/jobcenter.yaml: "Hierfür muss die IP-Adresse des Nutzenden für die Dauer von sieben Tagen
			// gespeichert bleiben und wird danach anonymisiert."
			name: "access log in German",
			ds:   logs, lang: German,
			want: []string{
				"IP-Adresse wird sieben Tage nach dem Seitenaufruf anonymisiert.",
				"Server-Logfiles werden sieben Tage nach dem Seitenaufruf gelöscht.",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, StoragePeriods(tt.ds, tt.lang))
		})
	}
}

func TestPeriodPhrase(t *testing.T) {
	tests := []struct {
		period string
		lang   Language
		dative bool
		want   string
	}{
		{"48h", German, false, "48 Stunden"},
		{"1h", German, false, "eine Stunde"},
		{"7d", German, true, "sieben Tagen"},
		{"1d", German, true, "einem Tag"},
		{"1w", German, false, "eine Woche"},
		{"2w", German, false, "zwei Wochen"},
		{"1mo", German, false, "einen Monat"},
		{"6y", German, false, "sechs Jahre"},
		{"1y", German, false, "ein Jahr"},
		{"30d", German, false, "30 Tage"},
		{"48h", English, false, "48 hours"},
		{"1w", English, false, "one week"},
		{"14d", English, false, "14 days"},
	}
	for _, tt := range tests {
		t.Run(tt.period+"/"+string(tt.lang), func(t *testing.T) {
			assert.Equal(t, tt.want, periodPhrase(tt.lang, policy.MustParsePeriod(tt.period), tt.dative))
		})
	}
}

func TestKeepAtLeastAndYearEndAreStated(t *testing.T) {
	ds := &policy.Dataset{ID: "invoices", Description: policy.Text{DE: "Rechnungsdaten", EN: "Invoice data"},
		Time: []policy.TimeColumn{{Name: "issued_at", Description: policy.Text{DE: "der Rechnungsstellung", EN: "invoicing"}}},
		Rules: []policy.Rule{{
			After: policy.MustParsePeriod("10y from year end"), From: "issued_at", Delete: true,
			KeepAtLeast: &policy.Minimum{Period: policy.MustParsePeriod("6y from year end"), Norm: "§ 147 AO"},
		}}}
	got := StoragePeriods(ds, German)
	require.Len(t, got, 1)
	assert.Equal(t, "Rechnungsdaten werden zehn Jahre nach Ablauf des Kalenderjahres von der Rechnungsstellung gelöscht, frühestens jedoch sechs Jahre nach Ablauf des Kalenderjahres von der Rechnungsstellung (§ 147 AO).", got[0])
}

func TestMatterSettledReadsAsAClause(t *testing.T) {
	// examples/policies/waltrop.yaml: "Eine Speicherung erfolgt, bis Ihre Angelegenheit erledigt ist".
	ds := &policy.Dataset{ID: "contact", Description: policy.Text{DE: "Kontaktformulardaten"},
		Rules: []policy.Rule{{On: policy.EventMatterSettled, Delete: true}}}
	assert.Equal(t, []string{"Kontaktformulardaten werden gelöscht, sobald Ihr Anliegen erledigt ist."}, StoragePeriods(ds, German))
}

func TestBuildCoversEveryArticle13Item(t *testing.T) {
	d := jobcenter(t)
	for _, lang := range []Language{German, English} {
		doc, err := Build(d, lang)
		require.NoError(t, err)
		for _, id := range []string{SecController, SecDPO, SecPurposes, SecInterests, SecRecipients, SecTransfers,
			SecStorage, SecRights, SecWithdrawal, SecComplaint, SecRequirement, SecAutomated, SecCookies} {
			s := doc.Section(id)
			require.NotNil(t, s, "section %s missing in %s", id, lang)
			assert.NotEmpty(t, s.Blocks, "section %s is empty in %s", id, lang)
		}
	}
}

func TestRightsFollowTheLegalBases(t *testing.T) {
	d := jobcenter(t)
	// Consent (portability, withdrawal) and 6.1.e/f (objection).
	assert.Equal(t, []policy.Right{policy.RightAccess, policy.RightRectification, policy.RightErasure, policy.RightRestriction,
		policy.RightPortability, policy.RightObjection, policy.RightWithdrawal, policy.RightComplaint}, Rights(d))

	d.Purposes = d.Purposes[:1] // website only: 6.1.e and 6.1.f
	assert.NotContains(t, Rights(d), policy.RightPortability, "Art. 20(1) applies only to consent or contract")
	assert.NotContains(t, Rights(d), policy.RightWithdrawal)
	assert.Contains(t, Rights(d), policy.RightObjection)

	d.Rights = []policy.Right{policy.RightAccess}
	assert.Equal(t, []policy.Right{policy.RightAccess, policy.RightComplaint}, Rights(d), "the complaint right always applies")
}

func TestWithdrawalSectionNamesChannelsAndEffects(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, Markdown(&buf, jobcenter(t), German))
	md := buf.String()
	for _, want := range []string{
		"über den Link, den Sie in Ihrer Buchungsbestätigung finden",
		"Mit dem Widerruf werden sofort gelöscht: Termindaten.",
		"ist eine neue Einwilligung erforderlich",
		"Art. 6 Abs. 1 lit. a DSGVO i. V. m. § 67b Abs. 2 SGB X (Einwilligung)",
		"Art. 9 Abs. 2 lit. a DSGVO",
		"Stabilität und Sicherheit der Website",
		"Eine Übermittlung in Länder außerhalb des Europäischen Wirtschaftsraums findet nicht statt.",
	} {
		assert.Contains(t, md, want)
	}
	assert.NotContains(t, md, "Löschen des Cookies", "a cookie deletion is never a withdrawal")
}

func TestTransfersNameSafeguardsAndUnknownCountries(t *testing.T) {
	d := jobcenter(t)
	d.Recipients = append(d.Recipients,
		policy.Recipient{ID: "us", Name: policy.Text{DE: "Example Inc."}, Role: policy.RoleProcessor, Country: "US", Safeguard: policy.Text{DE: "Standardvertragsklauseln (Art. 46 Abs. 2 lit. c DSGVO)"}},
		policy.Recipient{ID: "x", Name: policy.Text{DE: "Unbekannt GmbH"}, Role: policy.RoleProcessor})
	_, err := Build(d, German)
	require.ErrorAs(t, err, new(*UnpublishableError), "a recipient without a country blocks publication (FR086)")
	doc, err := BuildDraft(d, German)
	require.NoError(t, err)
	var text []string
	for _, b := range doc.Section(SecTransfers).Blocks {
		text = append(text, b.Text)
		text = append(text, b.Items...)
	}
	joined := strings.Join(text, "\n")
	assert.Contains(t, joined, "Example Inc. (US): Standardvertragsklauseln")
	assert.NotContains(t, joined, "Unbekannt GmbH", "nothing is said of a recipient whose country is not declared")
	assert.NotContains(t, joined, "findet nicht statt", "no promise that nothing leaves the EEA")
}

func TestHTMLIsStandaloneAndEscaped(t *testing.T) {
	d := jobcenter(t)
	d.Controller.Name = `Amt <script>alert("x")</script>`
	var buf bytes.Buffer
	require.NoError(t, HTML(&buf, d, German))
	page := buf.String()
	assert.True(t, strings.HasPrefix(page, "<!DOCTYPE html>\n<html lang=\"de\">"))
	assert.NotContains(t, page, "<script>", "text must be escaped")
	assert.Contains(t, page, "&lt;script&gt;")
	for _, external := range []string{"http://", "https://", "<link", "src="} {
		assert.NotContains(t, page, external, "a notice page loads no external resources")
	}
	assert.Contains(t, page, `<th scope="col">`)
	assert.Contains(t, page, `<nav aria-label="Inhalt">`)
}

func TestMarkdownEscapesMarkup(t *testing.T) {
	d := jobcenter(t)
	d.Controller.Name = "Stadt *Fett* [Link](x)"
	var buf bytes.Buffer
	require.NoError(t, Markdown(&buf, d, German))
	assert.Contains(t, buf.String(), `Stadt \*Fett\* \[Link\](x)`)
}

func TestUnvalidatedDeclarationIsRefused(t *testing.T) {
	_, err := Build(&policy.Declaration{}, German)
	require.ErrorIs(t, err, ErrNotValidated)
	_, err = Record(&policy.Declaration{}, German)
	require.ErrorIs(t, err, ErrNotValidated)
}

func TestParseLanguage(t *testing.T) {
	l, err := ParseLanguage("DE")
	require.NoError(t, err)
	assert.Equal(t, German, l)
	_, err = ParseLanguage("fr")
	require.ErrorContains(t, err, `unsupported language "fr"`)
}

func TestRecordHasOneRowPerPurposeWithEveryArticle30Item(t *testing.T) {
	d := jobcenter(t)
	d.Measures = policy.Text{DE: "IT-Sicherheitskonzept des Jobcenters, Stand 2024", EN: "IT security concept, 2024"}
	var buf bytes.Buffer
	require.NoError(t, RecordCSV(&buf, d, German))
	rows, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 1+len(d.Purposes))
	assert.Len(t, rows[0], 12)
	booking := rows[2]
	assert.Equal(t, "booking", booking[0])
	assert.Equal(t, "Buchung eines Beratungstermins", booking[4])
	assert.Contains(t, booking[5], "Art. 9 Abs. 2 lit. a DSGVO")
	assert.Contains(t, booking[7], "besondere Kategorien personenbezogener Daten")
	assert.Contains(t, booking[8], "maixit GmbH (Auftragsverarbeiter (Art. 28 DSGVO))")
	assert.Equal(t, "keine", booking[9])
	assert.Contains(t, booking[10], "Termindaten werden zwei Wochen nach dem Termin gelöscht.")
	assert.Equal(t, "IT-Sicherheitskonzept des Jobcenters, Stand 2024", booking[11])
}

func TestRequirementSeparatesRequiredVoluntaryAndAutomaticData(t *testing.T) {
	d := jobcenter(t)
	no := false
	logs := d.Dataset("access_log")
	for i := range logs.Fields {
		logs.Fields[i].Provided = &no
	}
	var buf bytes.Buffer
	require.NoError(t, Markdown(&buf, d, German))
	md := buf.String()
	assert.Contains(t, md, "Die Angabe ist weder gesetzlich noch vertraglich vorgeschrieben, für die Nutzung des Dienstes aber erforderlich für: Name.")
	assert.Contains(t, md, "Folge, wenn Sie diese Angaben nicht machen: Ohne diese Angaben kann kein Termin online gebucht werden.")
	assert.Contains(t, md, "Freiwillig sind: Anliegen und E-Mail-Adresse.")
	assert.Contains(t, md, "Automatisch bei der Nutzung erhoben, ohne dass Sie sie angeben: IP-Adresse und Browser.")
	assert.NotContains(t, md, "Freiwillig sind: IP-Adresse", "data the system records is not something the subject volunteers")
}
