package policy

import (
	"cmp"
	"fmt"
	"slices"
)

// The checks of what the published notice can say: FR08x. A notice states
// only what the declaration supports; what the declaration lacks for an
// item of Art. 13 is one of these findings, never a sentence of the notice.

// checks is the whole catalogue, ordered by ID.
var checks = sortedChecks(baseChecks, noticeChecks)

func sortedChecks(lists ...[]check) []check {
	out := slices.Concat(lists...)
	slices.SortStableFunc(out, func(a, b check) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

var noticeChecks = []check{
	{LintCheck{"FR080", SeverityError, "Art. 7(3), Art. 12(2) DSGVO",
		"a withdrawal or objection channel lacks what the subject needs to use it (URL, address, or the page of an opt-out control)"}, checkChannelDetails},
	{LintCheck{"FR081", SeverityInfo, "Art. 5(2) DSGVO",
		"a value is marked as an assumption: the published notice does not state it, and the rendered notice will not"}, checkAssumptions},
	{LintCheck{"FR082", SeverityError, "Art. 13(2)(a) DSGVO",
		"the notice can state no storage period for a dataset or cookie, because every rule (or the lifetime) is an assumption"}, checkAssumedStorage},
	{LintCheck{"FR083", SeverityError, "Art. 13(1)(c), (d) DSGVO",
		"the notice can state no legal basis (or legitimate interest) of a purpose, because it is an assumption"}, checkAssumedBasis},
	{LintCheck{"FR084", SeverityError, "Art. 13(2)(e) DSGVO",
		"a purpose collects data from the subject but does not say whether providing it is required, and what follows if it is not"}, checkProvision},
	{LintCheck{"FR085", SeverityWarning, "Art. 12(1), Art. 5(2) DSGVO",
		"the declaration has no version or date, so the notice cannot say which edition (\"Stand\") is in force"}, checkEdition},
	{LintCheck{"FR086", SeverityError, "Art. 13(1)(f) DSGVO",
		"a recipient has no country, so the notice cannot say whether data leaves the EEA"}, checkRecipientCountry},
	{LintCheck{"FR087", SeverityError, "Art. 13(1)(a) DSGVO",
		"the notice can state no address of the controller, because the declared one is an assumption"}, checkAssumedController},
}

// eachChannel calls fn with every withdrawal and objection channel.
func eachChannel(d *Declaration, fn func(path string, p *Purpose, c Channel, objection bool)) {
	for i := range d.Purposes {
		p := &d.Purposes[i]
		if p.Consent != nil {
			for k, c := range p.Consent.Withdraw {
				fn(purposePath(i)+".consent."+index("withdraw", k), p, c, false)
			}
		}
		if p.Objection != nil {
			for k, c := range p.Objection.Channels {
				fn(purposePath(i)+".objection."+index("channels", k), p, c, true)
			}
		}
	}
}

func checkChannelDetails(l *linter) {
	eachChannel(l.d, func(path string, p *Purpose, c Channel, _ bool) {
		var missing string
		switch c.Kind {
		case ChannelLink:
			if c.Address == "" && c.Where.IsZero() {
				missing = "the link's URL (address) or where the subject finds it (where)"
			}
		case ChannelOptOutCookie:
			switch {
			case c.Address == "":
				missing = "the name of the opt-out cookie (address)"
			case c.Where.IsZero():
				missing = "the page whose control sets the opt-out cookie (where)"
			case !slices.ContainsFunc(l.d.Cookies, func(k Cookie) bool { return k.Name == c.Address }):
				missing = "a declaration of the cookie " + quote(c.Address) + " under cookies"
			}
		case ChannelEmail, ChannelPost, ChannelPhone, ChannelInPerson, ChannelForm:
			if c.Address == "" {
				missing = "the address, number, place or URL (address)"
			}
		}
		if missing != "" {
			l.report(path, fmt.Sprintf("the %s channel of purpose %s lacks %s, so the notice cannot tell the subject how to use it", c.Kind, p.ID, missing),
				"declare it, e.g. {link: https://example.org/widerruf} or {kind: link, where: {de: in Ihrer Buchungsbestätigung, en: in your booking confirmation}}")
		}
	})
}

func checkAssumptions(l *linter) {
	for i, a := range l.d.Assumptions {
		l.report(annotationPath("assumptions", i), fmt.Sprintf("%s is an assumption (%s); the notice does not state it", a.Path, a.Note),
			"confirm it with the controller and remove the mark, or mark it as an addition the controller adopts")
	}
}

func checkAssumedStorage(l *linter) {
	for i := range l.d.Datasets {
		ds := &l.d.Datasets[i]
		if len(ds.Rules) == 0 {
			continue // FR002
		}
		stated := false
		for j := range ds.Rules {
			stated = stated || !l.d.Assumed(rulePath(i, j))
		}
		if !stated {
			l.report(dsPath(i)+".rules", fmt.Sprintf("every rule of dataset %s is an assumption, so the notice states no storage period for it", ds.ID),
				"ask the controller for the period and remove the mark, or have the controller adopt the rule as its own addition")
		}
	}
	for i, c := range l.d.Cookies {
		if !c.Session && l.d.Assumed(index("cookies", i)+".lifetime") {
			l.report(index("cookies", i)+".lifetime", fmt.Sprintf("the lifetime of cookie %s is an assumption, so the notice states none", c.Name),
				"ask the controller for the cookie's lifetime and remove the mark")
		}
	}
}

func checkAssumedBasis(l *linter) {
	for i := range l.d.Purposes {
		p := &l.d.Purposes[i]
		stated := false
		for j := range p.LegalBasis {
			stated = stated || !l.d.Assumed(basisPath(i, j))
		}
		if !stated && len(p.LegalBasis) > 0 {
			l.report(purposePath(i)+".legal_basis", fmt.Sprintf("every legal basis of purpose %s is an assumption, so the notice states none", p.ID),
				"ask the controller for the basis and remove the mark")
		}
		if p.HasBasis(LegitimateInterests) && !p.LegitimateInterest.IsZero() && l.d.Assumed(purposePath(i)+".legitimate_interest") {
			l.report(purposePath(i)+".legitimate_interest", fmt.Sprintf("the legitimate interest of purpose %s is an assumption, so the notice states none", p.ID),
				"ask the controller for the interest and remove the mark")
		}
	}
}

// collectsFromSubject reports whether a purpose processes fields that the
// subject enters: fields of datasets without a Source that are not marked
// provided: false.
func collectsFromSubject(d *Declaration, id string) bool {
	for i := range d.Datasets {
		ds := &d.Datasets[i]
		if !ds.Source.IsZero() || !slices.Contains(ds.Purposes, id) {
			continue
		}
		for _, f := range ds.Fields {
			if f.Provided == nil || *f.Provided {
				return true
			}
		}
	}
	return false
}

func checkProvision(l *linter) {
	for i := range l.d.Purposes {
		p := &l.d.Purposes[i]
		if !collectsFromSubject(l.d, p.ID) {
			continue
		}
		path := purposePath(i) + ".provision"
		switch {
		case p.Provision == nil || l.d.Assumed(path):
			l.report(path, fmt.Sprintf("purpose %s collects data the subject enters, but the declaration does not say whether providing it is statutory, contractual, necessary for the service or voluntary", p.ID),
				"declare provision: {kind: service, consequence: {de: ..., en: ...}} or provision: voluntary")
		case p.Provision.Kind != ProvisionVoluntary && p.Provision.Consequence.IsZero():
			l.report(path+".consequence", fmt.Sprintf("purpose %s requires data (%s) but does not say what follows if the subject does not provide it", p.ID, p.Provision.Kind),
				"declare the consequence: {de: \"Ohne diese Angaben ...\", en: \"Without this data ...\"}")
		}
	}
}

func checkEdition(l *linter) {
	if l.d.Version == "" && l.d.Date == "" {
		l.report("date", "the declaration has neither version nor date, so the notice cannot state its edition (Stand)",
			"add date: YYYY-MM-DD (and version:) and change it whenever the notice changes")
	}
}

func checkRecipientCountry(l *linter) {
	for i, r := range l.d.Recipients {
		if r.Country == "" {
			l.report(index("recipients", i)+".country", fmt.Sprintf("recipient %s has no country, so the notice cannot say whether personal data is transferred outside the EEA", r.ID),
				"declare its ISO 3166-1 country code, e.g. country: DE")
		}
	}
}

func checkAssumedController(l *linter) {
	if l.d.Assumed("controller.address") {
		l.report("controller.address", "the controller's address is an assumption, so the notice states none",
			"declare the address the controller publishes and remove the mark")
	}
}
