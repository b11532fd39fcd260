package notice

import (
	"bufio"
	"encoding/csv"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/frist-go/frist/policy"
)

// Activity is one processing activity of the record of processing
// activities: one purpose with everything Art. 30(1)(a)–(g) asks for.
type Activity struct {
	// Controller names the controller and its contact details, and the
	// DPO's (Art. 30(1)(a)).
	Controller string
	DPO        string
	// Purpose is the purpose of processing (Art. 30(1)(b)); LegalBasis is
	// not required by Art. 30 but recorded so the record stands alone.
	Purpose    string
	LegalBasis string
	// Subjects and Data are the categories of data subjects and of personal
	// data (Art. 30(1)(c)).
	Subjects string
	Data     string
	// Recipients are the categories of recipients (Art. 30(1)(d)).
	Recipients string
	// Transfers are transfers to third countries with their safeguards
	// (Art. 30(1)(e)).
	Transfers string
	// Erasure states the time limits for erasure (Art. 30(1)(f)).
	Erasure string
	// Measures refers to the technical and organisational measures
	// (Art. 30(1)(g), Art. 32(1)).
	Measures string
}

// Record returns the record of processing activities of d in lang, one
// Activity per purpose, in the declaration's order.
func Record(d *policy.Declaration, lang Language) ([]Activity, error) {
	if !d.Validated() {
		return nil, ErrNotValidated
	}
	b := &builder{d: d, l: lang}
	none := lang.pick("keine", "none")
	orNone := func(items []string) string {
		if len(items) == 0 {
			return none
		}
		return strings.Join(items, "; ")
	}
	ctrl := strings.Join(append([]string{d.Controller.Name}, b.contactLines(d.Controller.Address, d.Controller.Contact)...), ", ")
	dpo := strings.Join(b.contactLines(d.DPO.Address, d.DPO.Contact), ", ")
	if d.DPO.Name != "" {
		dpo = d.DPO.Name + ", " + dpo
	}
	if dpo == "" {
		dpo = lang.pick("nicht angegeben", "not stated")
	}
	measures := lang.text(d.Measures)
	if measures == "" {
		measures = lang.pick("nicht angegeben", "not stated")
	}
	var out []Activity
	for i := range d.Purposes {
		p := &d.Purposes[i]
		var bases []string
		for _, lb := range p.LegalBasis {
			bases = append(bases, basisText(lang, lb))
		}
		if p.SpecialCategories != "" {
			bases = append(bases, specialText(lang, p.SpecialCategories))
		}
		var subjects, data, recipients, transfers, erasure []string
		recipientIDs := slices.Clone(p.Recipients)
		for _, ds := range b.datasetsOf(p.ID) {
			if s := lang.text(ds.Subjects); s != "" && !slices.Contains(subjects, s) {
				subjects = append(subjects, s)
			}
			for j := range ds.Fields {
				f := &ds.Fields[j]
				c := categoryName(lang, f.Category)
				if f.Special {
					c = categoryName(lang, policy.CatSpecial)
				}
				if !slices.Contains(data, c) {
					data = append(data, c)
				}
			}
			for _, r := range ds.Recipients {
				if !slices.Contains(recipientIDs, r) {
					recipientIDs = append(recipientIDs, r)
				}
			}
			erasure = append(erasure, StoragePeriods(ds, lang)...)
		}
		for _, id := range recipientIDs {
			r := d.Recipient(id)
			if r == nil {
				continue
			}
			recipients = append(recipients, r.Name+" ("+b.roleName(r.Role)+")")
			if r.Country != "" && !InEEA(r.Country) {
				g := r.Safeguard
				if g == "" {
					g = lang.pick("keine Garantie angegeben", "no safeguard stated")
				}
				transfers = append(transfers, r.Name+" ("+r.Country+"): "+g)
			}
		}
		if len(subjects) == 0 {
			subjects = []string{lang.pick("nicht angegeben", "not stated")}
		}
		out = append(out, Activity{
			Controller: ctrl,
			DPO:        dpo,
			Purpose:    lang.text(p.Description),
			LegalBasis: strings.Join(bases, "; "),
			Subjects:   strings.Join(subjects, "; "),
			Data:       orNone(data),
			Recipients: orNone(recipients),
			Transfers:  orNone(transfers),
			Erasure:    orNone(erasure),
			Measures:   measures,
		})
	}
	return out, nil
}

// ropaHeader returns the column names with their Art. 30(1) letters.
func ropaHeader(l Language) []string {
	return []string{
		l.pick("Verantwortlicher (Art. 30 Abs. 1 lit. a)", "Controller (Art. 30(1)(a))"),
		l.pick("Datenschutzbeauftragte (Art. 30 Abs. 1 lit. a)", "Data-protection officer (Art. 30(1)(a))"),
		l.pick("Zweck (Art. 30 Abs. 1 lit. b)", "Purpose (Art. 30(1)(b))"),
		l.pick("Rechtsgrundlage", "Legal basis"),
		l.pick("Betroffene Personen (Art. 30 Abs. 1 lit. c)", "Data subjects (Art. 30(1)(c))"),
		l.pick("Datenkategorien (Art. 30 Abs. 1 lit. c)", "Categories of data (Art. 30(1)(c))"),
		l.pick("Empfänger (Art. 30 Abs. 1 lit. d)", "Recipients (Art. 30(1)(d))"),
		l.pick("Drittlandübermittlung (Art. 30 Abs. 1 lit. e)", "Third-country transfers (Art. 30(1)(e))"),
		l.pick("Löschfristen (Art. 30 Abs. 1 lit. f)", "Erasure time limits (Art. 30(1)(f))"),
		l.pick("Technische und organisatorische Maßnahmen (Art. 30 Abs. 1 lit. g)", "Technical and organisational measures (Art. 30(1)(g))"),
	}
}

func (a Activity) cells() []string {
	return []string{a.Controller, a.DPO, a.Purpose, a.LegalBasis, a.Subjects, a.Data, a.Recipients, a.Transfers, a.Erasure, a.Measures}
}

// RecordCSV writes the record of processing activities of d as CSV: a
// header row naming each Art. 30(1) item, then one row per purpose.
func RecordCSV(w io.Writer, d *policy.Declaration, lang Language) error {
	acts, err := Record(d, lang)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(ropaHeader(lang)); err != nil {
		return err
	}
	for _, a := range acts {
		if err := cw.Write(a.cells()); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// RecordMarkdown writes the record of processing activities of d as
// Markdown: one section per purpose, each a two-column table of the
// Art. 30(1) items.
func RecordMarkdown(w io.Writer, d *policy.Declaration, lang Language) error {
	acts, err := Record(d, lang)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	bw.WriteString("# " + mdEscape.Replace(lang.pick("Verzeichnis von Verarbeitungstätigkeiten", "Record of processing activities")+" – "+d.Controller.Name) + "\n\n")
	bw.WriteString("*" + lang.pick("Art. 30 Abs. 1 DSGVO", "Art. 30(1) GDPR") + "*\n\n")
	header := ropaHeader(lang)
	for i, a := range acts {
		bw.WriteString("## " + strconv.Itoa(i+1) + ". " + mdEscape.Replace(a.Purpose) + "\n\n")
		rows := make([][]string, 0, len(header))
		for j, c := range a.cells() {
			rows = append(rows, []string{header[j], c})
		}
		writeMarkdownTable(bw, Block{Kind: Table, Header: []string{lang.pick("Angabe", "Item"), lang.pick("Inhalt", "Content")}, Rows: rows})
	}
	return bw.Flush()
}
