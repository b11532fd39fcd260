package notice

import (
	"slices"
	"time"

	"github.com/frist-go/frist/policy"
)

// Which of frist's own records a statement is about.
const (
	ownConsent    = iota // proof of consent, for purposes on consent
	ownRequests          // data-subject requests, always
	ownObjections        // objections, for purposes on Art. 6(1)(e) or (f)
	ownAudit             // the audit log, always
	ownHolds             // restrictions and holds, always
)

// RecordPeriods states how long the controller keeps its own records of
// the processing, from d.RecordRetention(), the periods the retention
// engine enforces: the proof of consent where a purpose rests on consent
// (Art. 7(1)), the records of data-subject requests (Art. 15 to 21) and,
// where a purpose rests on Art. 6(1)(e) or (f), of objections (Art. 21),
// of restrictions (Art. 18) and holds (Art. 17(3)) once they ended, and
// of the audit log that proves the erasures (Art. 5(2)). They are
// storage periods of Art. 13(2)(a) and time limits for erasure of
// Art. 30(1)(f). A period the declaration marks as an assumption is not
// stated.
func RecordPeriods(d *policy.Declaration, lang Language) []string {
	b := &builder{d: d, l: lang}
	return b.recordPeriods(b.ownKinds()...)
}

// ownKinds returns the kinds of the controller's own records that d has
// and states: proof of consent where a purpose rests on consent, requests
// always, objections where a purpose rests on Art. 6(1)(e) or (f),
// restrictions and holds always (a data subject may always ask for a
// restriction, Art. 18(1)), the audit log always.
func (b *builder) ownKinds() []int {
	var kinds []int
	for i := range b.d.Purposes {
		if consentPurpose(b.d, i) {
			kinds = append(kinds, ownConsent)
			break
		}
	}
	kinds = append(kinds, ownRequests)
	if len(objectionPurposes(b.d)) > 0 {
		kinds = append(kinds, ownObjections)
	}
	kinds = append(kinds, ownHolds, ownAudit)
	return slices.DeleteFunc(kinds, func(k int) bool { return !b.statedOwn(k) })
}

// statedOwn reports whether the period of kind k may be stated: it is not
// marked as an assumption.
func (b *builder) statedOwn(k int) bool {
	if !b.stated("records") {
		return false
	}
	switch k {
	case ownConsent:
		return b.stated("records.consent")
	case ownAudit:
		return b.stated("records.audit")
	case ownHolds:
		return b.stated("records.holds")
	}
	return b.stated("records.requests")
}

// ownHeading names the kinds of own records stated: "Nachweise über
// Einwilligungen, Anträge, Widersprüche, Einschränkungen und Löschungen".
func ownHeading(l Language, kinds []int) string {
	var names []string
	for _, k := range kinds {
		switch k {
		case ownConsent:
			names = append(names, l.pick("Einwilligungen", "consents"))
		case ownRequests:
			names = append(names, l.pick("Anträge", "requests"))
		case ownObjections:
			names = append(names, l.pick("Widersprüche", "objections"))
		case ownHolds:
			names = append(names, l.pick("Einschränkungen", "restrictions"))
		case ownAudit:
			names = append(names, l.pick("Löschungen", "erasures"))
		}
	}
	return l.pick("Nachweise über ", "Records of ") + joinWords(l, names)
}

// childrenConsent reports whether a purpose on consent is offered directly
// to children, so that a guardian may consent (Art. 8(1)).
func (b *builder) childrenConsent() bool {
	for i := range b.d.Purposes {
		if consentPurpose(b.d, i) && b.d.Purposes[i].OfferedToChildren {
			return true
		}
	}
	return false
}

// consentPurpose reports whether purpose i rests on consent with a consent
// the ledger records.
func consentPurpose(d *policy.Declaration, i int) bool {
	p := &d.Purposes[i]
	return p.Consent != nil && p.HasBasis(policy.Consent)
}

// recordPeriods states the periods of the kinds of record given, in that
// order, leaving out those it may not state (statedOwn).
func (b *builder) recordPeriods(kinds ...int) []string {
	var out []string
	for _, k := range kinds {
		if b.statedOwn(k) {
			out = append(out, b.ownSentences(k)...)
		}
	}
	return out
}

