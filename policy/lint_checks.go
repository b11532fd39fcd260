package policy

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// baseChecks is the catalogue of lint checks, ordered by ID, without those
// of the published notice (lint_notice.go). IDs are grouped:
// FR00x storage limitation, FR01x legal bases and consent, FR02x
// information duties, FR03x recipients, FR04x cookies, FR05x withdrawal
// and objection channels, FR06x the record of processing activities,
// FR07x cited norms and terms, FR08x what the published notice can say
// (lint_notice.go, which joins the two lists into checks).
var baseChecks = []check{
	{LintCheck{"FR001", SeverityError, "Art. 5(1)(e) DSGVO",
		"a personal field has no rule that ends its storage"}, checkFieldNeverEnds},
	{LintCheck{"FR002", SeverityError, "Art. 5(1)(e) DSGVO",
		"a dataset with personal data has no retention rule"}, checkDatasetWithoutRules},
	{LintCheck{"FR003", SeverityWarning, "Art. 5(1)(e) DSGVO",
		"storage ends only when the application triggers an event, with no period as a backstop"}, checkEventOnly},
	{LintCheck{"FR004", SeverityError, "Art. 17(3)(b) DSGVO",
		"a delete rule can fire before a statutory minimum retention period (keep_at_least) ends"}, checkDeleteBeforeMinimum},
	{LintCheck{"FR005", SeverityWarning, "Art. 5(1)(c), (e) DSGVO; EuGH C-582/14 (Breyer); BGH VI ZR 135/13; BGH III ZR 391/13",
		"IP addresses are kept longer than 7 days before deletion or anonymization"}, checkIPRetention},
	{LintCheck{"FR006", SeverityInfo, "Art. 12(1) DSGVO",
		"an anonymization never takes effect because the records are deleted no later"}, checkMootAnonymization},
	{LintCheck{"FR007", SeverityError, "Art. 4(5), Art. 32(1)(a) DSGVO; Recital 26",
		"an unkeyed hash is applied to personal data"}, checkUnkeyedHash},
	{LintCheck{"FR008", SeverityError, "Art. 5(1)(e), Art. 25(1) DSGVO",
		"an anonymization operator spec does not parse, so the rule cannot run"}, checkBadOperator},
	{LintCheck{"FR009", SeverityError, "Art. 5(1)(a), Art. 13(2)(a) DSGVO",
		"a rule's lead lets it act more than a tenth of its period before the deadline the notice states"}, checkLargeLead},
	{LintCheck{"FR010", SeverityError, "Art. 6(1) subpara. 2 DSGVO",
		"a public authority relies on Art. 6(1)(f) for processing"}, checkPublicLegitimateInterest},
	{LintCheck{"FR011", SeverityWarning, "Art. 13(1)(d) DSGVO",
		"a purpose rests on Art. 6(1)(f) without stating the legitimate interest"}, checkLegitimateInterestText},
	{LintCheck{"FR012", SeverityError, "Art. 7(3) DSGVO",
		"a consent-based purpose declares no withdrawal channel"}, checkConsentWithdrawal},
	{LintCheck{"FR013", SeverityWarning, "Art. 7(1) DSGVO",
		"a consent-based purpose has no consent version, so a grant cannot be tied to the text shown"}, checkConsentVersion},
	{LintCheck{"FR014", SeverityWarning, "Art. 4(11), Art. 7(4), Recital 43 DSGVO",
		"a public authority relies on consent, which is free only where the subject has a real alternative"}, checkPublicConsent},
	{LintCheck{"FR015", SeverityError, "Art. 9(1), 9(2) DSGVO",
		"special categories of data are processed for a purpose without an Art. 9(2) condition"}, checkSpecialCondition},
	{LintCheck{"FR016", SeverityWarning, "Art. 9(2)(a) DSGVO",
		"a consent-based purpose processes special categories under a condition other than explicit consent"}, checkSpecialConsent},
	{LintCheck{"FR017", SeverityWarning, "Art. 5(1)(b), 5(2) DSGVO",
		"a purpose has no dataset and no cookie, so nothing is enforced for it"}, checkPurposeUnused},
	{LintCheck{"FR018", SeverityError, "Art. 6(3), Art. 13(1)(c) DSGVO",
		"a purpose rests on Art. 6(1)(c) or (e) without the law that lays down the obligation or task"}, checkNationalProvision},
	{LintCheck{"FR019", SeverityWarning, "Art. 6(1)(b), 6(1)(e), 6(3) DSGVO",
		"a public authority relies on Art. 6(1)(b) (contract) for a service it renders under public law"}, checkPublicContract},
	{LintCheck{"FR020", SeverityError, "Art. 13(1)(b), Art. 37(1)(a) DSGVO",
		"the contact details of the data-protection officer are missing"}, checkDPO},
	{LintCheck{"FR021", SeverityError, "Art. 13(2)(d), Art. 77 DSGVO",
		"neither the right to lodge a complaint nor a supervisory authority is stated"}, checkComplaint},
	{LintCheck{"FR022", SeverityWarning, "Art. 13(2)(d), Art. 77 DSGVO",
		"the right to lodge a complaint is stated but no supervisory authority is named"}, checkAuthorityNamed},
	{LintCheck{"FR023", SeverityError, "Art. 13(2)(b) DSGVO",
		"the declared rights omit a right the law grants for the declared legal bases"}, checkRightsComplete},
	{LintCheck{"FR024", SeverityError, "Art. 20(1), 20(3) DSGVO",
		"portability is promised although no processing rests on consent or contract"}, checkPortability},
	{LintCheck{"FR025", SeverityWarning, "Art. 12(2), Art. 13(1)(a) DSGVO",
		"the controller gives neither an e-mail address nor a phone number"}, checkControllerContact},
	{LintCheck{"FR026", SeverityError, "Art. 5(1)(a), Art. 13(2)(c) DSGVO",
		"the right to withdraw consent is promised although no processing rests on consent"}, checkWithdrawalWithoutConsent},
	{LintCheck{"FR027", SeverityWarning, "Art. 12(3) DSGVO; Art. 3(4) Regulation (EEC, Euratom) No 1182/71",
		"a controller seated in Germany names no Land in controller.holidays, so request deadlines ignore the Land's holidays"}, checkHolidays},
	{LintCheck{"FR030", SeverityError, "Art. 13(1)(f), Art. 44-46 DSGVO",
		"a recipient outside the EEA has no transfer safeguard"}, checkThirdCountry},
	{LintCheck{"FR031", SeverityWarning, "Art. 19 DSGVO",
		"a recipient other than a processor does not say whether every record reaches it, so frist tells it of no erasure"}, checkRecipientDisclosure},
	{LintCheck{"FR040", SeverityError, "§ 25(1), (2) TDDDG",
		"a cookie is neither strictly necessary nor consent-based"}, checkCookieBasis},
	{LintCheck{"FR041", SeverityError, "§ 25(1), (2) Nr. 2 TDDDG",
		"a cookie is declared strictly necessary although its purpose offers an opt-out"}, checkCookieOptOut},
	{LintCheck{"FR042", SeverityWarning, "Art. 13(2)(a) DSGVO",
		"a cookie has neither a lifetime nor ends with the session"}, checkCookieLifetime},
	{LintCheck{"FR043", SeverityError, "§ 25(1), (2) Nr. 2 TDDDG; EuGH C-673/17 (Planet49)",
		"a web-analytics cookie is declared strictly necessary"}, checkAnalyticsNecessary},
	{LintCheck{"FR050", SeverityError, "Art. 4(11), Art. 6(1)(a), Art. 7(1) DSGVO",
		"data the browser sends with every request rests on consent alone, which cannot precede its collection"}, checkConsentBeforeCollection},
	{LintCheck{"FR051", SeverityError, "Art. 7(3) DSGVO",
		"consent can be withdrawn only by letter or phone, which is harder than giving it online"}, checkChannelHarder},
	{LintCheck{"FR052", SeverityError, "Art. 7(3) DSGVO",
		"a withdrawal or objection works by deleting a cookie, which the controller never receives"}, checkChannelCookieDeletion},
	{LintCheck{"FR060", SeverityError, "Art. 30(1)(c) DSGVO",
		"a dataset with personal data does not describe the categories of data subjects"}, checkDatasetSubjects},
	{LintCheck{"FR061", SeverityError, "Art. 30(1)(g), Art. 32(1) DSGVO",
		"the technical and organisational security measures are not described"}, checkMeasures},
	{LintCheck{"FR070", SeverityError, "Art. 5(1)(a), Art. 12(1), Art. 13(1)(c) DSGVO",
		"the declaration cites a repealed norm, a norm that does not govern the processing, or a term the GDPR replaced"}, checkMisusedNorms},
}

