package policy

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cleanDeclaration is a declaration with no findings at all: the linter's
// baseline. Each case of TestLintRules breaks it in one way (bad) and
// repairs it another way (good).
func cleanDeclaration() *Declaration {
	return &Declaration{
		Date: "2026-01-15",
		Controller: Controller{
			Name:     "Stadt Beispiel",
			Address:  "Rathausplatz 1, 12345 Beispiel",
			Contact:  Contact{Email: "buergerbuero@beispiel.de"},
			TimeZone: "Europe/Berlin",
			Holidays: "DE-NW",
		},
		Measures:  Text{DE: "TLS, Zugriffsrechte nach Rollen, Protokollierung der Zugriffe"},
		DPO:       DPO{Address: "Rathausplatz 1, 12345 Beispiel", Contact: Contact{Email: "datenschutz@beispiel.de"}},
		Authority: Authority{Name: "LDI NRW", Address: "Kavalleriestr. 2-4, 40213 Düsseldorf"},
		Recipients: []Recipient{
			{ID: "host", Name: Text{DE: "Hosting GmbH"}, Role: RoleProcessor, Country: "DE"},
		},
		Purposes: []Purpose{
			{
				ID:          "website",
				Description: Text{DE: "Bereitstellung der Webseite", EN: "Delivering the website"},
				LegalBasis:  []LegalBasis{{Basis: PublicTask, National: []string{"§ 3 DSG NRW"}}},
				Provision:   &Provision{Kind: ProvisionVoluntary},
			},
			{
				ID:                "booking",
				Description:       Text{DE: "Terminbuchung", EN: "Booking an appointment"},
				LegalBasis:        []LegalBasis{{Basis: Consent}},
				SpecialCategories: "9.2.a",
				Provision:         &Provision{Kind: ProvisionService, Consequence: Text{DE: "Ohne diese Angaben kann kein Termin online gebucht werden.", EN: "Without this data no appointment can be booked online."}},
				Consent: &ConsentSpec{
					Version:  "2024-05",
					Withdraw: []Channel{{Kind: ChannelLink, Where: Text{DE: "in Ihrer Buchungsbestätigung", EN: "in your booking confirmation"}}},
				},
			},
		},
		Datasets: []Dataset{
			{
				ID:       "access_log",
				Table:    "access_log",
				Key:      "id",
				Marker:   "anonymized_at",
				Time:     []TimeColumn{{Name: "requested_at"}},
				Purposes: []string{"website"},
				Subjects: Text{DE: "Besucherinnen und Besucher der Webseite"},
				Fields: []Field{
					{Name: "ip", Category: CatOnlineIdentifier},
					{Name: "user_agent", Category: CatDevice},
				},
				Rules: []Rule{
					{After: MustParsePeriod("7d"), From: "requested_at", Anonymize: []FieldOp{{Field: "ip", Op: "ip_mask(v4=1, v6=80)"}}},
					{After: MustParsePeriod("14d"), From: "requested_at", Delete: true},
				},
			},
			{
				ID:         "appointment",
				Table:      "appointments",
				Key:        "id",
				Subject:    "citizen_id",
				Marker:     "anonymized_at",
				Time:       []TimeColumn{{Name: "appointment_at", Column: "starts_at"}},
				Purposes:   []string{"booking"},
				Recipients: []string{"host"},
				Subjects:   Text{DE: "Bürgerinnen und Bürger, die einen Termin buchen"},
				Fields: []Field{
					{Name: "name", Category: CatIdentity, Required: true},
					{Name: "concern", Category: CatFreeText, Special: true},
				},
				Rules: []Rule{
					{After: MustParsePeriod("14d"), From: "appointment_at", Delete: true},
					{On: EventCancelled, Delete: true},
					{On: EventConsentWithdrawn, Delete: true},
				},
			},
		},
		Cookies: []Cookie{
			{Name: "session", Purpose: "booking", Session: true, Basis: StrictlyNecessary},
		},
	}
}

func findingsWithID(fs []Finding, id string) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.ID == id {
			out = append(out, f)
		}
	}
	return out
}

func TestLintCleanDeclarationHasNoFindings(t *testing.T) {
	d := cleanDeclaration()
	require.NoError(t, d.Validate())
	assert.Empty(t, Lint(d))
}

func TestLintNilDeclarationHasNoFindings(t *testing.T) {
	assert.Nil(t, Lint(nil))
}