// ownSentences states the period of the records of kind k.
func (b *builder) ownSentences(k int) []string {
	l := b.l
	r := b.d.RecordRetention()
	var out []string
	switch k {
	case ownConsent:
		// What the ledger keeps with each event: its time, the text's
		// version and hash, the method, for a child the guardian, and
		// evidence only as a keyed pseudonym.
		evidenceDE, evidenceEN := "Zeitpunkt, Fassung des Einwilligungstextes, Art der Abgabe", "the time, the version of the consent text, how it was given"
		if b.childrenConsent() {
			evidenceDE += ", wer für ein Kind eingewilligt hat"
			evidenceEN += ", who consented for a child"
		}
		out = append(out,
			l.pick("Nachweise über Einwilligungen (ihre Erteilung und ihr Widerruf sowie als nicht wirksam zurückgewiesene Einwilligungen, jeweils mit den Angaben, die sie belegen, darunter "+evidenceDE+" und, soweit erhoben, technische Nachweise wie die IP-Adresse, nur als Pseudonym) werden gespeichert, solange die Einwilligung besteht (Art. 7 Abs. 1 DSGVO).",
				"Proof of consent (its grant and withdrawal, and consents refused as not validly given, each with what proves it, including "+evidenceEN+", and, where collected, technical evidence such as the IP address, only as a pseudonym) is kept as long as the consent is in force (Art. 7(1) GDPR)."),
			sentence(l.pick("besteht die Einwilligung nicht mehr, werden die Nachweise ", "once it is no longer in force, the proof is deleted ")+
				deletedAfter(l, r.Consent,
					"des letzten Widerrufs oder der letzten Zurückweisung", "of the last withdrawal or refusal",
					"dem letzten Widerruf oder der letzten Zurückweisung", "the last withdrawal or refusal")))
	case ownRequests:
		out = append(out, sentence(
			l.pick("Anträge betroffener Personen nach Art. 15 bis 21 DSGVO werden mit ihrem Verlauf (Eingang, Frist, Bearbeitung und Erledigung) gespeichert und ",
				"Requests of data subjects under Art. 15 to 21 GDPR are kept with their course (receipt, time limit, handling and completion) and deleted ")+
				deletedAfter(l, r.Requests,
					"ihres Abschlusses", "in which they were closed",
					"ihrem Abschluss", "they were closed")+
				l.pick("; offene Anträge werden nicht gelöscht", "; open requests are not deleted")))
		if b.stated("records.identify_requests_for") && identifiedBeforeDeleted(r) {
			out = append(out, sentence(l.pick(
				periodPhrase(l, r.IdentifyRequestsFor, false)+" nach dem Abschluss eines Antrags wird die Kennung der betroffenen Person darin durch ein Pseudonym ersetzt, das mit einem geheimen Schlüssel aus der Kennung berechnet wird",
				periodPhrase(l, r.IdentifyRequestsFor, false)+" after a request is closed, the identifier of the data subject in it is replaced by a pseudonym computed from the identifier with a secret key")))
		}
	case ownObjections:
		out = append(out, sentence(
			l.pick("Widersprüche nach Art. 21 DSGVO werden gespeichert, solange sie wirken; endet die Wirkung eines Widerspruchs, weil er zurückgenommen wurde oder zwingende schutzwürdige Gründe für die Verarbeitung nachgewiesen sind, wird er ",
				"Objections under Art. 21 GDPR are kept as long as they apply; once an objection no longer applies, because it was withdrawn or compelling legitimate grounds for the processing were demonstrated, it is deleted ")+
				deletedAfter(l, r.Requests,
					", in dem seine Wirkung endete,", "in which it ceased to apply",
					"dem Ende seiner Wirkung", "it ceased to apply")))
	case ownHolds:
		// A hold names the record's key or the subject's identifier
		// (store.Hold); it is deleted once policy.Records.Holds has run
		// out since it ended, and never while it applies.
		out = append(out, sentence(
			l.pick("Einschränkungen der Verarbeitung (Art. 18 DSGVO) und Sperren von Daten, die wegen einer rechtlichen Verpflichtung oder zur Geltendmachung, Ausübung oder Verteidigung von Rechtsansprüchen nicht gelöscht werden (Art. 17 Abs. 3 lit. b und e DSGVO), werden mit der Kennung der betroffenen Person oder des Datensatzes gespeichert, solange sie gelten; nach ihrem Ende, weil sie aufgehoben wurden oder ihre Frist abgelaufen ist, werden sie ",
				"Restrictions of processing (Art. 18 GDPR) and holds on data that is not erased because of a legal obligation or for the establishment, exercise or defence of legal claims (Art. 17(3)(b) and (e) GDPR) are kept with the identifier of the data subject or of the record as long as they apply; once they ended, because they were lifted or their time ran out, they are deleted ")+
				deletedAfter(l, r.Holds,
					"ihres Endes", "in which they ended",
					"ihrem Ende", "they ended")))
	case ownAudit:
		out = append(out, sentence(
			l.pick("Das Protokoll, mit dem nachgewiesen wird, wann Daten gelöscht, anonymisiert oder gesperrt wurden (Art. 5 Abs. 2 DSGVO), nennt betroffene Personen nur als Pseudonym; jeder Eintrag wird ",
				"The log that proves when data was deleted, anonymized or restricted (Art. 5(2) GDPR) names data subjects only by a pseudonym; each entry is deleted ")+
				deletedAfter(l, r.Audit,
					", in dem er geschrieben wurde,", "in which it was written",
					"dem Vorgang, den er belegt,", "the event it records")))
	}
	return out
}