// Path builders in the syntax of Declaration.Position.

func index(name string, i int) string { return name + "[" + strconv.Itoa(i) + "]" }

func dsPath(i int) string       { return index("datasets", i) }
func fieldPath(i, k int) string { return dsPath(i) + "." + index("fields", k) }
func rulePath(i, j int) string  { return dsPath(i) + "." + index("rules", j) }
func opPath(i, j, k int) string { return rulePath(i, j) + "." + index("anonymize", k) + ".op" }
func purposePath(i int) string  { return index("purposes", i) }

func quote(s string) string { return strconv.Quote(s) }

// isPersonal reports whether a field holds personal data.
func (f *Field) isPersonal() bool { return f.Category != CatNone }

// terminalEvents are events that every record eventually sees, so a rule on
// them ends storage as long as the application triggers them.
func terminalEvent(e Event) bool { return e == EventMatterSettled || e == EventSessionEnd }

// ending says whether rule r ends the storage of field f as personal data,
// and if not because of the operator, why.
func (r *Rule) endsField(f string) (ends bool, pseudonymOnly bool) {
	if r.Delete {
		return true, false
	}
	for _, op := range r.Anonymize {
		if op.Field != f {
			continue
		}
		switch classifyOp(op.Op) {
		case opAnonymizes:
			return true, false
		case opPseudonymizes:
			return false, true
		}
	}
	return false, false
}

