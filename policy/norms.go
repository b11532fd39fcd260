package policy

import (
	"regexp"
	"strings"
)

// A misusedNorm is a norm or legal term that a privacy notice of a German
// public body must no longer cite, or cites for something it does not
// govern. The table misusedNorms is the one place where frist keeps them;
// check FR070 reports every national provision and every declared text
// that cites one.
type misusedNorm struct {
	// pattern matches the citation as notices write it.
	pattern *regexp.Regexp
	// cited is how the finding names what was cited.
	cited string
	// why says what is wrong with citing it.
	why string
	// instead says what to cite.
	instead string
	// article is the norm the finding rests on.
	article string
}

// misusedNorms is the table of repealed and misused norms and terms.
var misusedNorms = []misusedNorm{
	{
		pattern: regexp.MustCompile(`(?i)\bTMG\b|Telemediengesetz`),
		cited:   "the Telemediengesetz (TMG)",
		why: "its data-protection provisions (§§ 11–15a) were struck out on 1 December 2021 by the TTDSG, and the rest of it was " +
			"repealed on 14 May 2024 and replaced by the Digitale-Dienste-Gesetz (DDG)",
		instead: "cite the GDPR basis (Art. 6(1) DSGVO with the national provision), § 25 TDDDG for access to the user's device, " +
			"and the DDG (e.g. § 5 DDG for the imprint) where a provision of the TMG lives on",
		article: "Digitale-Dienste-Gesetz (DDG), in force since 14 May 2024",
	},
	{
		pattern: regexp.MustCompile(`\bTTDSG\b|Telekommunikation-Telemedien-Datenschutz-Gesetz`),
		cited:   "the TTDSG",
		why:     "it was renamed Telekommunikation-Digitale-Dienste-Datenschutz-Gesetz (TDDDG) on 14 May 2024",
		instead: "cite the TDDDG with the same section (§ 25 TDDDG for cookies)",
		article: "§ 25 TDDDG",
	},
	{
		pattern: regexp.MustCompile(`(?i)(^|[^\d])§?\s*35(\s*(Abs\.|Absatz)\s*\d+)?(\s*(S\.|Satz)\s*\d+)?\s+(DSG\s*NRW|DSG\s+Nordrhein)`),
		cited:   "§ 35 DSG NRW",
		why: "it is the scope clause of Part 3 of the DSG NRW, which implements Directive (EU) 2016/680 for the police and " +
			"justice; it is no legal basis and does not govern a municipal online service",
		instead: "cite the GDPR basis with the provision that assigns the task, e.g. Art. 6(1)(e) DSGVO with § 3 DSG NRW, " +
			"or Art. 6(1)(a) DSGVO alone for consent",
		article: "Art. 2(2)(d) DSGVO; § 35 DSG NRW",
	},
	{
		pattern: regexp.MustCompile(`(?i)(^|[^\d])§?\s*38(\s*(Abs\.|Absatz)\s*\d+)?(\s*(S\.|Satz)\s*\d+)?\s+(DSG\s*NRW|DSG\s+Nordrhein)`),
		cited:   "§ 38 DSG NRW",
		why: "it governs consent in Part 3 of the DSG NRW (police and justice, Directive (EU) 2016/680); consent to a " +
			"municipal online service and its withdrawal are governed by the GDPR",
		instead: "cite Art. 7 DSGVO (Art. 7(3) for the withdrawal)",
		article: "Art. 7(3) DSGVO; § 35 DSG NRW",
	},
	{
		pattern: regexp.MustCompile(`(?i)\bSperrung`),
		cited:   "\"Sperrung\"",
		why: "it is the term of the Bundesdatenschutzgesetz before the GDPR (§ 3(4) Nr. 4, § 35(3) BDSG a. F.); " +
			"the GDPR grants the right to restriction of processing",
		instead: "write \"Einschränkung der Verarbeitung (Art. 18 DSGVO)\"",
		article: "Art. 18 DSGVO",
	},
}

// misusedIn returns the entries of misusedNorms that s cites.
func misusedIn(s string) []*misusedNorm {
	var out []*misusedNorm
	for i := range misusedNorms {
		if misusedNorms[i].pattern.MatchString(s) {
			out = append(out, &misusedNorms[i])
		}
	}
	return out
}

// eachText calls fn with the path and value of every text of d that a
// notice or the record of processing publishes.
func eachText(d *Declaration, fn func(path string, t Text)) {
	fn("measures", d.Measures)
	fn("controller.representative", d.Controller.Representative)
	for i, r := range d.Recipients {
		fn(index("recipients", i)+".description", r.Description)
	}
	for i := range d.Purposes {
		p := &d.Purposes[i]
		q := purposePath(i)
		fn(q+".description", p.Description)
		fn(q+".legitimate_interest", p.LegitimateInterest)
		if p.Provision != nil {
			fn(q+".provision.consequence", p.Provision.Consequence)
		}
		if p.Objection != nil && p.Objection.Limit != nil {
			fn(q+".objection.limit.text", p.Objection.Limit.Text)
		}
		if p.Consent != nil {
			fn(q+".consent.text", p.Consent.Text)
		}
	}
	for i := range d.Datasets {
		ds := &d.Datasets[i]
		fn(dsPath(i)+".description", ds.Description)
		fn(dsPath(i)+".subjects", ds.Subjects)
		fn(dsPath(i)+".source", ds.Source)
		for k, f := range ds.Fields {
			fn(fieldPath(i, k)+".description", f.Description)
		}
		for j, r := range ds.Rules {
			fn(rulePath(i, j)+".description", r.Description)
		}
	}
	for i, c := range d.Cookies {
		fn(index("cookies", i)+".description", c.Description)
	}
	if a := d.AutomatedDecisions; a != nil {
		fn("automated_decisions.logic", a.Logic)
		fn("automated_decisions.consequences", a.Consequences)
	}
}

func checkMisusedNorms(l *linter) {
	report := func(path, where, s string) {
		for _, n := range misusedIn(s) {
			l.reportArticle(path, l.cur.Article+"; "+n.article,
				where+" cites "+n.cited+" ("+quote(strings.TrimSpace(s))+"): "+n.why, n.instead)
		}
	}
	for i := range l.d.Purposes {
		for j, lb := range l.d.Purposes[i].LegalBasis {
			for k, n := range lb.National {
				report(basisPath(i, j)+"."+index("national", k), "the legal basis of purpose "+l.d.Purposes[i].ID, n)
			}
		}
	}
	eachText(l.d, func(path string, t Text) {
		report(path, "the text at "+path, t.DE)
		if t.EN != t.DE {
			report(path, "the English text at "+path, t.EN)
		}
	})
}
