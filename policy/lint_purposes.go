package policy

import (
	"fmt"
	"slices"
	"strings"
)

// Lint checks of legal bases, consent, information duties, recipients and
// cookies. The catalogue with IDs is in lint_checks.go.

func basisPath(i, j int) string { return purposePath(i) + "." + index("legal_basis", j) }

func checkPublicLegitimateInterest(l *linter) {
	if !l.d.Controller.PublicAuthority {
		return
	}
	for i := range l.d.Purposes {
		p := &l.d.Purposes[i]
		for j, lb := range p.LegalBasis {
			if lb.Basis != LegitimateInterests {
				continue
			}
			l.report(basisPath(i, j), fmt.Sprintf("purpose %s rests on Art. 6(1)(f), but %s is a public authority, which may not rely on legitimate interests for processing in the performance of its tasks",
				p.ID, cmpOr(l.d.Controller.Name, "the controller")),
				"rest the purpose on "+publicTaskProvision(l.d)+", or acknowledge the finding if the processing lies outside the authority's public tasks")
		}
	}
}

func checkLegitimateInterestText(l *linter) {
	for i := range l.d.Purposes {
		p := &l.d.Purposes[i]
		if p.HasBasis(LegitimateInterests) && p.LegitimateInterest.IsZero() {
			l.report(purposePath(i)+".legitimate_interest", fmt.Sprintf("purpose %s rests on Art. 6(1)(f) but does not state the legitimate interest pursued", p.ID),
				"state the interest: legitimate_interest: {de: \"...\", en: \"...\"}")
		}
	}
}

func checkConsentWithdrawal(l *linter) {
	for i := range l.d.Purposes {
		p := &l.d.Purposes[i]
		if !p.HasBasis(Consent) || p.Consent != nil && len(p.Consent.Withdraw) > 0 {
			continue
		}
		l.report(purposePath(i)+".consent.withdraw", fmt.Sprintf("purpose %s rests on consent but declares no way to withdraw it; withdrawing must be as easy as giving consent", p.ID),
			"declare the channels: consent: {withdraw: [{kind: link}, {kind: email, address: ...}]}")
	}
}

func checkConsentVersion(l *linter) {
	for i := range l.d.Purposes {
		p := &l.d.Purposes[i]
		if !p.HasBasis(Consent) || p.Consent != nil && p.Consent.Version != "" {
			continue
		}
		l.report(purposePath(i)+".consent.version", fmt.Sprintf("purpose %s rests on consent but has no consent version: the controller cannot show which text a subject agreed to", p.ID),
			"give the consent text a version (e.g. the date of the notice, \"2024-05\") and raise it whenever the text changes")
	}
}

func checkPublicConsent(l *linter) {
	if !l.d.Controller.PublicAuthority {
		return
	}
	for i := range l.d.Purposes {
		p := &l.d.Purposes[i]
		for j, lb := range p.LegalBasis {
			if lb.Basis != Consent {
				continue
			}
			l.report(basisPath(i, j), fmt.Sprintf("purpose %s rests on consent given to a public authority; consent is free only if refusing it costs the subject nothing, e.g. the same service is available by phone or in person", p.ID),
				"acknowledge the finding with the reason why consent is free here, or rest the purpose on Art. 6(1)(e) with the national provision")
		}
	}
}

// specialFields returns the names of the special-category fields of ds.
func specialFields(ds *Dataset) []string {
	var out []string
	for _, f := range ds.Fields {
		if f.Special || f.Category == CatSpecial {
			out = append(out, f.Name)
		}
	}
	return out
}

func checkSpecialCondition(l *linter) {
	for i := range l.d.Datasets {
		ds := &l.d.Datasets[i]
		special := specialFields(ds)
		if len(special) == 0 {
			continue
		}
		for k, id := range ds.Purposes {
			p := l.d.Purpose(id)
			if p == nil || p.SpecialCategories != "" {
				continue
			}
			l.report(dsPath(i)+"."+index("purposes", k), fmt.Sprintf("dataset %s holds special categories of data (%s) for purpose %s, which names no Art. 9(2) condition; their processing is prohibited without one",
				ds.ID, strings.Join(special, ", "), p.ID),
				"name the condition on the purpose, e.g. special_categories: 9.2.a for explicit consent, or remove the field")
		}
	}
}

