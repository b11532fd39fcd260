package notice

import (
	"slices"
	"strconv"

	"github.com/frist-go/frist/policy"
)

// Rights returns the data-subject rights that apply to d: the declared
// rights when the declaration lists them, otherwise those the law grants
// for the declared legal bases. Access, rectification, erasure, restriction
// and the complaint always apply; portability only for processing based on
// consent or a contract (Art. 20(1)(a)); objection only for processing
// based on Art. 6(1)(e) or (f) (Art. 21(1)); withdrawal only where consent
// is the basis (Art. 7(3)).
func Rights(d *policy.Declaration) []policy.Right {
	if len(d.Rights) > 0 {
		out := slices.Clone(d.Rights)
		if !slices.Contains(out, policy.RightComplaint) {
			out = append(out, policy.RightComplaint)
		}
		return out
	}
	out := []policy.Right{policy.RightAccess, policy.RightRectification, policy.RightErasure, policy.RightRestriction}
	var consent, contract, publicOrLegit bool
	for i := range d.Purposes {
		p := &d.Purposes[i]
		consent = consent || p.HasBasis(policy.Consent)
		contract = contract || p.HasBasis(policy.Contract)
		publicOrLegit = publicOrLegit || p.HasBasis(policy.PublicTask) || p.HasBasis(policy.LegitimateInterests)
	}
	if consent || contract {
		out = append(out, policy.RightPortability)
	}
	if publicOrLegit {
		out = append(out, policy.RightObjection)
	}
	if consent {
		out = append(out, policy.RightWithdrawal)
	}
	return append(out, policy.RightComplaint)
}

// rightText explains a right and cites its article.
func rightText(l Language, r policy.Right) string {
	switch r {
	case policy.RightAccess:
		return l.pick("Auskunft über die zu Ihrer Person gespeicherten Daten (Art. 15 DSGVO)",
			"Access to the personal data we hold about you (Art. 15 GDPR)")
	case policy.RightRectification:
		return l.pick("Berichtigung unrichtiger Daten (Art. 16 DSGVO)", "Rectification of inaccurate data (Art. 16 GDPR)")
	case policy.RightErasure:
		return l.pick("Löschung (Art. 17 DSGVO), soweit keine gesetzliche Aufbewahrungspflicht entgegensteht",
			"Erasure (Art. 17 GDPR), unless a statutory retention obligation prevents it")
	case policy.RightRestriction:
		return l.pick("Einschränkung der Verarbeitung (Art. 18 DSGVO)", "Restriction of processing (Art. 18 GDPR)")
	case policy.RightPortability:
		return l.pick("Datenübertragbarkeit der von Ihnen bereitgestellten Daten (Art. 20 DSGVO)",
			"Portability of the data you provided (Art. 20 GDPR)")
	case policy.RightObjection:
		return l.pick("Widerspruch gegen die Verarbeitung aus Gründen, die sich aus Ihrer besonderen Situation ergeben (Art. 21 DSGVO)",
			"Objection to processing on grounds relating to your particular situation (Art. 21 GDPR)")
	case policy.RightWithdrawal:
		return l.pick("Widerruf einer erteilten Einwilligung mit Wirkung für die Zukunft (Art. 7 Abs. 3 DSGVO)",
			"Withdrawal of consent with effect for the future (Art. 7(3) GDPR)")
	case policy.RightComplaint:
		return l.pick("Beschwerde bei einer Aufsichtsbehörde (Art. 77 DSGVO)", "Complaint to a supervisory authority (Art. 77 GDPR)")
	}
	return string(r)
}