// TestLintRules pins each check with a declaration that fails it and one
// that passes it, both derived from cleanDeclaration.
func TestLintRules(t *testing.T) {
	tests := []lintCase{
		{
			id: "FR001", name: "a personal field that only an event rule ends is kept indefinitely",
			bad: func(d *Declaration) {
				d.Datasets[1].Rules = d.Datasets[1].Rules[1:] // only on: cancelled / consent_withdrawn
			},
			good: func(d *Declaration) {
				d.Datasets[1].Rules = append(d.Datasets[1].Rules[1:], Rule{After: MustParsePeriod("2w"), From: "appointment_at", Anonymize: []FieldOp{{Field: "name", Op: "null"}, {Field: "concern", Op: "redact"}}})
			},
			path: "datasets[1].fields[0]",
		},
		{
			id: "FR001", name: "a pseudonym does not end personal data",
			bad: func(d *Declaration) {
				d.Datasets[0].Rules = []Rule{{After: MustParsePeriod("7d"), From: "requested_at", Anonymize: []FieldOp{{Field: "ip", Op: "pseudonym(key=logs)"}, {Field: "user_agent", Op: "null"}}}}
			},
			good: func(d *Declaration) {
				d.Datasets[0].Rules = []Rule{{After: MustParsePeriod("7d"), From: "requested_at", Anonymize: []FieldOp{{Field: "ip", Op: "ip_mask(v4=1, v6=80)"}, {Field: "user_agent", Op: "null"}}}}
			},
			path: "datasets[0].fields[0]",
		},
		{
			id: "FR002", name: "a dataset with personal fields and no rules",
			bad:  func(d *Declaration) { d.Datasets[0].Rules = nil },
			good: func(d *Declaration) { d.Datasets[0].Rules = d.Datasets[0].Rules[1:] },
			path: "datasets[0].rules",
		},
		{
			id: "FR003", name: "a contact form deleted only when the matter is settled has no backstop",
			bad: func(d *Declaration) {
				d.Datasets[1].Rules = []Rule{{On: EventMatterSettled, Delete: true}}
			},
			good: func(d *Declaration) {
				d.Datasets[1].Rules = []Rule{{On: EventMatterSettled, Delete: true}, {After: MustParsePeriod("1y"), From: "appointment_at", Delete: true}}
			},
			path: "datasets[1].rules[0].on",
		},
		{
			id: "FR004", name: "a delete after 7d with keep_at_least 6y",
			bad: func(d *Declaration) {
				d.Datasets[1].Rules[0] = Rule{After: MustParsePeriod("7d"), From: "appointment_at", Delete: true,
					KeepAtLeast: &Minimum{Period: MustParsePeriod("6y"), Norm: "§ 147 AO"}}
			},
			good: func(d *Declaration) {
				d.Datasets[1].Rules[0] = Rule{After: MustParsePeriod("6y from year end"), From: "appointment_at", Delete: true,
					KeepAtLeast: &Minimum{Period: MustParsePeriod("6y"), Norm: "§ 147 AO"}}
			},
			path: "datasets[1].rules[0].after",
		},
		{
			id: "FR004", name: "a 30-day delete can end before another rule's one-month minimum",
			bad: func(d *Declaration) {
				d.Datasets[1].Rules[0].After = MustParsePeriod("30d")
				d.Datasets[1].Rules = append(d.Datasets[1].Rules, Rule{After: MustParsePeriod("1y"), From: "appointment_at",
					Anonymize: []FieldOp{{Field: "name", Op: "null"}}, KeepAtLeast: &Minimum{Period: MustParsePeriod("1mo"), Norm: "§ 1 Test"}})
			},
			good: func(d *Declaration) {
				d.Datasets[1].Rules[0].After = MustParsePeriod("31d")
				d.Datasets[1].Rules = append(d.Datasets[1].Rules, Rule{After: MustParsePeriod("1y"), From: "appointment_at",
					Anonymize: []FieldOp{{Field: "name", Op: "null"}}, KeepAtLeast: &Minimum{Period: MustParsePeriod("1mo"), Norm: "§ 1 Test"}})
			},
			path: "datasets[1].rules[0].after",
		},
		{
			id: "FR005", name: "IP addresses kept 30 days before anonymization",
			bad:  func(d *Declaration) { d.Datasets[0].Rules[0].After = MustParsePeriod("30d") },
			good: func(d *Declaration) { d.Datasets[0].Rules[0].After = MustParsePeriod("168h") },
			path: "datasets[0].fields[0]",
		},
		{
			id: "FR006", name: "an anonymization at the same time as the deletion never takes effect",
			bad:  func(d *Declaration) { d.Datasets[0].Rules[1].After = MustParsePeriod("7d") },
			good: func(d *Declaration) { d.Datasets[0].Rules[1].After = MustParsePeriod("8d") },
			path: "datasets[0].rules[0].after",
		},
		{
			id: "FR007", name: "sha256 on an IP address is an unkeyed hash",
			bad:  func(d *Declaration) { d.Datasets[0].Rules[0].Anonymize[0].Op = "sha256" },
			good: func(d *Declaration) { d.Datasets[0].Rules[0].Anonymize[0].Op = "pseudonym(key=logs)" },
			path: "datasets[0].rules[0].anonymize[0].op",
		},
		{
			id: "FR007", name: "an unkeyed hash spelt in capitals is still an unkeyed hash",
			bad:  func(d *Declaration) { d.Datasets[0].Rules[0].Anonymize[0].Op = "SHA-256" },
			good: func(d *Declaration) { d.Datasets[0].Rules[0].Anonymize[0].Op = "ip_mask(v4=2, v6=80)" },
			path: "datasets[0].rules[0].anonymize[0].op",
		},
		{
			id: "FR008", name: "an operator that does not parse",
			bad:  func(d *Declaration) { d.Datasets[0].Rules[0].Anonymize[0].Op = "ip_mask(v4=9)" },
			good: func(d *Declaration) { d.Datasets[0].Rules[0].Anonymize[0].Op = "ip_mask(v4=1)" },
			path: "datasets[0].rules[0].anonymize[0].op",
		},
		{
			// The lead that once passed frist check and deleted every
			// appointment before it took place.
			id: "FR009", name: "a lead of 9000 hours on a 14-day rule",
			bad:  func(d *Declaration) { d.Datasets[1].Rules[0].Lead = 9000 * time.Hour },
			good: func(d *Declaration) { d.Datasets[1].Rules[0].Lead = 3 * time.Hour },
			path: "datasets[1].rules[0].lead",
		},
		{
			id: "FR009", name: "a lead just over a tenth of a 14-day rule",
			bad:  func(d *Declaration) { d.Datasets[1].Rules[0].Lead = 33*time.Hour + 31*time.Minute },
			good: func(d *Declaration) { d.Datasets[1].Rules[0].Lead = 33*time.Hour + 30*time.Minute },
			path: "datasets[1].rules[0].lead",
		},
		{
			id: "FR010", name: "a public authority relying on Art. 6(1)(f)",
			bad: func(d *Declaration) {
				d.Controller.PublicAuthority = true
				d.Purposes[0].LegalBasis = append(d.Purposes[0].LegalBasis, LegalBasis{Basis: LegitimateInterests})
				d.Purposes[0].LegitimateInterest = Text{DE: "Sicherheit"}
			},
			good: func(d *Declaration) {
				d.Purposes[0].LegalBasis = append(d.Purposes[0].LegalBasis, LegalBasis{Basis: LegitimateInterests})
				d.Purposes[0].LegitimateInterest = Text{DE: "Sicherheit"}
			},
			path: "purposes[0].legal_basis[1]",
		},
		{
			id: "FR011", name: "Art. 6(1)(f) without the interest",
			bad: func(d *Declaration) {
				d.Purposes[0].LegalBasis = []LegalBasis{{Basis: LegitimateInterests}}
			},
			good: func(d *Declaration) {
				d.Purposes[0].LegalBasis = []LegalBasis{{Basis: LegitimateInterests}}
				d.Purposes[0].LegitimateInterest = Text{DE: "Abwehr von Angriffen"}
			},
			path: "purposes[0].legitimate_interest",
		},
		{
			id: "FR012", name: "consent without a withdrawal channel",
			bad: func(d *Declaration) { d.Purposes[1].Consent.Withdraw = nil },
			good: func(d *Declaration) {
				d.Purposes[1].Consent.Withdraw = []Channel{{Kind: ChannelEmail, Address: "a@b.de"}}
			},
			path: "purposes[1].consent.withdraw",
		},
		{
			id: "FR013", name: "consent without a version",
			bad:  func(d *Declaration) { d.Purposes[1].Consent.Version = "" },
			good: func(d *Declaration) { d.Purposes[1].Consent.Version = "1" },
			path: "purposes[1].consent.version",
		},
		{
			id: "FR014", name: "a public authority relying on consent",
			bad:  func(d *Declaration) { d.Controller.PublicAuthority = true },
			good: func(d *Declaration) { d.Controller.PublicAuthority = false },
			path: "purposes[1].legal_basis[0]",
		},
		{
			id: "FR015", name: "special categories without an Art. 9(2) condition",
			bad:  func(d *Declaration) { d.Purposes[1].SpecialCategories = "" },
			good: func(d *Declaration) { d.Purposes[1].SpecialCategories = ""; d.Datasets[1].Fields[1].Special = false },
			path: "datasets[1].purposes[0]",
		},
		{
			id: "FR016", name: "consent with special categories under another condition than 9.2.a",
			bad:  func(d *Declaration) { d.Purposes[1].SpecialCategories = "9.2.b" },
			good: func(d *Declaration) { d.Purposes[1].SpecialCategories = "9.2.a" },
			path: "purposes[1].special_categories",
		},
		{
			id: "FR017", name: "a purpose that no dataset or cookie uses",
			bad: func(d *Declaration) {
				d.Purposes = append(d.Purposes, Purpose{ID: "stats", Description: Text{DE: "Statistik"}, LegalBasis: []LegalBasis{{Basis: PublicTask}}})
			},
			good: func(d *Declaration) {
				d.Purposes = append(d.Purposes, Purpose{ID: "stats", Description: Text{DE: "Statistik"}, LegalBasis: []LegalBasis{{Basis: PublicTask}}})
				d.Datasets[0].Purposes = append(d.Datasets[0].Purposes, "stats")
			},
			path: "purposes[2]",
		},
		{
			id: "FR020", name: "a DPO with a name but no contact",
			bad:  func(d *Declaration) { d.DPO = DPO{Name: "Herr Muster"} },
			good: func(d *Declaration) { d.DPO = DPO{Name: "Herr Muster", Address: "Postfach 1"} },
			path: "dpo",
		},
		{
			id: "FR021", name: "neither an authority nor the right to complain",
			bad:  func(d *Declaration) { d.Authority = Authority{}; d.Rights = []Right{RightAccess} },
			good: func(d *Declaration) { d.Authority = Authority{Name: "BfDI"}; d.Rights = []Right{RightAccess} },
			path: "authority",
		},
		{
			id: "FR022", name: "the right to complain without naming the authority",
			bad:  func(d *Declaration) { d.Authority = Authority{} },
			good: func(d *Declaration) { d.Authority = Authority{Name: "BfDI"} },
			path: "authority",
		},
		{
			id: "FR023", name: "declared rights that omit restriction",
			bad: func(d *Declaration) {
				d.Rights = []Right{RightAccess, RightRectification, RightErasure, RightObjection, RightPortability, RightWithdrawal, RightComplaint}
			},
			good: func(d *Declaration) {
				d.Rights = []Right{RightAccess, RightRectification, RightErasure, RightRestriction, RightObjection, RightPortability, RightWithdrawal, RightComplaint}
			},
			path:    "rights",
			article: "Art. 13(2)(b), Art. 18 DSGVO",
		},
		{
			id: "FR024", name: "portability promised for processing under Art. 6(1)(e) only",
			bad: func(d *Declaration) {
				d.Purposes[1].LegalBasis = []LegalBasis{{Basis: PublicTask}}
				d.Purposes[1].Consent = nil
				d.Purposes[1].SpecialCategories = "9.2.g"
				d.Rights = []Right{RightAccess, RightRectification, RightErasure, RightRestriction, RightObjection, RightComplaint, RightPortability}
			},
			good: func(d *Declaration) {
				d.Rights = []Right{RightAccess, RightRectification, RightErasure, RightRestriction, RightObjection, RightWithdrawal, RightComplaint, RightPortability}
			},
			path: "rights[6]",
		},
		{
			id: "FR030", name: "a US recipient without a safeguard",
			bad: func(d *Declaration) { d.Recipients[0].Country = "US" },
			good: func(d *Declaration) {
				d.Recipients[0].Country = "US"
				d.Recipients[0].Safeguard = Text{DE: "SCC (Art. 46(2)(c))"}
			},
			path: "recipients[0].safeguard",
		},
		{
			id: "FR030", name: "Norway is in the EEA",
			bad:  func(d *Declaration) { d.Recipients[0].Country = "ch" },
			good: func(d *Declaration) { d.Recipients[0].Country = "NO" },
			path: "recipients[0].safeguard",
		},
		{
			id: "FR031", name: "a public body that may receive every record or only some",
			bad: func(d *Declaration) { d.Recipients[0].Role = RolePublicBody },
			good: func(d *Declaration) {
				d.Recipients[0].Role, d.Recipients[0].Disclosure = RolePublicBody, DisclosureRoutine
			},
			path: "recipients[0].disclosure",
		},
		{
			id: "FR031", name: "case by case, declared, is enough",
			bad: func(d *Declaration) { d.Recipients[0].Role = RoleController },
			good: func(d *Declaration) {
				d.Recipients[0].Role, d.Recipients[0].Disclosure = RoleController, DisclosureCaseByCase
			},
			path: "recipients[0].disclosure",
		},
		{
			id: "FR040", name: "a cookie with no § 25 footing",
			bad:  func(d *Declaration) { d.Cookies[0].Basis = "" },
			good: func(d *Declaration) { d.Cookies[0].Basis = ConsentBased },
			path: "cookies[0].basis",
		},
		{
			id: "FR041", name: "an opt-out analytics cookie declared strictly necessary",
			bad: func(d *Declaration) {
				d.Purposes[0].Objection = &ObjectionSpec{Channels: []Channel{{Kind: ChannelCookie, Address: "piwik_ignore"}}}
				d.Cookies[0].Purpose = "website"
			},
			good: func(d *Declaration) {
				d.Purposes[0].Objection = &ObjectionSpec{Channels: []Channel{{Kind: ChannelCookie, Address: "piwik_ignore"}}}
				d.Cookies[0].Purpose = "website"
				d.Cookies[0].Basis = ConsentBased
				// The opt-out cookie itself is strictly necessary.
				d.Cookies = append(d.Cookies, Cookie{Name: "piwik_ignore", Purpose: "website", Lifetime: MustParsePeriod("2y"), Basis: StrictlyNecessary})
			},
			path: "cookies[0].basis",
		},
		{
			id: "FR042", name: "a persistent cookie without a lifetime",
			bad:  func(d *Declaration) { d.Cookies[0].Session = false },
			good: func(d *Declaration) { d.Cookies[0].Session = false; d.Cookies[0].Lifetime = MustParsePeriod("1y") },
			path: "cookies[0].lifetime",
		},
		{
			id: "FR018", name: "Art. 6(1)(e) without the provision that assigns the task",
			bad:  func(d *Declaration) { d.Purposes[0].LegalBasis[0].National = nil },
			good: func(d *Declaration) { d.Purposes[0].LegalBasis[0].National = []string{"§ 4 BayDSG"} },
			path: "purposes[0].legal_basis[0]",
		},
		{
			id: "FR018", name: "Art. 6(1)(c) without the law that lays down the obligation",
			bad: func(d *Declaration) { d.Purposes[0].LegalBasis = []LegalBasis{{Basis: LegalObligation}} },
			good: func(d *Declaration) {
				d.Purposes[0].LegalBasis = []LegalBasis{{Basis: LegalObligation, National: []string{"§ 147 AO"}}}
			},
			path: "purposes[0].legal_basis[0]",
		},
		{
			id: "FR019", name: "a public authority books appointments under Art. 6(1)(b)",
			bad: func(d *Declaration) {
				d.Controller.PublicAuthority = true
				d.Purposes[1].LegalBasis = []LegalBasis{{Basis: Contract}}
				d.Purposes[1].Consent = nil
				d.Purposes[1].SpecialCategories = "9.2.g"
			},
			good: func(d *Declaration) {
				d.Purposes[1].LegalBasis = []LegalBasis{{Basis: Contract}}
				d.Purposes[1].Consent = nil
				d.Purposes[1].SpecialCategories = "9.2.g"
			},
			path: "purposes[1].legal_basis[0]",
		},
		{
			id: "FR025", name: "a controller reachable only by post",
			bad:  func(d *Declaration) { d.Controller.Contact = Contact{Web: "https://beispiel.de"} },
			good: func(d *Declaration) { d.Controller.Contact = Contact{Phone: "+49 2361 50-0"} },
			path: "controller.contact",
		},
		{
			id: "FR026", name: "withdrawal promised when nothing rests on consent",
			bad: func(d *Declaration) {
				d.Purposes[1].LegalBasis = []LegalBasis{{Basis: PublicTask, National: []string{"§ 3 DSG NRW"}}}
				d.Purposes[1].Consent = nil
				d.Purposes[1].SpecialCategories = "9.2.g"
				d.Rights = []Right{RightAccess, RightRectification, RightErasure, RightRestriction, RightObjection, RightComplaint, RightWithdrawal}
			},
			good: func(d *Declaration) {
				d.Rights = []Right{RightAccess, RightRectification, RightErasure, RightRestriction, RightObjection, RightPortability, RightComplaint, RightWithdrawal}
			},
			path: "rights[6]",
		},
		{
			id: "FR027", name: "a controller in Europe/Berlin without holidays",
			bad:  func(d *Declaration) { d.Controller.Holidays = "" },
			good: func(d *Declaration) { d.Controller.Holidays = "DE-SH" },
			path: "controller.holidays",
		},
		{
			id: "FR027", name: "a German address without holidays, in UTC",
			bad: func(d *Declaration) {
				d.Controller.Holidays, d.Controller.TimeZone = "", ""
				d.Controller.Address = "Rathausplatz 1, 12345 Beispiel, Deutschland"
			},
			good: func(d *Declaration) {
				d.Controller.Holidays, d.Controller.TimeZone = "", "Europe/Vienna"
				d.Controller.Address = "Rathausplatz 1, 1010 Wien"
				d.Purposes[0].LegalBasis[0].National = []string{"§ 8 DSG (AT)"}
			},
			path: "controller.holidays",
		},
		{
			id: "FR043", name: "a Matomo cookie declared strictly necessary with no opt-out declared",
			bad: func(d *Declaration) {
				d.Cookies = append(d.Cookies, Cookie{Name: "_pk_id.1.abcd", Purpose: "website", Lifetime: MustParsePeriod("13mo"), Basis: StrictlyNecessary})
			},
			good: func(d *Declaration) {
				d.Cookies = append(d.Cookies, Cookie{Name: "_pk_id.1.abcd", Purpose: "website", Lifetime: MustParsePeriod("13mo"), Basis: ConsentBased})
			},
			path: "cookies[1].basis",
		},
		{
			id: "FR043", name: "a cookie whose purpose is web analytics, whatever its name",
			bad: func(d *Declaration) {
				d.Purposes[0].Description = Text{DE: "Webanalyse und Statistik"}
				d.Cookies = append(d.Cookies, Cookie{Name: "visitor", Purpose: "website", Session: true, Basis: StrictlyNecessary})
			},
			good: func(d *Declaration) {
				d.Purposes[0].Description = Text{DE: "Webanalyse und Statistik"}
				// The cookie that stores the user's refusal is needed to respect it.
				d.Cookies = append(d.Cookies, Cookie{Name: "analytics_optout", Purpose: "website", Lifetime: MustParsePeriod("1y"), Basis: StrictlyNecessary})
			},
			path: "cookies[1].basis",
		},
		{
			id: "FR050", name: "server-log data under consent alone",
			bad: func(d *Declaration) {
				d.Datasets[0].Purposes = []string{"booking"}
				d.Datasets[0].Fields[0].Provided = new(bool)
				d.Datasets[0].Fields[1].Provided = new(bool)
			},
			good: func(d *Declaration) {
				d.Datasets[0].Purposes = []string{"booking", "website"}
				d.Datasets[0].Fields[0].Provided = new(bool)
				d.Datasets[0].Fields[1].Provided = new(bool)
			},
			path: "datasets[0].purposes[0]",
		},
		{
			id: "FR050", name: "a log file bound dataset under consent alone",
			bad: func(d *Declaration) {
				d.Datasets[0].Purposes = []string{"booking"}
				d.Datasets[0].Table = ""
				d.Datasets[0].Files = &FileBinding{Dir: "/var/log/nginx", Pattern: "access.log*", Format: "combined"}
			},
			good: func(d *Declaration) {
				d.Datasets[0].Table = ""
				d.Datasets[0].Files = &FileBinding{Dir: "/var/log/nginx", Pattern: "access.log*", Format: "combined"}
			},
			path: "datasets[0].purposes[0]",
		},
		{
			id: "FR051", name: "online consent withdrawn only by letter",
			bad: func(d *Declaration) {
				d.Purposes[1].Consent.Withdraw = []Channel{{Kind: ChannelPost, Address: "Rathausplatz 1"}}
			},
			good: func(d *Declaration) {
				d.Purposes[1].Consent.Withdraw = []Channel{{Kind: ChannelPost, Address: "Rathausplatz 1"}, {Kind: ChannelEmail, Address: "a@b.de"}}
			},
			path: "purposes[1].consent.withdraw",
		},
		{
			id: "FR051", name: "an objection only by phone",
			bad: func(d *Declaration) {
				d.Purposes[0].Objection = &ObjectionSpec{Channels: []Channel{{Kind: ChannelPhone, Address: "+49 1"}}}
			},
			good: func(d *Declaration) {
				d.Purposes[0].Objection = &ObjectionSpec{Channels: []Channel{{Kind: ChannelForm, Address: "https://beispiel.de/widerspruch"}}}
			},
			path:    "purposes[0].objection.channels",
			article: "Art. 12(2), Art. 21(5) DSGVO",
		},
		{
			id: "FR052", name: "consent withdrawn by deleting a cookie",
			bad: func(d *Declaration) {
				d.Purposes[1].Consent.Withdraw = []Channel{{Kind: ChannelLink}, {Kind: ChannelCookie, Address: "disclaimer"}}
			},
			good: func(d *Declaration) { d.Purposes[1].Consent.Withdraw = []Channel{{Kind: ChannelLink}} },
			path: "purposes[1].consent.withdraw[1]",
		},
		{
			id: "FR052", name: "an objection by deleting a cookie",
			bad: func(d *Declaration) {
				d.Purposes[0].Objection = &ObjectionSpec{Channels: []Channel{{Kind: ChannelCookie, Address: "piwik_ignore"}}}
			},
			good: func(d *Declaration) {
				d.Purposes[0].Objection = &ObjectionSpec{Channels: []Channel{{Kind: ChannelEmail, Address: "datenschutz@beispiel.de"}}}
			},
			path:    "purposes[0].objection.channels[0]",
			article: "Art. 21(1), 21(5) DSGVO",
		},
		{
			id: "FR060", name: "a dataset with personal data and no subjects",
			bad:  func(d *Declaration) { d.Datasets[1].Subjects = Text{} },
			good: func(d *Declaration) { d.Datasets[1].Subjects = Text{EN: "citizens who book"} },
			path: "datasets[1].subjects",
		},
		{
			id: "FR061", name: "no technical and organisational measures",
			bad:  func(d *Declaration) { d.Measures = Text{} },
			good: func(d *Declaration) { d.Measures = Text{DE: "siehe IT-Sicherheitskonzept vom 1. März 2024"} },
			path: "measures",
		},
		{
			id: "FR070", name: "consent under § 35 DSG NRW and § 12 TMG",
			bad: func(d *Declaration) {
				d.Purposes[1].LegalBasis[0].National = []string{"§ 35 DSG NRW", "§ 12 TMG"}
			},
			good:    func(d *Declaration) { d.Purposes[1].LegalBasis[0].National = nil },
			path:    "purposes[1].legal_basis[0].national[0]",
			article: "Art. 5(1)(a), Art. 12(1), Art. 13(1)(c) DSGVO; Art. 2(2)(d) DSGVO; § 35 DSG NRW",
		},
		{
			id: "FR070", name: "Sperrung in a text",
			bad: func(d *Declaration) {
				d.Datasets[1].Rules[1].Description = Text{DE: "Sperrung nach Stornierung"}
			},
			good: func(d *Declaration) {
				d.Datasets[1].Rules[1].Description = Text{DE: "Einschränkung der Verarbeitung nach Stornierung"}
			},
			path:    "datasets[1].rules[1].description",
			article: "Art. 5(1)(a), Art. 12(1), Art. 13(1)(c) DSGVO; Art. 18 DSGVO",
		},
	}
	tests = append(tests, noticeLintCases()...)
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.id] = true
		t.Run(tt.id+" "+tt.name, func(t *testing.T) {
			bad := cleanDeclaration()
			tt.bad(bad)
			_ = bad.Validate() // some bad declarations are invalid too; Lint must not depend on it
			got := findingsWithID(Lint(bad), tt.id)
			require.NotEmpty(t, got, "bad declaration must produce %s", tt.id)
			assert.Equal(t, tt.path, got[0].Path)
			check := checkByID(t, tt.id)
			assert.Equal(t, check.Severity, got[0].Severity)
			if tt.article != "" {
				assert.Equal(t, tt.article, got[0].Article)
			} else {
				assert.Contains(t, got[0].Article, check.Article)
			}
			assert.NotEmpty(t, got[0].Message)
			assert.NotEmpty(t, got[0].Hint)
			assert.Nil(t, got[0].Acknowledged)

			good := cleanDeclaration()
			tt.good(good)
			require.NoError(t, good.Validate())
			assert.Empty(t, findingsWithID(Lint(good), tt.id), "good declaration must not produce %s", tt.id)
		})
	}
	for _, c := range LintChecks() {
		assert.True(t, covered[c.ID], "check %s has no table case", c.ID)
	}
}