func checkSpecialConsent(l *linter) {
	for i := range l.d.Purposes {
		p := &l.d.Purposes[i]
		if !p.HasBasis(Consent) || p.SpecialCategories == "" || p.SpecialCategories == "9.2.a" {
			continue
		}
		l.report(purposePath(i)+".special_categories", fmt.Sprintf("purpose %s rests on consent but processes special categories under %s instead of explicit consent (9.2.a)", p.ID, p.SpecialCategories),
			"use special_categories: 9.2.a and make the consent text name the special categories explicitly, or acknowledge why the other condition applies")
	}
}

func checkPurposeUnused(l *linter) {
	used := map[string]bool{}
	for _, ds := range l.d.Datasets {
		for _, id := range ds.Purposes {
			used[id] = true
		}
	}
	for _, c := range l.d.Cookies {
		used[c.Purpose] = true
	}
	for i, p := range l.d.Purposes {
		if !used[p.ID] {
			l.report(purposePath(i), fmt.Sprintf("purpose %s is used by no dataset and no cookie, so frist enforces no retention for it", p.ID),
				"bind the data processed for it: add the purpose to a dataset's purposes (or a cookie), or remove it")
		}
	}
}

func checkDPO(l *linter) {
	c := l.d.DPO.Contact
	if l.d.DPO.Address != "" || c.Email != "" || c.Phone != "" || c.Web != "" {
		return
	}
	msg := "the declaration gives no contact details of the data-protection officer"
	if l.d.DPO.Name != "" {
		msg += " (a name alone is not a contact)"
	}
	if l.d.Controller.PublicAuthority {
		msg += "; a public authority must designate one"
	}
	l.report("dpo", msg, "add dpo: {address: ..., contact: {email: ...}} with an address that reaches the officer directly")
}

// complaintStated reports whether the notice tells the subject of the
// right to lodge a complaint: rights empty means the rights the law grants.
func complaintStated(d *Declaration) bool {
	return len(d.Rights) == 0 || slices.Contains(d.Rights, RightComplaint)
}

func checkComplaint(l *linter) {
	if l.d.Authority.Name != "" || complaintStated(l.d) {
		return
	}
	l.report("authority", "the declaration neither names a supervisory authority nor states the right to lodge a complaint",
		"add complaint to rights and name the authority: authority: {name: ..., address: ...}")
}

func checkAuthorityNamed(l *linter) {
	if l.d.Authority.Name != "" || !complaintStated(l.d) {
		return
	}
	l.report("authority", "the right to lodge a complaint is stated, but no supervisory authority is named, so the subject must find the competent one alone",
		"name the competent authority: authority: {name: ..., address: ...}")
}

// lawRight is a right that the law grants and the notice must state.
type lawRight struct {
	right   Right
	article string
	label   string
	applies func(d *Declaration) bool
}

func always(*Declaration) bool { return true }

func anyBasis(bases ...Basis) func(d *Declaration) bool {
	return func(d *Declaration) bool {
		for i := range d.Purposes {
			for _, b := range bases {
				if d.Purposes[i].HasBasis(b) {
					return true
				}
			}
		}
		return false
	}
}

var lawRights = []lawRight{
	{RightAccess, "Art. 13(2)(b), Art. 15 DSGVO", "access", always},
	{RightRectification, "Art. 13(2)(b), Art. 16 DSGVO", "rectification", always},
	{RightErasure, "Art. 13(2)(b), Art. 17 DSGVO", "erasure", always},
	{RightRestriction, "Art. 13(2)(b), Art. 18 DSGVO", "restriction of processing", always},
	{RightObjection, "Art. 13(2)(b), Art. 21(1), 21(4) DSGVO", "objection (processing under Art. 6(1)(e) or (f))", anyBasis(PublicTask, LegitimateInterests)},
	{RightPortability, "Art. 13(2)(b), Art. 20 DSGVO", "data portability (processing under Art. 6(1)(a) or (b))", anyBasis(Consent, Contract)},
	{RightWithdrawal, "Art. 13(2)(c), Art. 7(3) DSGVO", "withdrawal of consent", anyBasis(Consent)},
}

func checkRightsComplete(l *linter) {
	if len(l.d.Rights) == 0 {
		return
	}
	for _, r := range lawRights {
		if slices.Contains(l.d.Rights, r.right) || !r.applies(l.d) {
			continue
		}
		l.reportArticle("rights", r.article, "the declared rights omit the right to "+r.label,
			"add "+string(r.right)+" to rights, or leave rights empty to state every right the law grants")
	}
}

