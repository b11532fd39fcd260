package dsar

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/frist-go/frist/notice"
	"github.com/frist-go/frist/policy"
)

// Document returns the access report as a readable document in lang
// (notice.German or notice.English), with one section per item of
// Art. 15(1) and one per dataset holding the subject's records. Markdown
// and HTML are written from it (WriteMarkdown, WriteHTML), so both say the
// same. Times are shown in loc (the controller's time zone; nil means UTC).
func (rep *AccessReport) Document(lang notice.Language, loc *time.Location) *notice.Document {
	if loc == nil {
		loc = time.UTC
	}
	l := func(de, en string) string {
		if lang == notice.English {
			return en
		}
		return de
	}
	tx := func(t policy.Text) string { return t.In(string(lang)) }
	ts := func(t time.Time) string { return t.In(loc).Format("2006-01-02 15:04 MST") }
	para := func(s string) notice.Block { return notice.Block{Kind: notice.Paragraph, Text: s} }
	list := func(items ...string) notice.Block { return notice.Block{Kind: notice.List, Items: items} }
	doc := &notice.Document{
		Lang:  lang,
		Title: l("Auskunft nach Art. 15 DSGVO", "Access report under Art. 15 GDPR"),
		Intro: fmt.Sprintf(l("Antwort auf Ihren Antrag %s vom %s, erstellt am %s.", "Answer to your request %s of %s, made on %s."),
			rep.Request.ID, rep.Request.ReceivedAt.In(loc).Format("2006-01-02"), ts(rep.GeneratedAt)),
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
	doc.Sections = append(doc.Sections, notice.Section{ID: "controller", Heading: l("Verantwortlicher", "Controller"),
		Blocks: []notice.Block{list(party(rep.Controller)...)}})
	confirm := l("Wir verarbeiten keine personenbezogenen Daten zu Ihrer Person.", "We process no personal data about you.")
	if len(rep.Datasets) > 0 {
		confirm = l("Wir verarbeiten personenbezogene Daten zu Ihrer Person, wie folgt.", "We process personal data about you, as follows.")
	}
	doc.Sections = append(doc.Sections, notice.Section{ID: "confirmation", Heading: l("Bestätigung", "Confirmation"),
		Article: l("Art. 15 Abs. 1 DSGVO", "Art. 15(1) GDPR"), Blocks: []notice.Block{para(confirm)}})
	for _, ds := range rep.Datasets {
		sec := notice.Section{ID: "dataset-" + ds.ID, Heading: nameOr(tx(ds.Description), ds.ID),
			Article: l("Art. 15 Abs. 1 lit. a–d, g und Abs. 3 DSGVO", "Art. 15(1)(a)–(d), (g) and 15(3) GDPR")}
		var purposes []string
		for _, p := range ds.Purposes {
			purposes = append(purposes, tx(p.Description)+" ("+strings.Join(p.LegalBasis, ", ")+")")
		}
		sec.Blocks = append(sec.Blocks, notice.Block{Kind: notice.Subheading, Text: l("Zwecke und Rechtsgrundlagen", "Purposes and legal bases")}, list(purposes...))
		var cats []string
		for _, c := range ds.Categories {
			s := string(c.Category) + ": " + strings.Join(c.Fields, ", ")
			if c.Special {
				s += l(" (besondere Kategorien, Art. 9 DSGVO)", " (special categories, Art. 9 GDPR)")
			}
			cats = append(cats, s)
		}
		sec.Blocks = append(sec.Blocks, notice.Block{Kind: notice.Subheading, Text: l("Kategorien", "Categories")}, list(cats...))
		var recips []string
		for _, r := range ds.Recipients {
			recips = append(recips, tx(r.Name)+" ("+string(r.Role)+")")
		}
		if len(recips) == 0 {
			recips = []string{l("keine", "none")}
		}
		sec.Blocks = append(sec.Blocks, notice.Block{Kind: notice.Subheading, Text: l("Empfänger", "Recipients")}, list(recips...))
		sec.Blocks = append(sec.Blocks, notice.Block{Kind: notice.Subheading, Text: l("Speicherdauer", "Storage period")},
			list(strings.Split(tx(ds.Storage), "\n")...))
		sec.Blocks = append(sec.Blocks, notice.Block{Kind: notice.Subheading, Text: l("Herkunft", "Source")}, para(tx(ds.Source)))
		fields := fieldNames(ds)
		header := append(append([]string{l("Schlüssel", "Key")}, fields...), l("Löschung/Anonymisierung", "Deletion/anonymization"))
		var rows [][]string
		for _, rec := range ds.Records {
			row := []string{rec.Key}
			for _, f := range fields {
				row = append(row, csvValue(rec.Fields[f]))
			}
			var when []string
			for _, d := range rec.Deadlines {
				switch {
				case d.Due != nil:
					when = append(when, string(d.Action)+" "+ts(*d.Due))
				case d.Event != "":
					when = append(when, string(d.Action)+l(" bei ", " on ")+string(d.Event))
				}
				if d.KeepUntil != nil {
					when = append(when, l("nicht vor ", "not before ")+ts(*d.KeepUntil)+" ("+d.Norm+")")
				}
			}
			rows = append(rows, append(row, strings.Join(when, "; ")))
		}
		sec.Blocks = append(sec.Blocks, notice.Block{Kind: notice.Table, Caption: l("Ihre Daten", "Your data"), Header: header, Rows: rows})
		doc.Sections = append(doc.Sections, sec)
	}
	if len(rep.NotSearched) > 0 {
		var items []string
		for _, n := range rep.NotSearched {
			items = append(items, n.Dataset+": "+tx(n.Reason))
		}
		doc.Sections = append(doc.Sections, notice.Section{ID: "not-searched", Heading: l("Nicht zuordenbare Daten", "Data not attributable to you"),
			Article: l("Art. 11 Abs. 2 DSGVO", "Art. 11(2) GDPR"), Blocks: []notice.Block{list(items...)}})
	}
	cons := []string{l("Keine Einwilligungen erfasst.", "No consents recorded.")}
	if len(rep.Consents) > 0 {
		cons = nil
		for _, c := range rep.Consents {
			cons = append(cons, ts(c.At)+": "+c.Kind+" "+c.Purpose+" (version "+c.Version+", "+c.Method+")")
		}
	}
	doc.Sections = append(doc.Sections, notice.Section{ID: "consents", Heading: l("Einwilligungen", "Consents"),
		Article: l("Art. 7 Abs. 1 DSGVO", "Art. 7(1) GDPR"), Blocks: []notice.Block{list(cons...)}})
	if len(rep.Objections) > 0 || len(rep.Holds) > 0 {
		var items []string
		for _, o := range rep.Objections {
			items = append(items, l("Widerspruch gegen ", "Objection to ")+o.Purpose+" ("+ts(o.At)+")")
		}
		for _, h := range rep.Holds {
			items = append(items, l("Sperre ", "Hold ")+h.Norm)
		}
		doc.Sections = append(doc.Sections, notice.Section{ID: "restrictions", Heading: l("Widersprüche und Sperren", "Objections and holds"),
			Blocks: []notice.Block{list(items...)}})
	}
	var rights []string
	for _, r := range rep.Rights {
		rights = append(rights, tx(r.Text)+" ("+r.Article+")")
	}
	doc.Sections = append(doc.Sections, notice.Section{ID: "rights", Heading: l("Ihre Rechte", "Your rights"),
		Article: l("Art. 15 Abs. 1 lit. e DSGVO", "Art. 15(1)(e) GDPR"), Blocks: []notice.Block{list(rights...)}})
	doc.Sections = append(doc.Sections, notice.Section{ID: "authority", Heading: l("Aufsichtsbehörde", "Supervisory authority"),
		Article: l("Art. 15 Abs. 1 lit. f DSGVO", "Art. 15(1)(f) GDPR"), Blocks: []notice.Block{list(party(rep.Authority)...)}})
	auto := l("Eine automatisierte Entscheidungsfindung einschließlich Profiling findet nicht statt.", "No automated decision-making, including profiling, takes place.")
	if rep.Automated != nil {
		auto = tx(rep.Automated.Logic) + " " + tx(rep.Automated.Consequences)
	}
	doc.Sections = append(doc.Sections, notice.Section{ID: "automated", Heading: l("Automatisierte Entscheidungen", "Automated decisions"),
		Article: l("Art. 15 Abs. 1 lit. h DSGVO", "Art. 15(1)(h) GDPR"), Blocks: []notice.Block{para(auto)}})
	transfers := l("Keine Übermittlung in Drittländer.", "No transfer to third countries.")
	if len(rep.Transfers) > 0 {
		var names []string
		for _, t := range rep.Transfers {
			names = append(names, tx(t.Name)+" ("+t.Country+", "+t.Safeguard+")")
		}
		transfers = strings.Join(names, "; ")
	}
	doc.Sections = append(doc.Sections, notice.Section{ID: "transfers", Heading: l("Drittlandübermittlung", "Third-country transfers"),
		Article: l("Art. 15 Abs. 2 DSGVO", "Art. 15(2) GDPR"), Blocks: []notice.Block{para(transfers)}})
	return doc
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
