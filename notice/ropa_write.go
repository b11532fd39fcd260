package notice

import (
	"bufio"
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/frist-go/frist/policy"
)

// ropaHeader returns the row names with their Art. 30(1) letters, in the
// order of Activity.cells.
func ropaHeader(l Language) []string {
	return []string{
		l.pick("Verarbeitungstätigkeit", "Processing activity"),
		l.pick("Verantwortlicher (Art. 30 Abs. 1 lit. a)", "Controller (Art. 30(1)(a))"),
		l.pick("Gemeinsam Verantwortliche (Art. 26, Art. 30 Abs. 1 lit. a)", "Joint controllers (Art. 26, Art. 30(1)(a))"),
		l.pick("Datenschutzbeauftragte (Art. 30 Abs. 1 lit. a)", "Data-protection officer (Art. 30(1)(a))"),
		l.pick("Zweck (Art. 30 Abs. 1 lit. b)", "Purpose (Art. 30(1)(b))"),
		l.pick("Rechtsgrundlage", "Legal basis"),
		l.pick("Kategorien betroffener Personen (Art. 30 Abs. 1 lit. c)", "Categories of data subjects (Art. 30(1)(c))"),
		l.pick("Kategorien personenbezogener Daten (Art. 30 Abs. 1 lit. c)", "Categories of personal data (Art. 30(1)(c))"),
		l.pick("Kategorien von Empfängern (Art. 30 Abs. 1 lit. d)", "Categories of recipients (Art. 30(1)(d))"),
		l.pick("Übermittlungen in Drittländer mit Garantien (Art. 30 Abs. 1 lit. e)", "Transfers to third countries with safeguards (Art. 30(1)(e))"),
		l.pick("Fristen für die Löschung (Art. 30 Abs. 1 lit. f)", "Time limits for erasure (Art. 30(1)(f))"),
		l.pick("Technische und organisatorische Maßnahmen (Art. 30 Abs. 1 lit. g, Art. 32 Abs. 1)", "Technical and organisational measures (Art. 30(1)(g), Art. 32(1))"),
	}
}

func (a Activity) cells() []string {
	return []string{a.ID, a.Controller, a.JointControllers, a.DPO, a.Purpose, a.LegalBasis, a.Subjects, a.Data, a.Recipients, a.Transfers, a.Erasure, a.Measures}
}

// csvSafe keeps a spreadsheet from reading a cell as a formula: a cell
// that starts with =, +, -, @, a tab or a carriage return gets a leading
// apostrophe, which spreadsheets show as text and never evaluate. A
// declaration's text ends up in the cells, and a purpose written
// "=HYPERLINK(...)" must not run when the record is opened.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// RecordCSV writes the record of processing activities of d as CSV: a
// header row naming each Art. 30(1) item, then one row per purpose. Every
// cell is safe against formula injection (see csvSafe).
func RecordCSV(w io.Writer, d *policy.Declaration, lang Language) error {
	return recordCSV(w, d, lang, nil)
}

// RecordCSVDraft writes the record as RecordCSV does, preceded by rows that
// mark it as a draft: the banner ("Entwurf — nicht veröffentlichen") and
// one row per finding that is not acknowledged, each in the first column,
// so that a spreadsheet opened from it cannot be taken for the record.
func RecordCSVDraft(w io.Writer, d *policy.Declaration, lang Language) error {
	if !d.Validated() {
		return ErrNotValidated
	}
	draft := []string{(&Document{Lang: lang}).banner()}
	for _, f := range policy.Lint(d) {
		if f.Acknowledged == nil {
			draft = append(draft, FindingLine(f))
		}
	}
	return recordCSV(w, d, lang, draft)
}

func recordCSV(w io.Writer, d *policy.Declaration, lang Language, draft []string) error {
	acts, err := Record(d, lang)
	if err != nil {
		return err
	}
	header := ropaHeader(lang)
	cw := csv.NewWriter(w)
	row := func(cells []string) error {
		safe := make([]string, len(header))
		for i, c := range cells {
			safe[i] = csvSafe(c)
		}
		return cw.Write(safe)
	}
	for _, line := range draft {
		if err := row([]string{line}); err != nil {
			return err
		}
	}
	if err := row(header); err != nil {
		return err
	}
	for _, a := range acts {
		if err := row(a.cells()); err != nil {
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