func checkPortability(l *linter) {
	i := slices.Index(l.d.Rights, RightPortability)
	if i < 0 || anyBasis(Consent, Contract)(l.d) {
		return
	}
	l.report(index("rights", i), "the declaration promises data portability, but no purpose rests on consent or contract; the right does not apply to processing under Art. 6(1)(c) or (e), and applies only to (a) and (b)",
		"remove portability from rights, or acknowledge the finding if the controller offers it voluntarily")
}

// eea lists the EU member states and the other EEA states (Iceland,
// Liechtenstein, Norway) as ISO 3166-1 alpha-2 codes; Greece also as EL.
var eea = map[string]bool{
	"AT": true, "BE": true, "BG": true, "HR": true, "CY": true, "CZ": true, "DK": true, "EE": true,
	"FI": true, "FR": true, "DE": true, "GR": true, "EL": true, "HU": true, "IE": true, "IT": true,
	"LV": true, "LT": true, "LU": true, "MT": true, "NL": true, "PL": true, "PT": true, "RO": true,
	"SK": true, "SI": true, "ES": true, "SE": true, "IS": true, "LI": true, "NO": true,
}

func checkThirdCountry(l *linter) {
	for i, r := range l.d.Recipients {
		if r.Country == "" || eea[strings.ToUpper(r.Country)] || !r.Safeguard.IsZero() {
			continue
		}
		l.report(index("recipients", i)+".safeguard", fmt.Sprintf("recipient %s is in %s, outside the EEA, and no transfer safeguard is declared", r.ID, r.Country),
			"name the safeguard: an adequacy decision (Art. 45), standard contractual clauses (Art. 46(2)(c)) or binding corporate rules (Art. 47)")
	}
}

func checkRecipientDisclosure(l *linter) {
	for i, r := range l.d.Recipients {
		if r.Disclosure != "" || r.Role == RoleProcessor || r.Role == "" {
			continue
		}
		l.report(index("recipients", i)+".disclosure", fmt.Sprintf("recipient %s (%s) does not say whether every record of its datasets is disclosed to it: frist treats it as case_by_case and tells it of no erasure, rectification or restriction, so the controller must tell it of every change to the records it disclosed (Art. 19)",
			r.ID, r.Role),
			"declare disclosure: routine if every record of its datasets reaches it (an office that handles every booking), or disclosure: case_by_case if only some do (authorities on request)")
	}
}

func checkCookieBasis(l *linter) {
	for i, c := range l.d.Cookies {
		if c.Basis == StrictlyNecessary || c.Basis == ConsentBased {
			continue
		}
		l.report(index("cookies", i)+".basis", fmt.Sprintf("cookie %s is declared with basis %s: storing information on a device needs consent unless it is strictly necessary for a service the user asked for",
			c.Name, quote(string(c.Basis))),
			"declare basis: strictly_necessary or basis: consent")
	}
}

func checkCookieOptOut(l *linter) {
	for i, c := range l.d.Cookies {
		if c.Basis != StrictlyNecessary {
			continue
		}
		p := l.d.Purpose(c.Purpose)
		if p == nil || p.Objection == nil || slices.ContainsFunc(p.Objection.Channels, func(ch Channel) bool {
			return (ch.Kind == ChannelOptOutCookie || ch.Kind == ChannelCookie) && ch.Address == c.Name
		}) {
			continue // the opt-out cookie itself stores the objection
		}
		l.report(index("cookies", i)+".basis", fmt.Sprintf("cookie %s is declared strictly necessary, but its purpose %s lets the user opt out; what a user can refuse without losing the service is not strictly necessary, and needs prior consent", c.Name, p.ID),
			"make the cookie consent-based (basis: consent, opt-in before it is set) instead of an opt-out")
	}
}

func checkCookieLifetime(l *linter) {
	for i, c := range l.d.Cookies {
		if c.Session || !c.Lifetime.IsZero() {
			continue
		}
		l.report(index("cookies", i)+".lifetime", fmt.Sprintf("cookie %s has no declared lifetime and is not a session cookie, so the notice cannot say how long it is stored", c.Name),
			"declare session: true or a lifetime such as lifetime: 1y")
	}
}
