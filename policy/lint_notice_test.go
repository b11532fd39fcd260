package policy

// lintCase is one case of TestLintRules: a declaration that fails a check
// and one that passes it, both derived from cleanDeclaration.
type lintCase = struct {
	id   string
	name string
	bad  func(d *Declaration)
	good func(d *Declaration)
	// path is where the finding must point in the bad declaration.
	path string
	// article, when set, is the citation expected instead of the check's.
	article string
}

// noticeLintCases are the TestLintRules cases of the checks of what the
// published notice can say (lint_notice.go).
func noticeLintCases() []lintCase {
	optOut := func(d *Declaration) {
		d.Cookies = append(d.Cookies, Cookie{Name: "piwik_ignore", Purpose: "website", Lifetime: MustParsePeriod("2y"), Basis: StrictlyNecessary})
	}
	return []lintCase{
		{
			id: "FR080", name: "a withdrawal link with neither URL nor where it is found",
			bad: func(d *Declaration) { d.Purposes[1].Consent.Withdraw[0].Where = Text{} },
			good: func(d *Declaration) {
				d.Purposes[1].Consent.Withdraw[0] = Channel{Kind: ChannelLink, Address: "https://beispiel.de/widerruf"}
			},
			path: "purposes[1].consent.withdraw[0]",
		},
		{
			id: "FR080", name: "an opt-out cookie without the page of its control",
			bad: func(d *Declaration) {
				optOut(d)
				d.Purposes[0].Objection = &ObjectionSpec{Channels: []Channel{{Kind: ChannelOptOutCookie, Address: "piwik_ignore"}}}
			},
			good: func(d *Declaration) {
				optOut(d)
				d.Purposes[0].Objection = &ObjectionSpec{Channels: []Channel{{Kind: ChannelOptOutCookie, Address: "piwik_ignore", Where: Text{DE: "Startseite, Schalter Webanalyse"}}}}
			},
			path: "purposes[0].objection.channels[0]",
		},
		{
			id: "FR080", name: "an e-mail channel without an address",
			bad: func(d *Declaration) { d.Purposes[1].Consent.Withdraw[0] = Channel{Kind: ChannelEmail} },
			good: func(d *Declaration) {
				d.Purposes[1].Consent.Withdraw[0] = Channel{Kind: ChannelInPerson, Address: "Bürgerbüro, Rathausplatz 1"}
			},
			path: "purposes[1].consent.withdraw[0]",
		},
		{
			id: "FR081", name: "a value the published source does not state",
			bad: func(d *Declaration) {
				d.Assumptions = []Annotation{{Path: "datasets[0].rules[1]", Note: "the notice gives no period"}}
			},
			good: func(d *Declaration) {
				d.Additions = []Annotation{{Path: "datasets[0].rules[1]", Note: "the controller adopts 14 days"}}
			},
			path: "assumptions[0]",
		},
		{
			id: "FR082", name: "every rule of a dataset is an assumption",
			bad: func(d *Declaration) {
				d.Assumptions = []Annotation{{Path: "datasets[1].rules", Note: "not in the notice"}}
			},
			good: func(d *Declaration) {
				d.Assumptions = []Annotation{{Path: "datasets[1].rules[1]", Note: "not in the notice"}}
			},
			path: "datasets[1].rules",
		},
		{
			id: "FR082", name: "an assumed cookie lifetime",
			bad: func(d *Declaration) {
				d.Cookies[0].Session, d.Cookies[0].Lifetime = false, MustParsePeriod("1y")
				d.Assumptions = []Annotation{{Path: "cookies[0].lifetime", Note: "the notice gives none"}}
			},
			good: func(d *Declaration) {
				d.Cookies[0].Session, d.Cookies[0].Lifetime = false, MustParsePeriod("1y")
			},
			path: "cookies[0].lifetime",
		},
		{
			id: "FR083", name: "an assumed legal basis",
			bad: func(d *Declaration) {
				d.Assumptions = []Annotation{{Path: "purposes[0].legal_basis[0]", Note: "the notice names no basis"}}
			},
			good: func(d *Declaration) {
				d.Additions = []Annotation{{Path: "purposes[0].legal_basis[0]", Note: "the controller names its basis"}}
			},
			path: "purposes[0].legal_basis",
		},
		{
			id: "FR084", name: "data entered by the subject without an Art. 13(2)(e) statement",
			bad:  func(d *Declaration) { d.Purposes[1].Provision = nil },
			good: func(d *Declaration) { d.Purposes[1].Provision = &Provision{Kind: ProvisionVoluntary} },
			path: "purposes[1].provision",
		},
		{
			id: "FR084", name: "required data without the consequence of not providing it",
			bad: func(d *Declaration) { d.Purposes[1].Provision.Consequence = Text{} },
			good: func(d *Declaration) {
				d.Purposes[1].Provision.Kind = ProvisionVoluntary
				d.Purposes[1].Provision.Consequence = Text{}
			},
			path: "purposes[1].provision.consequence",
		},
		{
			id: "FR084", name: "only data collected automatically needs no statement",
			bad: func(d *Declaration) { d.Purposes[0].Provision = nil },
			good: func(d *Declaration) {
				d.Purposes[0].Provision = nil
				no := false
				for k := range d.Datasets[0].Fields {
					d.Datasets[0].Fields[k].Provided = &no
				}
			},
			path: "purposes[0].provision",
		},
		{
			id: "FR085", name: "no edition",
			bad:  func(d *Declaration) { d.Date = "" },
			good: func(d *Declaration) { d.Date = ""; d.Version = "3" },
			path: "date",
		},
		{
			id: "FR086", name: "a recipient without a country",
			bad:  func(d *Declaration) { d.Recipients[0].Country = "" },
			good: func(d *Declaration) { d.Recipients[0].Country = "AT" },
			path: "recipients[0].country",
		},
		{
			id: "FR087", name: "an assumed controller address",
			bad: func(d *Declaration) {
				d.Assumptions = []Annotation{{Path: "controller.address", Note: "the notice refers to the imprint"}}
			},
			good: func(d *Declaration) {
				d.Assumptions = []Annotation{{Path: "controller.time_zone", Note: "not in the notice"}}
			},
			path: "controller.address",
		},
	}
}