func checkFieldNeverEnds(l *linter) {
	for i := range l.d.Datasets {
		ds := &l.d.Datasets[i]
		if len(ds.Rules) == 0 {
			continue // FR002
		}
		for k, f := range ds.Fields {
			if !f.isPersonal() {
				continue
			}
			ended, pseudo, conditional := false, false, []string{}
			for j := range ds.Rules {
				r := &ds.Rules[j]
				ends, p := r.endsField(f.Name)
				pseudo = pseudo || p
				if !ends {
					continue
				}
				if !r.After.IsZero() || terminalEvent(r.On) {
					ended = true
					break
				}
				if r.On != "" && !slices.Contains(conditional, string(r.On)) {
					conditional = append(conditional, string(r.On))
				}
			}
			if ended {
				continue
			}
			msg := fmt.Sprintf("field %s (%s) of dataset %s is kept indefinitely: no rule deletes the records or anonymizes the field after a period",
				f.Name, f.Category, ds.ID)
			if len(conditional) > 0 {
				msg += "; the rules on " + strings.Join(conditional, ", ") + " apply only to the records that see that event"
			}
			if pseudo {
				msg += "; a pseudonym is still personal data (Art. 4(5), Recital 26)"
			}
			l.report(fieldPath(i, k), msg,
				"add a rule that ends it, e.g. {after: 14d, from: <time column>, delete: true} or anonymize: {"+f.Name+": null}")
		}
	}
}

func checkDatasetWithoutRules(l *linter) {
	for i := range l.d.Datasets {
		ds := &l.d.Datasets[i]
		if len(ds.Rules) > 0 {
			continue
		}
		if datasetPersonal(ds) {
			l.report(dsPath(i)+".rules", fmt.Sprintf("dataset %s holds personal data but declares no retention rule, so nothing is ever deleted", ds.ID),
				"declare when its records are deleted or anonymized: rules: [{after: <period>, from: <time column>, delete: true}]")
		}
	}
}