// deletedAfter is recordDeadline followed by the verb German puts last
// and the limitation period behind the default (limitation): the end of
// every sentence that says when one kind of frist's records is deleted.
func deletedAfter(l Language, r policy.RecordPeriod, yearDE, yearEN, endDE, endEN string) string {
	return recordDeadline(l, r, yearDE, yearEN, endDE, endEN) + l.pick(" gelöscht", "") + limitation(l, r)
}

// recordDeadline says when a record is deleted under r: "drei Jahre nach
// Ablauf des Kalenderjahres ihres Abschlusses", "three years after the end
// of the calendar year in which they were closed", or counted from the
// end itself, "drei Jahre nach ihrem Abschluss", "three years after they
// were closed". yearDE follows "Kalenderjahres" (a genitive, or a relative
// clause starting with its comma); endDE follows "nach" (a dative).
func recordDeadline(l Language, r policy.RecordPeriod, yearDE, yearEN, endDE, endEN string) string {
	n := periodPhrase(l, r.Keep, false)
	if r.From == policy.FromYearEnd {
		sep := " "
		if yearDE != "" && yearDE[0] == ',' {
			sep = ""
		}
		return l.pick(n+" nach Ablauf des Kalenderjahres"+sep+yearDE, n+" after the end of the calendar year "+yearEN)
	}
	return l.pick(n+" nach "+endDE, n+" after "+endEN)
}

// limitation gives the reason of the default period, the regular
// limitation period of claims that the records prove the answer to; a
// period the declaration sets is stated without a reason frist cannot
// vouch for.
func limitation(l Language, r policy.RecordPeriod) string {
	if r != policy.DefaultRecordPeriod {
		return ""
	}
	return l.pick(" (regelmäßige Verjährungsfrist, §§ 195, 199 Abs. 1 BGB)", " (the regular limitation period, §§ 195 and 199(1) BGB)")
}

// identifiedBeforeDeleted reports whether a closed request's identifier is
// certainly replaced before the request is deleted: the longest the
// identify period can last is shorter than the shortest the request period
// can. Otherwise the request is deleted first, or for some requests, and
// the notice says only that.
func identifiedBeforeDeleted(r policy.Records) bool {
	return longest(r.IdentifyRequestsFor) < r.Requests.Period().Shortest()
}

// longest returns the longest time p can span: 31 days a month, 366 a
// year, and the hour a day gains when daylight saving ends.
func longest(p policy.Period) time.Duration {
	const day = 24 * time.Hour
	switch p.Unit {
	case policy.Hours:
		return time.Duration(p.N) * time.Hour
	case policy.Days:
		return time.Duration(p.N)*day + time.Hour
	case policy.Weeks:
		return time.Duration(7*p.N)*day + time.Hour
	case policy.Months:
		return time.Duration(31*p.N)*day + time.Hour
	case policy.Years:
		return time.Duration(366*p.N)*day + time.Hour
	}
	return 1<<63 - 1
}