func checkByID(t *testing.T, id string) LintCheck {
	t.Helper()
	for _, c := range LintChecks() {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no check %s", id)
	return LintCheck{}
}

func TestLintChecksHaveUniqueOrderedIDsAndCitations(t *testing.T) {
	cs := LintChecks()
	require.NotEmpty(t, cs)
	for i, c := range cs {
		assert.Regexp(t, `^FR\d{3}$`, c.ID)
		assert.NotEmpty(t, c.Article, c.ID)
		assert.NotEmpty(t, c.Title, c.ID)
		assert.Contains(t, []Severity{SeverityError, SeverityWarning, SeverityInfo}, c.Severity, c.ID)
		if i > 0 {
			assert.Less(t, cs[i-1].ID, c.ID, "checks must be ordered by ID")
		}
	}
}

func TestLintFindingsForFieldsNameTheField(t *testing.T) {
	d := cleanDeclaration()
	d.Datasets[1].Rules = nil
	d.Datasets[1].Rules = []Rule{{On: EventCancelled, Delete: true}}
	require.NoError(t, d.Validate())
	got := findingsWithID(Lint(d), "FR001")
	require.Len(t, got, 2)
	assert.Equal(t, "datasets[1].fields[0]", got[0].Path)
	assert.Contains(t, got[0].Message, "field name (identity) of dataset appointment")
	assert.Contains(t, got[0].Message, "cancelled")
	assert.Equal(t, "datasets[1].fields[1]", got[1].Path)
}

func TestLintDeleteBeforeMinimumCitesTheNorm(t *testing.T) {
	d := cleanDeclaration()
	d.Datasets[1].Rules[0].After = MustParsePeriod("7d")
	d.Datasets[1].Rules[0].KeepAtLeast = &Minimum{Period: MustParsePeriod("6y"), Norm: "§ 147 AO"}
	require.NoError(t, d.Validate())
	got := findingsWithID(Lint(d), "FR004")
	require.Len(t, got, 1)
	assert.Equal(t, "Art. 17(3)(b) DSGVO; § 147 AO", got[0].Article)
	assert.Contains(t, got[0].Message, "after 7d")
	assert.Contains(t, got[0].Message, "its own keep_at_least requires keeping them at least 6y (§ 147 AO)")
}

func TestLintMinimumFromAnotherTimeColumnIsNotCompared(t *testing.T) {
	d := cleanDeclaration()
	d.Datasets[1].Time = append(d.Datasets[1].Time, TimeColumn{Name: "booked_at"})
	d.Datasets[1].Rules[0].After = MustParsePeriod("7d")
	d.Datasets[1].Rules[0].KeepAtLeast = &Minimum{Period: MustParsePeriod("6y"), From: "booked_at", Norm: "§ 147 AO"}
	require.NoError(t, d.Validate())
	assert.Empty(t, findingsWithID(Lint(d), "FR004"))
}

func TestLintRightsOmittedAreReportedOnePerRight(t *testing.T) {
	d := cleanDeclaration()
	// Recklinghausen's notice states only withdrawal.
	d.Rights = []Right{RightWithdrawal}
	require.NoError(t, d.Validate())
	got := findingsWithID(Lint(d), "FR023")
	var msgs []string
	for _, f := range got {
		assert.Equal(t, "rights", f.Path)
		msgs = append(msgs, f.Message)
	}
	assert.Equal(t, []string{
		"the declared rights omit the right to access",
		"the declared rights omit the right to data portability (processing under Art. 6(1)(a) or (b))",
		"the declared rights omit the right to erasure",
		"the declared rights omit the right to objection (processing under Art. 6(1)(e) or (f))",
		"the declared rights omit the right to rectification",
		"the declared rights omit the right to restriction of processing",
	}, msgs)
	assert.Equal(t, "Art. 13(2)(b), Art. 15 DSGVO", got[0].Article)
}

func TestLintAcknowledgements(t *testing.T) {
	tests := []struct {
		name      string
		ack       Acknowledgement
		wantAcked []string // paths of FR001 findings that are acknowledged
		wantStale bool
	}{
		{"an acknowledgement without path covers every occurrence",
			Acknowledgement{Finding: "FR001", Reason: "r"}, []string{"datasets[1].fields[0]", "datasets[1].fields[1]"}, false},
		{"an acknowledgement with a path covers that finding only",
			Acknowledgement{Finding: "FR001", Path: "datasets[1].fields[1]", Reason: "r"}, []string{"datasets[1].fields[1]"}, false},
		{"an acknowledgement of an enclosing path covers the findings inside it",
			Acknowledgement{Finding: "FR001", Path: "datasets[1]", Reason: "r"}, []string{"datasets[1].fields[0]", "datasets[1].fields[1]"}, false},
		{"a path prefix that is not an element boundary covers nothing",
			Acknowledgement{Finding: "FR001", Path: "datasets[1].fields[", Reason: "r"}, nil, true},
		{"an acknowledgement of another ID covers nothing and is reported stale",
			Acknowledgement{Finding: "FR010", Reason: "r"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := cleanDeclaration()
			d.Datasets[1].Rules = []Rule{{On: EventCancelled, Delete: true}}
			d.Acknowledged = []Acknowledgement{tt.ack}
			require.NoError(t, d.Validate())
			fs := Lint(d)
			var acked []string
			for _, f := range findingsWithID(fs, "FR001") {
				if f.Acknowledged != nil {
					assert.Equal(t, tt.ack, *f.Acknowledged)
					assert.False(t, f.Blocking())
					acked = append(acked, f.Path)
				} else {
					assert.True(t, f.Blocking())
				}
			}
			assert.Equal(t, tt.wantAcked, acked)
			stale := findingsWithID(fs, "FR099")
			if tt.wantStale {
				require.Len(t, stale, 1)
				assert.Equal(t, "acknowledged[0]", stale[0].Path)
				assert.Equal(t, SeverityWarning, stale[0].Severity)
			} else {
				assert.Empty(t, stale)
			}
		})
	}
}

func TestLintAcknowledgedFindingIsACopy(t *testing.T) {
	d := cleanDeclaration()
	d.Authority = Authority{}
	d.Acknowledged = []Acknowledgement{{Finding: "FR022", Reason: "named in the main notice"}}
	fs := Lint(d)
	require.Len(t, fs, 1)
	fs[0].Acknowledged.Reason = "changed"
	assert.Equal(t, "named in the main notice", d.Acknowledged[0].Reason)
}

func TestLintIsDeterministicAndSorted(t *testing.T) {
	d := cleanDeclaration()
	d.Controller.PublicAuthority = true
	d.DPO = DPO{}
	d.Authority = Authority{}
	for i := range 12 {
		d.Datasets = append(d.Datasets, Dataset{ID: "extra" + string(rune('a'+i)), Key: "id", Purposes: []string{"website"},
			Fields: []Field{{Name: "x", Category: CatContact}}})
	}
	first := Lint(d)
	require.NotEmpty(t, first)
	for range 5 {
		assert.Equal(t, first, Lint(d))
	}
	assert.True(t, slices.IsSortedFunc(first, compareFindings))
	// Numeric order of indexes: datasets[2] before datasets[10].
	var paths []string
	for _, f := range findingsWithID(first, "FR002") {
		paths = append(paths, f.Path)
	}
	require.Len(t, paths, 12)
	assert.Equal(t, "datasets[2].rules", paths[0])
	assert.Equal(t, "datasets[3].rules", paths[1])
	assert.Equal(t, "datasets[13].rules", paths[11])
}

func TestLintDoesNotModifyTheDeclaration(t *testing.T) {
	d := cleanDeclaration()
	d.Datasets[0].Rules[0].Anonymize[0].Op = "sha256"
	d.Acknowledged = []Acknowledgement{{Finding: "FR007", Reason: "test"}}
	before, err := json.Marshal(d)
	require.NoError(t, err)
	Lint(d)
	after, err := json.Marshal(d)
	require.NoError(t, err)
	assert.JSONEq(t, string(before), string(after))
}

func TestLintFindingJSONShape(t *testing.T) {
	d := cleanDeclaration()
	d.DPO = DPO{}
	fs := Lint(d)
	require.Len(t, fs, 1)
	b, err := json.Marshal(fs[0])
	require.NoError(t, err)
	assert.JSONEq(t, `{
		"id": "FR020", "severity": "error", "article": "Art. 13(1)(b), Art. 37(1)(a) DSGVO",
		"path": "dpo", "position": {},
		"message": "the declaration gives no contact details of the data-protection officer",
		"hint": "add dpo: {address: ..., contact: {email: ...}} with an address that reaches the officer directly"
	}`, string(b))
}

func TestPeriodComparison(t *testing.T) {
	tests := []struct {
		p, q    string
		earlier bool
	}{
		{"7d", "6y", true},
		{"6y", "7d", false},
		{"12mo", "1y", false},
		{"1y", "12mo", false},
		{"30d", "1mo", true},  // from 1 January
		{"31d", "1mo", false}, // no month is longer
		{"48h", "2d", false},  // equal in UTC
		{"6y", "6y from year end", true},
		{"2w", "14d", false},
	}
	for _, tt := range tests {
		t.Run(tt.p+" vs "+tt.q, func(t *testing.T) {
			assert.Equal(t, tt.earlier, periodEarlier(MustParsePeriod(tt.p), MustParsePeriod(tt.q)))
		})
	}
}

func TestComparePaths(t *testing.T) {
	paths := []string{"rights", "datasets[10].rules", "datasets[2].fields[1]", "datasets[2]", "datasets[2].fields[10]", "authority", "datasets[2].fields[9]"}
	slices.SortFunc(paths, comparePaths)
	assert.Equal(t, []string{"authority", "datasets[2]", "datasets[2].fields[1]", "datasets[2].fields[9]", "datasets[2].fields[10]", "datasets[10].rules", "rights"}, paths)
}

// TestLintPublicTaskHintFollowsTheLand pins that the hints of FR010 and
// FR018 name § 3 DSG NRW only to a controller in Nordrhein-Westfalen. With
// the hint fixed to "§ 3 DSG NRW" (as it was), the Schleswig-Holstein case
// fails.
func TestLintPublicTaskHintFollowsTheLand(t *testing.T) {
	for _, tt := range []struct {
		holidays string
		nrw      bool
	}{{"DE-NW", true}, {"DE-SH", false}, {"BY", false}} {
		t.Run(tt.holidays, func(t *testing.T) {
			d := cleanDeclaration()
			d.Controller.Holidays = tt.holidays
			d.Controller.PublicAuthority = true
			d.Purposes[0].LegalBasis = []LegalBasis{{Basis: PublicTask}, {Basis: LegitimateInterests}}
			d.Purposes[0].LegitimateInterest = Text{DE: "Sicherheit"}
			fs := Lint(d)
			for _, id := range []string{"FR010", "FR018"} {
				got := findingsWithID(fs, id)
				require.Len(t, got, 1, id)
				if tt.nrw {
					assert.Contains(t, got[0].Hint, "§ 3 DSG NRW", id)
				} else {
					assert.NotContains(t, got[0].Hint, "NRW", id)
					assert.Contains(t, got[0].Hint, "data-protection act of the controller's Land", id)
				}
			}
		})
	}
}