func checkEventOnly(l *linter) {
	for i := range l.d.Datasets {
		ds := &l.d.Datasets[i]
		first, events := -1, []string{}
		periodic := false
		for j, r := range ds.Rules {
			switch {
			case !r.After.IsZero() && r.Delete:
				periodic = true
			case r.Delete && terminalEvent(r.On):
				if first < 0 {
					first = j
				}
				events = append(events, string(r.On))
			}
		}
		if periodic || first < 0 {
			continue
		}
		l.report(rulePath(i, first)+".on", fmt.Sprintf("records of dataset %s are deleted only when the application triggers %s; if it never does, they are kept indefinitely",
			ds.ID, strings.Join(events, ", ")),
			"add a period as a backstop, e.g. {after: 1y, from: <time column>, delete: true}, and make sure the application calls Engine.Trigger for the event")
	}
}

func checkDeleteBeforeMinimum(l *linter) {
	for i := range l.d.Datasets {
		ds := &l.d.Datasets[i]
		for k := range ds.Rules {
			r := &ds.Rules[k]
			if !r.Delete || r.After.IsZero() {
				continue
			}
			for j := range ds.Rules {
				m := ds.Rules[j].KeepAtLeast
				if m == nil || m.Period.IsZero() {
					continue
				}
				from := m.From
				if from == "" {
					from = ds.Rules[j].From
				}
				if from != r.From || !periodEarlier(r.After, m.Period) {
					continue
				}
				whose := "rule " + ruleName(&ds.Rules[j], j)
				if j == k {
					whose = "its own keep_at_least"
				}
				article := l.cur.Article
				if m.Norm != "" {
					article += "; " + m.Norm
				}
				l.reportArticle(rulePath(i, k)+".after", article,
					fmt.Sprintf("rule %s of dataset %s deletes %s after %s, but %s requires keeping them at least %s (%s)",
						ruleName(r, k), ds.ID, "records", r.After, whose, m.Period, cmpOr(m.Norm, "no norm cited")),
					"delete no earlier than the statutory minimum (after: "+m.Period.String()+"), or correct the keep_at_least")
				break
			}
		}
	}
}

// checkLargeLead flags a lead the retention engine refuses at any sweep
// interval (Period.MaxLead): acting that early shortens the period the
// notice promises, and with a lead as long as the period it deletes an
// appointment before it has taken place.
func checkLargeLead(l *linter) {
	for i := range l.d.Datasets {
		ds := &l.d.Datasets[i]
		for k := range ds.Rules {
			r := &ds.Rules[k]
			if r.After.IsZero() || r.On != "" || r.Lead <= 0 {
				continue
			}
			// No interval is long enough to allow more than a tenth.
			most := r.After.MaxLead(r.After.Shortest())
			if r.Lead <= most {
				continue
			}
			what := "more than a tenth of it"
			if r.Lead >= r.After.Shortest() {
				what = "before the time the period counts from (" + r.From + ") has even come"
			}
			l.report(rulePath(i, k)+".lead",
				fmt.Sprintf("rule %s of dataset %s may act %s before its deadline of %s after %s, %s; the retention engine refuses a lead over %s for this period",
					ruleName(r, k), ds.ID, r.Lead, r.After, r.From, what, most),
				fmt.Sprintf("leave lead out, so that the engine acts at most two sweep intervals early and within its bound, or declare at most %s (1%% of the period); to keep data for a shorter time, shorten after: instead", r.After.MaxLead(0)))
		}
	}
}

func cmpOr(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// ruleName names a rule for messages: its ID, or its default ID for
// declarations that were not validated.
func ruleName(r *Rule, j int) string {
	if r.ID != "" {
		return r.ID
	}
	if r.After.IsZero() && r.On == "" {
		return "#" + strconv.Itoa(j)
	}
	return r.DefaultID()
}

// ipTokens are the name parts that mark an online identifier as an IP
// address.
var ipTokens = []string{"ip", "ipv4", "ipv6", "addr", "address"}

func isIPField(f *Field) bool {
	if f.Category != CatOnlineIdentifier {
		return false
	}
	for _, name := range []string{f.Name, f.Column} {
		for _, t := range strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return r == '_' || r == '-' || r == '.' }) {
			if slices.Contains(ipTokens, t) {
				return true
			}
		}
	}
	return false
}