func (b *builder) rights() Section {
	s := Section{ID: SecRights, Heading: b.l.pick("Ihre Rechte", "Your rights"),
		Article: b.art("Art. 13 Abs. 2 lit. b DSGVO", "Art. 13(2)(b) GDPR")}
	var items []string
	for _, r := range Rights(b.d) {
		t := rightText(b.l, r)
		if r == policy.RightObjection && objectionPurposes(b.d) != nil {
			t += b.l.pick(" – siehe den gesonderten Hinweis unten", " – see the separate notice below")
		}
		items = append(items, t)
	}
	s.Blocks = append(s.Blocks,
		para(b.l.pick("Sie haben gegenüber dem Verantwortlichen folgende Rechte:", "You have the following rights against the controller:")),
		list(items...),
		// Art. 12(3): "without undue delay and in any event within one month
		// of receipt of the request. That period may be extended by two
		// further months where necessary ...". The notice says what the
		// law says, not that the period is extended.
		para(b.l.pick("Die Ausübung Ihrer Rechte ist unentgeltlich (Art. 12 Abs. 5 DSGVO). Wir beantworten Ihren Antrag unverzüglich, spätestens innerhalb eines Monats nach seinem Eingang. Diese Frist kann um weitere zwei Monate verlängert werden, wenn dies unter Berücksichtigung der Komplexität und der Anzahl von Anträgen erforderlich ist; über eine Verlängerung unterrichten wir Sie innerhalb eines Monats nach Eingang des Antrags, zusammen mit den Gründen (Art. 12 Abs. 3 DSGVO).",
			"Exercising your rights is free of charge (Art. 12(5) GDPR). We answer your request without undue delay and at the latest within one month of its receipt. That period may be extended by two further months where necessary, taking into account the complexity and number of requests; we inform you of any extension within one month of receipt of the request, together with the reasons (Art. 12(3) GDPR).")))
	return s
}

// objectionPurposes returns the indexes of the purposes that rest on
// Art. 6(1)(e) or (f) by a basis the notice may state: the right to object
// of Art. 21(1) applies to them and to no other.
func objectionPurposes(d *policy.Declaration) []int {
	var out []int
	for i := range d.Purposes {
		for j, lb := range d.Purposes[i].LegalBasis {
			if (lb.Basis == policy.PublicTask || lb.Basis == policy.LegitimateInterests) &&
				!d.Assumed("purposes["+strconv.Itoa(i)+"].legal_basis["+strconv.Itoa(j)+"]") {
				out = append(out, i)
				break
			}
		}
	}
	return out
}

// objection is the Art. 21 notice, set apart from the rest (Art. 21(4)) and
// limited to the purposes on Art. 6(1)(e) or (f). Where a purpose declares
// a national provision restricting the right (e.g. § 14 DSG NRW), the
// notice states it, so the subject is promised no more than the law gives.
func (b *builder) objection() Section {
	s := Section{ID: SecObjection, Heading: b.l.pick("Ihr Widerspruchsrecht nach Art. 21 DSGVO", "Your right to object under Art. 21 GDPR"),
		Article: b.art("Art. 21 Abs. 1 und 4 DSGVO", "Art. 21(1) and (4) GDPR"), Boxed: true}
	idx := objectionPurposes(b.d)
	// A purpose whose basis the notice cannot state, but whose own
	// objection mechanism the source describes, keeps that mechanism; the
	// Art. 21(1) text is stated only for the purposes on (e) or (f).
	var withChannels []int
	for i := range b.d.Purposes {
		if p := &b.d.Purposes[i]; p.Objection != nil && len(p.Objection.Channels) > 0 && !slices.Contains(idx, i) {
			withChannels = append(withChannels, i)
		}
	}
	if len(idx) == 0 {
		for _, i := range withChannels {
			b.objectionWays(&s, i)
		}
		return s
	}
	var names []string
	for _, i := range idx {
		names = append(names, b.l.text(b.d.Purposes[i].Description))
	}
	s.Blocks = append(s.Blocks,
		para(b.l.pick(
			"Sie haben das Recht, aus Gründen, die sich aus Ihrer besonderen Situation ergeben, jederzeit gegen die Verarbeitung der Sie betreffenden personenbezogenen Daten Widerspruch einzulegen, die auf Art. 6 Abs. 1 lit. e oder f DSGVO beruht. Das betrifft folgende Verarbeitungen:",
			"You have the right to object, on grounds relating to your particular situation, at any time to processing of personal data concerning you which is based on Art. 6(1)(e) or (f) GDPR. This concerns the following processing:")),
		list(names...),
		para(b.l.pick(
			"Legen Sie Widerspruch ein, verarbeiten wir diese Daten nicht mehr, es sei denn, wir können zwingende schutzwürdige Gründe für die Verarbeitung nachweisen, die Ihre Interessen, Rechte und Freiheiten überwiegen, oder die Verarbeitung dient der Geltendmachung, Ausübung oder Verteidigung von Rechtsansprüchen.",
			"If you object, we no longer process this data unless we demonstrate compelling legitimate grounds for the processing which override your interests, rights and freedoms, or the processing serves the establishment, exercise or defence of legal claims.")))
	for _, i := range idx {
		p := &b.d.Purposes[i]
		if p.Objection == nil {
			continue
		}
		name := b.l.text(p.Description)
		if lim := p.Objection.Limit; lim != nil {
			s.Blocks = append(s.Blocks, para(b.l.pick("Für „"+name+"“ gilt: ", "For “"+name+"”: ")+b.l.text(lim.Text)+" ("+norm(b.l, lim.Norm)+")."))
		}
		b.objectionWays(&s, i)
	}
	for _, i := range withChannels {
		b.objectionWays(&s, i)
	}
	s.Blocks = append(s.Blocks, para(b.l.pick(
		"Der Widerspruch ist an keine Form gebunden; Sie können ihn an den oben genannten Verantwortlichen richten.",
		"An objection needs no particular form; you can address it to the controller named above.")))
	return s
}

