package policy

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadReadsTheFieldsOfThePublishedNotice(t *testing.T) {
	d, err := Load(strings.NewReader(head+`version: "3"
date: 2026-01-15
purposes:
  - id: stats
    legal_basis: 6.1.e
    provision: voluntary
    objection:
      channels:
        - {opt_out_cookie: piwik_ignore, where: {de: Startseite, en: home page}}
        - {in_person: "Bürgerbüro, Rathausplatz 1"}
      limit: {norm: § 14 DSG NRW, text: {de: nicht bei zwingendem öffentlichem Interesse}}
  - id: booking
    legal_basis: 6.1.a
    offered_to_children: true
    provision: {kind: service, consequence: {de: Ohne Name kein Termin.}}
    consent:
      version: "1"
      withdraw: [{link: "https://beispiel.de/w"}, {kind: link, where: in Ihrer Bestätigung}]
datasets:
  - id: log
    description: Protokolldatei
    number: {de: singular, en: plural}
    table: log
    key: id
    time: {at: at}
    purposes: [stats]
    fields: {ip: {category: online_identifier, provided: false}}
    rules: [{after: 7d, from: at, delete: true}]
cookies:
  - {name: piwik_ignore, purpose: stats, lifetime: 2y, basis: strictly_necessary}
assumptions:
  - {path: "datasets[0].rules[0]", note: not in the notice}
additions:
  - {path: "purposes[1].provision", note: the controller states it}
`), "x.yaml")
	require.NoError(t, err)
	assert.Equal(t, "3", d.Version)
	assert.Equal(t, "2026-01-15", d.Date)
	p := d.Purposes[0]
	assert.Equal(t, &Provision{Kind: ProvisionVoluntary}, p.Provision)
	assert.Equal(t, []Channel{
		{Kind: ChannelOptOutCookie, Address: "piwik_ignore", Where: Text{DE: "Startseite", EN: "home page"}},
		{Kind: ChannelInPerson, Address: "Bürgerbüro, Rathausplatz 1"},
	}, p.Objection.Channels)
	assert.Equal(t, "§ 14 DSG NRW", p.Objection.Limit.Norm)
	b := d.Purposes[1]
	assert.True(t, b.OfferedToChildren)
	assert.Equal(t, DefaultMinAge, b.Consent.MinAge, "Art. 8(1) applies to a service offered to children")
	assert.Equal(t, ProvisionService, b.Provision.Kind)
	assert.Equal(t, []Channel{{Kind: ChannelLink, Address: "https://beispiel.de/w"}, {Kind: ChannelLink, Where: Text{DE: "in Ihrer Bestätigung"}}}, b.Consent.Withdraw)
	assert.Equal(t, NounNumber{DE: Singular, EN: Plural}, d.Datasets[0].Number)
	assert.True(t, d.Assumed("datasets[0].rules[0]"))
	assert.True(t, d.Assumed("datasets[0].rules[0].after"), "a mark covers what is under it")
	assert.False(t, d.Assumed("datasets[0].rules[0]x"))
	assert.False(t, d.Assumed("datasets[0]"))
	assert.True(t, d.Added("purposes[1].provision.kind"))
	assert.Equal(t, "x.yaml", d.Position("purposes[0].objection.channels[0].where").File)
}

func TestValidateRejectsMalformedNoticeFields(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(d *Declaration)
		path   string
		want   string
	}{
		{"a date that is no date", func(d *Declaration) { d.Date = "15.01.2026" }, "date", "YYYY-MM-DD"},
		{"an unknown gender", func(d *Declaration) { d.Controller.Gender = "f" }, "controller.gender", "not a grammatical gender"},
		{"an unknown number", func(d *Declaration) { d.Datasets[0].Number.EN = "many" }, "datasets[0].number.en", "not a grammatical number"},
		{"a provision of no kind", func(d *Declaration) { d.Purposes[0].Provision = &Provision{Kind: "maybe"} }, "purposes[0].provision.kind", "not a kind of Art. 13(2)(e)"},
		{"a statutory provision without its statute", func(d *Declaration) { d.Purposes[0].Provision = &Provision{Kind: ProvisionStatutory} }, "purposes[0].provision.norm", "the statute"},
		{"an objection limit without its norm", func(d *Declaration) {
			d.Purposes[0].Objection = &ObjectionSpec{Limit: &ObjectionLimit{Text: Text{DE: "x"}}}
		}, "purposes[0].objection.limit.norm", "§ 14 DSG NRW"},
		{"an assumption about nothing", func(d *Declaration) { d.Assumptions = []Annotation{{Path: "datasets[9].rules[0]", Note: "x"}} }, "assumptions[0].path", "names no value"},
		{"an addition of a misspelt field", func(d *Declaration) { d.Additions = []Annotation{{Path: "datasets[0].rulez", Note: "x"}} }, "additions[0].path", "names no value"},
		{"an assumption without a note", func(d *Declaration) { d.Assumptions = []Annotation{{Path: "datasets[0].rules[0]"}} }, "assumptions[0].note", "missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := cleanDeclaration()
			require.NoError(t, d.Validate())
			d = cleanDeclaration()
			tt.mutate(d)
			err := d.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.path+": ")
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestDescriptionNumberFollowsTheHeadNoun(t *testing.T) {
	tests := []struct {
		lang, desc string
		want       Number
	}{
		{"de", "Kundendatenbank (Anmeldedaten und Benutzer-Accounts)", Singular},
		{"de", "Terminbuchungen", Plural},
		{"de", "Protokolldatei des Webservers", Singular},
		{"de", "Server-Logfiles", Plural},
		{"de", "Vom Browser übermittelte Daten bei informatorischer Nutzung", Plural},
		{"de", "Logins mit Zeitpunkt und IP-Adresse", Plural},
		{"de", "Fehlerprotokoll für ein störfreies Netz-/Webangebot", Singular},
		{"en", "Web server log", Singular},
		{"en", "Data the browser sends when the service is visited", Singular},
		{"en", "Booked appointments", Plural},
		{"en", "Customer database (sign-up data and user accounts)", Singular},
		{"en", "Counselling appointments booked online", Plural},
		{"en", "Requests sent with the contact form", Plural},
		{"en", "Entries published by users (event calendar, register of associations)", Plural},
		{"en", "Error log for a trouble-free network and website", Singular},
	}
	for _, tt := range tests {
		ds := &Dataset{Description: Text{DE: tt.desc, EN: tt.desc}}
		assert.Equal(t, tt.want, ds.DescriptionNumber(tt.lang), tt.desc)
	}
	ds := &Dataset{Description: Text{DE: "Terminbuchungen"}, Number: NounNumber{DE: Singular}}
	assert.Equal(t, Singular, ds.DescriptionNumber("de"), "the declared number wins")
}

func TestControllerGenderFromTheName(t *testing.T) {
	assert.Equal(t, Feminine, (&Controller{Name: "Stadt Versmold"}).ControllerGender())
	assert.Equal(t, Neuter, (&Controller{Name: "Jobcenter Kreis Segeberg"}).ControllerGender())
	assert.Equal(t, Masculine, (&Controller{Name: "Kreis Unna"}).ControllerGender())
	assert.Equal(t, Gender(""), (&Controller{Name: "Stadt / Amt"}).ControllerGender(), "two bodies, no one article")
	assert.Equal(t, Gender(""), (&Controller{Name: "Beispiel GmbH"}).ControllerGender())
	assert.Equal(t, GenderPlural, (&Controller{Name: "Beispiel", Gender: GenderPlural}).ControllerGender())
}