var sevenDays = Period{N: 7, Unit: Days}

func checkIPRetention(l *linter) {
	for i := range l.d.Datasets {
		ds := &l.d.Datasets[i]
		for k, f := range ds.Fields {
			if !isIPField(&f) {
				continue
			}
			var shortest *Rule
			tooLong := true
			for j := range ds.Rules {
				r := &ds.Rules[j]
				if ends, _ := r.endsField(f.Name); !ends || r.After.IsZero() {
					continue
				}
				if !periodLater(r.After, sevenDays) {
					tooLong = false
					break
				}
				if shortest == nil || periodEarlier(r.After, shortest.After) {
					shortest = r
				}
			}
			if shortest == nil || !tooLong {
				continue // no period at all is FR001
			}
			l.report(fieldPath(i, k), fmt.Sprintf("IP address field %s of dataset %s is kept %s before it is deleted or anonymized; a dynamic IP address is personal data, and storage for security purposes is accepted for 7 days",
				f.Name, ds.ID, shortest.After),
				"anonymize it after at most 7d, e.g. {after: 7d, from: <time column>, anonymize: {"+f.Name+": \"ip_mask(v4=1, v6=80)\"}}, or acknowledge with the reason for the longer period")
		}
	}
}

func checkMootAnonymization(l *linter) {
	for i := range l.d.Datasets {
		ds := &l.d.Datasets[i]
		for a := range ds.Rules {
			ra := &ds.Rules[a]
			if ra.Delete || len(ra.Anonymize) == 0 || ra.After.IsZero() {
				continue
			}
			for k := range ds.Rules {
				rd := &ds.Rules[k]
				if !rd.Delete || rd.After.IsZero() || rd.From != ra.From || periodEarlier(ra.After, rd.After) {
					continue
				}
				l.report(rulePath(i, a)+".after", fmt.Sprintf("rule %s of dataset %s anonymizes after %s, but rule %s deletes the same records after %s: the anonymization never takes effect",
					ruleName(ra, a), ds.ID, ra.After, ruleName(rd, k), rd.After),
					"anonymize earlier than the deletion, or drop the anonymize rule and say in the notice that the records are deleted")
				break
			}
		}
	}
}

func checkUnkeyedHash(l *linter) {
	eachOp(l.d, func(i, j, k int, op FieldOp) {
		if classifyOp(op.Op) != opUnkeyedHash {
			return
		}
		ds := &l.d.Datasets[i]
		if f := ds.Field(op.Field); f != nil && !f.isPersonal() {
			return
		}
		l.report(opPath(i, j, k), fmt.Sprintf("field %s of dataset %s is hashed without a key (%s): an unkeyed hash of an IP address, e-mail address or name is reversed by hashing every candidate, so it is neither anonymous nor a pseudonym",
			op.Field, ds.ID, quote(op.Op)),
			"use a keyed pseudonym (pseudonym(key=<ring>)) or, to anonymize, an operator that removes the identifying part, such as ip_mask or null")
	})
}

func checkBadOperator(l *linter) {
	eachOp(l.d, func(i, j, k int, op FieldOp) {
		c, err := parseOp(op.Op)
		if c != opInvalid {
			return
		}
		l.report(opPath(i, j, k), fmt.Sprintf("operator for field %s of dataset %s does not parse: %v", op.Field, l.d.Datasets[i].ID, err),
			"use an operator of package anonymize, e.g. null, redact, ip_mask(v4=1, v6=80), truncate_time(day), pseudonym(key=<ring>)")
	})
}

func eachOp(d *Declaration, fn func(i, j, k int, op FieldOp)) {
	for i := range d.Datasets {
		for j := range d.Datasets[i].Rules {
			for k, op := range d.Datasets[i].Rules[j].Anonymize {
				fn(i, j, k, op)
			}
		}
	}
}