func (b *builder) withdrawal() Section {
	s := Section{ID: SecWithdrawal, Heading: b.l.pick("Widerruf der Einwilligung", "Withdrawal of consent"),
		Article: b.art("Art. 13 Abs. 2 lit. c DSGVO, Art. 7 Abs. 3 DSGVO", "Art. 13(2)(c) GDPR, Art. 7(3) GDPR")}
	for i := range b.d.Purposes {
		p := &b.d.Purposes[i]
		if !p.HasBasis(policy.Consent) {
			continue
		}
		s.Blocks = append(s.Blocks, sub(b.l.text(p.Description)))
		s.Blocks = append(s.Blocks, para(b.l.pick(
			"Sie können Ihre Einwilligung jederzeit mit Wirkung für die Zukunft widerrufen. Die Rechtmäßigkeit der bis zum Widerruf erfolgten Verarbeitung bleibt unberührt.",
			"You may withdraw your consent at any time with effect for the future. The lawfulness of processing before the withdrawal is not affected.")))
		c := p.Consent
		if c == nil {
			continue
		}
		var ways []string
		for k, ch := range c.Withdraw {
			// A cookie deletion is never stated as a withdrawal (FR052).
			if t := channelText(b.l, ch); t != "" && b.stated(purposePath(i)+".consent.withdraw["+strconv.Itoa(k)+"]") {
				ways = append(ways, t)
			}
		}
		if len(ways) > 0 {
			s.Blocks = append(s.Blocks, para(b.l.pick("So widerrufen Sie:", "How to withdraw:")), list(ways...))
		}
		var effects []string
		deletes, anonymizes := false, false
		for _, ds := range b.datasetsOf(p.ID) {
			di := slices.IndexFunc(b.d.Datasets, func(x policy.Dataset) bool { return x.ID == ds.ID })
			for j := range ds.Rules {
				r := &ds.Rules[j]
				if r.On != policy.EventConsentWithdrawn || !b.stated("datasets["+strconv.Itoa(di)+"].rules["+strconv.Itoa(j)+"]") {
					continue
				}
				effects = append(effects, datasetName(b.l, ds))
				deletes = deletes || r.Delete
				anonymizes = anonymizes || !r.Delete
				break
			}
		}
		if len(effects) > 0 {
			what := b.l.pick("gelöscht bzw. anonymisiert", "deleted or anonymized")
			switch {
			case deletes && !anonymizes:
				what = b.l.pick("gelöscht", "deleted")
			case anonymizes && !deletes:
				what = b.l.pick("anonymisiert", "anonymized")
			}
			s.Blocks = append(s.Blocks, para(b.l.pick(
				"Mit dem Widerruf werden sofort "+what+": ",
				"On withdrawal, the following is "+what+" at once: ")+joinWords(b.l, effects)+"."))
		}
		if c.RenewAfterWithdrawal && b.stated(purposePath(i)+".consent.renew_after_withdrawal") {
			s.Blocks = append(s.Blocks, para(b.l.pick(
				"Wenn Sie den Dienst nach einem Widerruf erneut nutzen möchten, ist eine neue Einwilligung erforderlich.",
				"If you want to use the service again after a withdrawal, a new consent is required.")))
		}
	}
	return s
}

// objectionWays adds the declared objection channels of purpose i.
func (b *builder) objectionWays(s *Section, i int) {
	p := &b.d.Purposes[i]
	var ways []string
	for k, ch := range p.Objection.Channels {
		if t := channelText(b.l, ch); t != "" && b.stated(purposePath(i)+".objection.channels["+strconv.Itoa(k)+"]") {
			ways = append(ways, t)
		}
	}
	if len(ways) > 0 {
		name := b.l.text(p.Description)
		s.Blocks = append(s.Blocks, para(b.l.pick("Widerspruch gegen „"+name+"“:", "Objection to “"+name+"”:")), list(ways...))
	}
}
