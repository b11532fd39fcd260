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
		items = append(items, rightText(b.l, r))
	}
	s.Blocks = append(s.Blocks,
		para(b.l.pick("Sie haben gegenüber dem Verantwortlichen folgende Rechte:", "You have the following rights against the controller:")),
		list(items...),
		para(b.l.pick("Die Ausübung Ihrer Rechte ist unentgeltlich (Art. 12 Abs. 5 DSGVO). Wir beantworten Ihren Antrag innerhalb eines Monats; nur in begründeten Fällen verlängert sich die Frist um höchstens zwei Monate, worüber wir Sie innerhalb des ersten Monats unterrichten (Art. 12 Abs. 3 DSGVO).",
			"Exercising your rights is free of charge (Art. 12(5) GDPR). We answer your request within one month; only where justified is this extended by at most two further months, of which we inform you within the first month (Art. 12(3) GDPR).")))
	return s
}

func (b *builder) withdrawal() Section {
	s := Section{ID: SecWithdrawal, Heading: b.l.pick("Widerruf der Einwilligung", "Withdrawal of consent"),
		Article: b.art("Art. 13 Abs. 2 lit. c DSGVO, Art. 7 Abs. 3 DSGVO", "Art. 13(2)(c) GDPR, Art. 7(3) GDPR")}
	consent := false
	for i := range b.d.Purposes {
		p := &b.d.Purposes[i]
		if !p.HasBasis(policy.Consent) {
			continue
		}
		consent = true
		s.Blocks = append(s.Blocks, sub(b.l.text(p.Description)))
		s.Blocks = append(s.Blocks, para(b.l.pick(
			"Sie können Ihre Einwilligung jederzeit mit Wirkung für die Zukunft widerrufen. Die Rechtmäßigkeit der bis zum Widerruf erfolgten Verarbeitung bleibt unberührt.",
			"You may withdraw your consent at any time with effect for the future. The lawfulness of processing before the withdrawal is not affected.")))
		c := p.Consent
		if c == nil || len(c.Withdraw) == 0 {
			s.Blocks = append(s.Blocks, para(b.l.pick("Die Erklärung nennt keinen Weg für den Widerruf.", "The declaration names no way to withdraw.")))
			continue
		}
		var ways []string
		for _, ch := range c.Withdraw {
			ways = append(ways, channelText(b.l, ch))
		}
		s.Blocks = append(s.Blocks, para(b.l.pick("So widerrufen Sie:", "How to withdraw:")), list(ways...))
		var effects []string
		deletes, anonymizes := false, false
		for _, ds := range b.datasetsOf(p.ID) {
			for j := range ds.Rules {
				if r := &ds.Rules[j]; r.On == policy.EventConsentWithdrawn {
					effects = append(effects, datasetName(b.l, ds))
					deletes = deletes || r.Delete
					anonymizes = anonymizes || !r.Delete
					break
				}
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
		if c.RenewAfterWithdrawal {
			s.Blocks = append(s.Blocks, para(b.l.pick(
				"Wenn Sie den Dienst nach einem Widerruf erneut nutzen möchten, ist eine neue Einwilligung erforderlich.",
				"If you want to use the service again after a withdrawal, a new consent is required.")))
		}
		if c.MinAge > 0 {
			s.Blocks = append(s.Blocks, para(b.l.pick(
				"Personen unter "+strconv.Itoa(c.MinAge)+" Jahren können nur mit Zustimmung der Träger der elterlichen Verantwortung einwilligen (Art. 8 Abs. 1 DSGVO).",
				"Persons under "+strconv.Itoa(c.MinAge)+" can consent only with the consent of the holder of parental responsibility (Art. 8(1) GDPR).")))
		}
	}
	if !consent {
		s.Blocks = append(s.Blocks, para(b.l.pick(
			"Keine Verarbeitung dieses Dienstes beruht auf einer Einwilligung.",
			"No processing of this service rests on consent.")))
	}
	for i := range b.d.Purposes {
		p := &b.d.Purposes[i]
		if p.Objection == nil || len(p.Objection.Channels) == 0 {
			continue
		}
		var ways []string
		for _, ch := range p.Objection.Channels {
			ways = append(ways, channelText(b.l, ch))
		}
		s.Blocks = append(s.Blocks, para(b.l.pick("Widerspruch gegen „", "Objection to “")+b.l.text(p.Description)+b.l.pick("“ (Art. 21 DSGVO):", "” (Art. 21 GDPR):")), list(ways...))
	}
	return s
}
