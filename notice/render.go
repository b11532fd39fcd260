package notice

import (
	"bufio"
	_ "embed"
	"html/template"
	"io"
	"strings"

	"github.com/frist-go/frist/policy"
)

// Markdown writes the Art. 13 notice of d in lang as Markdown (CommonMark
// with GitHub tables). It refuses a declaration with blocking lint
// findings (see Build).
func Markdown(w io.Writer, d *policy.Declaration, lang Language) error {
	doc, err := Build(d, lang)
	if err != nil {
		return err
	}
	return doc.WriteMarkdown(w)
}

// HTML writes the Art. 13 notice of d in lang as a standalone HTML page.
// It refuses a declaration with blocking lint findings (see Build).
func HTML(w io.Writer, d *policy.Declaration, lang Language) error {
	doc, err := Build(d, lang)
	if err != nil {
		return err
	}
	return doc.WriteHTML(w)
}

// mdEscape escapes the characters that would start Markdown markup inside
// running text.
var mdEscape = strings.NewReplacer(
	`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`, "<", "&lt;", ">", "&gt;", "|", `\|`,
)

// WriteMarkdown writes the document as Markdown. A boxed section is a
// block quote; a draft starts with its banner and findings.
func (d *Document) WriteMarkdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("# " + mdEscape.Replace(d.Title) + "\n\n")
	if len(d.Draft) > 0 {
		bw.WriteString("> **" + mdEscape.Replace(d.banner()) + "**\n>\n")
		for _, f := range d.Draft {
			bw.WriteString("> - " + mdEscape.Replace(f) + "\n")
		}
		bw.WriteString("\n")
	}
	if d.Edition != "" {
		bw.WriteString("*" + mdEscape.Replace(d.Edition) + "*\n\n")
	}
	if d.Intro != "" {
		bw.WriteString(mdEscape.Replace(d.Intro) + "\n\n")
	}
	for _, s := range d.Sections {
		var sec strings.Builder
		sec.WriteString("## " + mdEscape.Replace(s.Heading) + "\n\n")
		if s.Article != "" {
			sec.WriteString("*" + mdEscape.Replace(s.Article) + "*\n\n")
		}
		for _, b := range s.Blocks {
			switch b.Kind {
			case Paragraph:
				sec.WriteString(mdEscape.Replace(b.Text) + "\n\n")
			case Subheading:
				sec.WriteString("### " + mdEscape.Replace(b.Text) + "\n\n")
			case List:
				for _, it := range b.Items {
					sec.WriteString("- " + mdEscape.Replace(it) + "\n")
				}
				sec.WriteString("\n")
			case Table:
				writeMarkdownTable(&sec, b)
			}
		}
		text := sec.String()
		if s.Boxed {
			text = strings.TrimSuffix(text, "\n\n")
			text = "> " + strings.ReplaceAll(text, "\n", "\n> ") + "\n\n"
			text = strings.ReplaceAll(text, "> \n", ">\n")
		}
		bw.WriteString(text)
	}
	return bw.Flush()
}

// banner is the draft banner in the document's language.
func (d *Document) banner() string {
	return d.Lang.pick("Entwurf — nicht veröffentlichen. Die Erklärung hat folgende Befunde:",
		"Draft — do not publish. The declaration has these findings:")
}

func writeMarkdownTable(bw io.StringWriter, b Block) {
	cell := func(s string) string {
		s = strings.ReplaceAll(s, "\n", " ")
		if s == "" {
			return "–"
		}
		return mdEscape.Replace(s)
	}
	row := func(cells []string) {
		bw.WriteString("|")
		for _, c := range cells {
			bw.WriteString(" " + cell(c) + " |")
		}
		bw.WriteString("\n")
	}
	row(b.Header)
	bw.WriteString("|")
	for range b.Header {
		bw.WriteString(" --- |")
	}
	bw.WriteString("\n")
	for _, r := range b.Rows {
		row(r)
	}
	bw.WriteString("\n")
}

//go:embed page.html.tmpl
var pageTemplate string

// page is the HTML page of a Document; html/template escapes every text
// by its context.
var page = template.Must(template.New("page").Funcs(template.FuncMap{
	"dash": func(s string) string {
		if s == "" {
			return "–" // an empty cell reads as missing, not as a layout glitch
		}
		return s
	},
}).Parse(pageTemplate))

// WriteHTML writes the document as a standalone, accessible HTML page:
// a language attribute, a table of contents, one landmark per section
// labelled by its heading, tables with captions and column headers that
// become labelled rows on a narrow screen, the Art. 21 section in a box
// of its own, a draft's banner at the top, and no external resources.
func (d *Document) WriteHTML(w io.Writer) error {
	bw := bufio.NewWriter(w)
	data := struct {
		*Document
		Contents, Banner string
	}{d, d.Lang.pick("Inhalt", "Contents"), d.banner()}
	if err := page.Execute(bw, data); err != nil {
		return err
	}
	return bw.Flush()
}
