package dsar

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/frist-go/frist/notice"
	"github.com/frist-go/frist/notify"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
	"github.com/google/uuid"
)

// Document returns the access report as a readable document in lang
// (notice.German or notice.English), with one section per item of
// Art. 15(1) and one per dataset holding the subject's records. Markdown
// and HTML are written from it (WriteMarkdown, WriteHTML), so both say the
// same. Times are shown in loc (the controller's time zone; nil means UTC).
//
// It is written for the data subject: categories, legal bases, recipient
// roles, events and consent records are named in words, fields by their
// descriptions, and each record is a table of two columns (what, value)
// with every field and time column of the copy, which reads on a phone.
func (rep *AccessReport) Document(lang notice.Language, loc *time.Location) *notice.Document {
	if loc == nil {
		loc = time.UTC
	}
	l := lang.Pick
	tx := func(t policy.Text) string { return t.In(string(lang)) }
	ts := func(t time.Time) string {
		if lang == notice.English {
			return t.In(loc).Format("2 January 2006, 15:04 MST")
		}
		return t.In(loc).Format("02.01.2006, 15:04 Uhr MST")
	}
	para := func(s string) notice.Block { return notice.Block{Kind: notice.Paragraph, Text: s} }
	list := func(items ...string) notice.Block { return notice.Block{Kind: notice.List, Items: items} }
	sub := func(s string) notice.Block { return notice.Block{Kind: notice.Subheading, Text: s} }
	received := rep.Request.ReceivedAt.In(loc).Format("02.01.2006")
	if lang == notice.English {
		received = rep.Request.ReceivedAt.In(loc).Format("2 January 2006")
	}
	doc := &notice.Document{
		Lang:  lang,
		Title: l("Auskunft nach Art. 15 DSGVO", "Access report under Art. 15 GDPR"),
		Intro: fmt.Sprintf(l("Antwort auf Ihren Antrag vom %s (Aktenzeichen %s), erstellt am %s.", "Answer to your request of %s (reference %s), made on %s."),
			received, rep.Request.ID, ts(rep.GeneratedAt)),
	}
	party := func(p Party) []string {
		out := []string{p.Name}
		for _, s := range []string{p.Address, p.Contact.Email, p.Contact.Phone, p.Contact.Web} {
			if s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	// purposeName names a purpose by its description where the report
	// knows it.
	purposes := map[string]string{}
	for _, ds := range rep.Datasets {
		for _, p := range ds.Purposes {
			purposes[p.ID] = tx(p.Description)
		}
	}
	purposeName := func(id string) string {
		if n := purposes[id]; n != "" {
			return n
		}
		return id
	}
	doc.Sections = append(doc.Sections, notice.Section{ID: "controller", Heading: l("Verantwortlicher", "Controller"),
		Blocks: []notice.Block{list(party(rep.Controller)...)}})
	confirm := l("Wir verarbeiten keine personenbezogenen Daten zu Ihrer Person.", "We process no personal data about you.")
	if len(rep.Datasets) > 0 {
		confirm = l("Wir verarbeiten personenbezogene Daten zu Ihrer Person, wie folgt.", "We process personal data about you, as follows.")
	}
	doc.Sections = append(doc.Sections, notice.Section{ID: "confirmation", Heading: l("Bestätigung", "Confirmation"),
		Article: l("Art. 15 Abs. 1 DSGVO", "Art. 15(1) GDPR"), Blocks: []notice.Block{para(confirm)}})
	for _, ds := range rep.Datasets {
		label := func(name string) string {
			if t, ok := ds.Labels[name]; ok {
				return tx(t)
			}
			return name
		}
		sec := notice.Section{ID: "dataset-" + ds.ID, Heading: nameOr(tx(ds.Description), ds.ID),
			Article: l("Art. 15 Abs. 1 lit. a–d, g und Abs. 3 DSGVO", "Art. 15(1)(a)–(d), (g) and 15(3) GDPR")}
		var ps []string
		for _, p := range ds.Purposes {
			var bases []string
			for _, b := range p.LegalBasis {
				bases = append(bases, notice.BasisLabel(lang, policy.Basis(b)))
			}
			ps = append(ps, tx(p.Description)+" – "+strings.Join(bases, l(" und ", " and ")))
		}
		sec.Blocks = append(sec.Blocks, sub(l("Zwecke und Rechtsgrundlagen", "Purposes and legal bases")), list(ps...))
		var cats []string
		for _, c := range ds.Categories {
			var names []string
			for _, f := range c.Fields {
				names = append(names, label(f))
			}
			s := notice.CategoryLabel(lang, c.Category) + ": " + strings.Join(names, ", ")
			if c.Special {
				s += l(" (darunter besondere Kategorien personenbezogener Daten, Art. 9 DSGVO)", " (including special categories of personal data, Art. 9 GDPR)")
			}
			cats = append(cats, s)
		}
		sec.Blocks = append(sec.Blocks, sub(l("Kategorien personenbezogener Daten", "Categories of personal data")), list(cats...))
		var recips []string
		for _, r := range ds.Recipients {
			recips = append(recips, tx(r.Name)+" – "+notice.RoleLabel(lang, r.Role))
		}
		if len(recips) == 0 {
			recips = []string{l("keine Empfänger außerhalb des Verantwortlichen", "no recipients outside the controller")}
		}
		sec.Blocks = append(sec.Blocks, sub(l("Empfänger", "Recipients")), list(recips...))
		sec.Blocks = append(sec.Blocks, sub(l("Speicherdauer", "Storage period")),
			list(strings.Split(tx(ds.Storage), "\n")...))
		sec.Blocks = append(sec.Blocks, sub(l("Herkunft", "Source")), para(tx(ds.Source)))
		sec.Blocks = append(sec.Blocks, sub(l("Ihre Daten", "Your data")))
		fields := fieldNames(ds)
		for n, rec := range ds.Records {
			rows := [][]string{{l("Kennung des Datensatzes", "Record identifier"), rec.Key}}
			for _, f := range fields {
				rows = append(rows, []string{label(f), csvValue(rec.Fields[f])})
			}
			for _, name := range sortedKeys(rec.Times) {
				rows = append(rows, []string{label(name), ts(rec.Times[name])})
			}
			for _, d := range rec.Deadlines {
				what := l("Löschung", "Deletion")
				if d.Action != "delete" {
					var names []string
					for _, f := range d.Fields {
						names = append(names, label(f))
					}
					what = l("Anonymisierung", "Anonymization")
					if len(names) > 0 {
						what += " (" + strings.Join(names, ", ") + ")"
					}
				}
				var when string
				switch {
				case d.Due != nil:
					when = l("spätestens am ", "at the latest on ") + ts(*d.Due)
				case d.Event != "":
					when = notice.EventLabel(lang, d.Event)
				}
				if d.KeepUntil != nil {
					when += l(", nicht vor ", ", not before ") + ts(*d.KeepUntil) + " (" + d.Norm + ")"
				}
				rows = append(rows, []string{what, when})
			}
			caption := fmt.Sprintf(l("Datensatz %d von %d", "Record %d of %d"), n+1, len(ds.Records))
			sec.Blocks = append(sec.Blocks, notice.Block{Kind: notice.Table, Caption: caption,
				Header: []string{l("Angabe", "Item"), l("Inhalt", "Content")}, Rows: rows})
		}
		doc.Sections = append(doc.Sections, sec)
	}
	if len(rep.NotSearched) > 0 {
		var items []string
		for _, n := range rep.NotSearched {
			items = append(items, nameOr(tx(n.Description), n.Dataset)+": "+tx(n.Reason))
		}
		doc.Sections = append(doc.Sections, notice.Section{ID: "not-searched", Heading: l("Nicht zuordenbare Daten", "Data not attributable to you"),
			Article: l("Art. 11 Abs. 2 DSGVO", "Art. 11(2) GDPR"), Blocks: []notice.Block{list(items...)}})
	}
	cons := []string{l("Keine Einwilligungen erfasst.", "No consents recorded.")}
	if len(rep.Consents) > 0 {
		cons = nil
		for _, c := range rep.Consents {
			s := ts(c.At) + ": " + consentKind(lang, c.Kind) + " – " + purposeName(c.Purpose)
			var details []string
			if c.Version != "" {
				details = append(details, l("Fassung ", "version ")+c.Version)
			}
			if c.Method != "" {
				details = append(details, consentMethod(lang, c.Method))
			}
			if len(details) > 0 {
				s += " (" + strings.Join(details, ", ") + ")"
			}
			cons = append(cons, s)
		}
	}
	doc.Sections = append(doc.Sections, notice.Section{ID: "consents", Heading: l("Einwilligungen", "Consents"),
		Article: l("Art. 7 Abs. 1 DSGVO", "Art. 7(1) GDPR"), Blocks: []notice.Block{list(cons...)}})
	if len(rep.Objections) > 0 || len(rep.Holds) > 0 {
		var items []string
		for _, o := range rep.Objections {
			s := l("Widerspruch gegen „", "Objection to “") + purposeName(o.Purpose) + l("“ vom ", "” of ") + ts(o.At)
			if o.LiftedAt != nil {
				s += l(", aufgehoben am ", ", lifted on ") + ts(*o.LiftedAt)
			}
			items = append(items, s)
		}
		for _, h := range rep.Holds {
			items = append(items, holdLabel(lang, h.Reason)+" ("+norm(lang, h.Norm)+")")
		}
		doc.Sections = append(doc.Sections, notice.Section{ID: "restrictions", Heading: l("Widersprüche und Sperren", "Objections and holds"),
			Blocks: []notice.Block{list(items...)}})
	}
	if sec, ok := recipientsToldSection(lang, rep, ts); ok {
		doc.Sections = append(doc.Sections, sec)
	}
	var rights []string
	for _, r := range rep.Rights {
		rights = append(rights, tx(r.Text))
	}
	doc.Sections = append(doc.Sections, notice.Section{ID: "rights", Heading: l("Ihre Rechte", "Your rights"),
		Article: l("Art. 15 Abs. 1 lit. e DSGVO", "Art. 15(1)(e) GDPR"), Blocks: []notice.Block{list(rights...)}})
	authority := []notice.Block{para(l("Sie haben das Recht, sich bei einer Datenschutz-Aufsichtsbehörde zu beschweren (Art. 77 DSGVO).",
		"You have the right to lodge a complaint with a supervisory authority (Art. 77 GDPR)."))}
	if rep.Authority.Name != "" {
		authority = append(authority, list(party(rep.Authority)...))
	}
	doc.Sections = append(doc.Sections, notice.Section{ID: "authority", Heading: l("Aufsichtsbehörde", "Supervisory authority"),
		Article: l("Art. 15 Abs. 1 lit. f DSGVO", "Art. 15(1)(f) GDPR"), Blocks: authority})
	auto := l("Eine automatisierte Entscheidungsfindung einschließlich Profiling findet nicht statt.", "No automated decision-making, including profiling, takes place.")
	if rep.Automated != nil {
		auto = tx(rep.Automated.Logic) + " " + tx(rep.Automated.Consequences)
	}
	doc.Sections = append(doc.Sections, notice.Section{ID: "automated", Heading: l("Automatisierte Entscheidungen", "Automated decisions"),
		Article: l("Art. 15 Abs. 1 lit. h DSGVO", "Art. 15(1)(h) GDPR"), Blocks: []notice.Block{para(auto)}})
	transfers := l("Keine Übermittlung in Länder außerhalb des Europäischen Wirtschaftsraums.", "No transfer to countries outside the European Economic Area.")
	if len(rep.Transfers) > 0 {
		var names []string
		for _, t := range rep.Transfers {
			names = append(names, tx(t.Name)+" ("+t.Country+", "+tx(t.Safeguard)+")")
		}
		transfers = strings.Join(names, "; ")
	}
	doc.Sections = append(doc.Sections, notice.Section{ID: "transfers", Heading: l("Drittlandübermittlung", "Third-country transfers"),
		Article: l("Art. 15 Abs. 2 DSGVO", "Art. 15(2) GDPR"), Blocks: []notice.Block{para(transfers)}})
	return doc
}

// recipientsToldSection lists the recipients told of a change to the
// subject's data (Art. 19). It says what the audit log records and no
// more: a failed communication, or one left to the controller, is shown
// as such, with what the log does not say. It is left out when nothing
// was told and no dataset in the report has recipients.
func recipientsToldSection(lang notice.Language, rep *AccessReport, ts func(time.Time) string) (notice.Section, bool) {
	l := lang.Pick
	hasRecipients := false
	for _, ds := range rep.Datasets {
		hasRecipients = hasRecipients || len(ds.Recipients) > 0
	}
	if len(rep.RecipientsTold) == 0 && !hasRecipients {
		return notice.Section{}, false
	}
	items := []string{l("keine Mitteilung an einen Empfänger.", "no communication to a recipient.")}
	if len(rep.RecipientsTold) > 0 {
		items = nil
		for _, t := range rep.RecipientsTold {
			var outcome string
			switch t.Outcome {
			case notify.Told:
				outcome = l("mitgeteilt.", "told.")
			case notify.NotTold:
				outcome = l("Die Mitteilung ist fehlgeschlagen; ob der Empfänger auf anderem Weg unterrichtet wurde, verzeichnet unser Protokoll nicht.",
					"the communication failed; our log does not record whether the recipient was told by other means.")
			default:
				outcome = l("Die Mitteilung war auf anderem Weg zu machen; ob und wann das geschah, verzeichnet unser Protokoll nicht.",
					"the communication had to be made by other means; our log does not record whether and when that happened.")
			}
			cause := fmt.Sprintf(l("Aktenzeichen %s", "reference %s"), t.Request)
			if t.Request == uuid.Nil {
				// A rule's erasure after an event, not a request.
				cause = notice.EventPhrase(lang, t.Event)
			}
			items = append(items, fmt.Sprintf(l("%s – %s vom %s (%s): %s", "%s – %s of %s (%s): %s"),
				nameOr(t.Name.In(string(lang)), t.Recipient), changeLabel(lang, t.Change), ts(t.At), cause, outcome))
		}
	}
	return notice.Section{ID: "recipients-told", Heading: l("Mitteilungen an Empfänger", "Recipients told of changes"),
		Article: l("Art. 19 DSGVO", "Art. 19 GDPR"), Blocks: []notice.Block{
			{Kind: notice.Paragraph, Text: l(
				"Berichtigen oder löschen wir Ihre Daten oder schränken wir ihre Verarbeitung ein, müssen wir das jedem Empfänger mitteilen, dem die Daten offengelegt wurden, es sei denn, dies ist unmöglich oder mit unverhältnismäßigem Aufwand verbunden (Art. 19 Satz 1 DSGVO). Über diese Empfänger unterrichten wir Sie hier (Art. 19 Satz 2 DSGVO). Mitteilungen über Löschungen nach Ablauf einer Speicherfrist nennen keine einzelnen Personen und sind hier daher nicht aufgeführt. Zu den Berichtigungen, Löschungen und Einschränkungen, die wir auf Ihre Anträge hin vorgenommen haben, und zu den Löschungen, die eine Stornierung, der Widerruf Ihrer Einwilligung oder ein anderes Ereignis ausgelöst hat, verzeichnet unser Protokoll:",
				"When we rectify or erase your data or restrict its processing, we must communicate this to each recipient to whom the data was disclosed, unless this proves impossible or involves disproportionate effort (Art. 19, first sentence, GDPR). This section informs you about those recipients (Art. 19, second sentence, GDPR). Communications of erasures at the end of a retention period name no individual person and are therefore not listed here. For the rectifications, erasures and restrictions we made on your requests, and for the erasures that a cancellation, the withdrawal of your consent or another event caused, our log records:")},
			{Kind: notice.List, Items: items},
		}}, true
}

// changeLabel names the change a recipient was told of.
func changeLabel(l notice.Language, k Kind) string {
	switch k {
	case Erasure:
		return l.Pick("Löschung", "erasure")
	case Rectification:
		return l.Pick("Berichtigung", "rectification")
	case Restriction:
		return l.Pick("Einschränkung der Verarbeitung", "restriction of processing")
	}
	return k.String()
}

// consentKind names a consent ledger event.
func consentKind(l notice.Language, kind string) string {
	switch kind {
	case "granted":
		return l.Pick("Einwilligung erteilt", "consent given")
	case "withdrawn":
		return l.Pick("Einwilligung widerrufen", "consent withdrawn")
	case "refused":
		return l.Pick("Einwilligung nicht wirksam erteilt", "consent not validly given")
	}
	return kind
}

// consentMethod names how a consent was given or withdrawn.
func consentMethod(l notice.Language, m string) string {
	switch m {
	case "web_form":
		return l.Pick("über das Webformular", "through the web form")
	case "paper":
		return l.Pick("schriftlich", "in writing")
	case "phone":
		return l.Pick("telefonisch", "by phone")
	case "link":
		return l.Pick("über den Link", "through the link")
	case "email":
		return l.Pick("per E-Mail", "by e-mail")
	case "post":
		return l.Pick("per Post", "by post")
	case "in_person":
		return l.Pick("persönlich", "in person")
	case "form":
		return l.Pick("über ein Formular", "through a form")
	}
	return m
}

// holdLabel says why records are kept despite a request.
func holdLabel(l notice.Language, r store.HoldReason) string {
	switch r {
	case store.HoldLegalObligation:
		return l.Pick("Aufbewahrung wegen einer gesetzlichen Pflicht", "kept for a legal obligation")
	case store.HoldLegalClaims:
		return l.Pick("Aufbewahrung zur Geltendmachung, Ausübung oder Verteidigung von Rechtsansprüchen", "kept for legal claims")
	case store.HoldRestriction:
		return l.Pick("Verarbeitung eingeschränkt", "processing restricted")
	}
	return string(r)
}

// norm writes a GDPR citation in l.
func norm(l notice.Language, s string) string {
	if l == notice.German {
		return strings.ReplaceAll(s, "GDPR", "DSGVO")
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// WriteMarkdown writes the report in lang as Markdown.
func (rep *AccessReport) WriteMarkdown(w io.Writer, lang notice.Language, loc *time.Location) error {
	return rep.Document(lang, loc).WriteMarkdown(w)
}

// WriteHTML writes the report in lang as a standalone HTML page.
func (rep *AccessReport) WriteHTML(w io.Writer, lang notice.Language, loc *time.Location) error {
	return rep.Document(lang, loc).WriteHTML(w)
}

func nameOr(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// fieldNames lists the fields the dataset's records hold, in a stable
// order.
func fieldNames(ds DatasetInfo) []string {
	var out []string
	for _, c := range ds.Categories {
		out = append(out, c.Fields...)
	}
	if len(out) == 0 && len(ds.Records) > 0 {
		for f := range ds.Records[0].Fields {
			out = append(out, f)
		}
		slices.Sort(out)
	}
	return out
}
