package notice

import (
	"bufio"
	"html"
	"io"
	"strings"

	"github.com/frist-go/frist/policy"
)

// Markdown writes the Art. 13 notice of d in lang as Markdown (CommonMark
// with GitHub tables).
func Markdown(w io.Writer, d *policy.Declaration, lang Language) error {
	doc, err := Build(d, lang)
	if err != nil {
		return err
	}
	return doc.WriteMarkdown(w)
}

// HTML writes the Art. 13 notice of d in lang as a standalone HTML page.
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

// WriteMarkdown writes the document as Markdown.
func (d *Document) WriteMarkdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("# " + mdEscape.Replace(d.Title) + "\n\n")
	if d.Intro != "" {
		bw.WriteString(mdEscape.Replace(d.Intro) + "\n\n")
	}
	for _, s := range d.Sections {
		bw.WriteString("## " + mdEscape.Replace(s.Heading) + "\n\n")
		if s.Article != "" {
			bw.WriteString("*" + mdEscape.Replace(s.Article) + "*\n\n")
		}
		for _, b := range s.Blocks {
			switch b.Kind {
			case Paragraph:
				bw.WriteString(mdEscape.Replace(b.Text) + "\n\n")
			case Subheading:
				bw.WriteString("### " + mdEscape.Replace(b.Text) + "\n\n")
			case List:
				for _, it := range b.Items {
					bw.WriteString("- " + mdEscape.Replace(it) + "\n")
				}
				bw.WriteString("\n")
			case Table:
				writeMarkdownTable(bw, b)
			}
		}
	}
	return bw.Flush()
}

func writeMarkdownTable(bw *bufio.Writer, b Block) {
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

// css is the page's only styling: readable line length, system fonts,
// sufficient contrast, and tables that scroll instead of overflowing on
// narrow screens. No external resources are loaded.
const css = `body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.55;color:#1a1a1a;background:#fff;margin:0}
main{max-width:46rem;margin:0 auto;padding:1.5rem}
h1{font-size:1.75rem;line-height:1.25}h2{font-size:1.3rem;margin-top:2.2rem;border-bottom:1px solid #ccc;padding-bottom:.2rem}h3{font-size:1.05rem;margin-bottom:.3rem}
.article{color:#444;font-size:.9rem;margin-top:-.4rem}
nav ol{padding-left:1.3rem}a{color:#0b57a4}a:focus,a:hover{text-decoration-thickness:2px}
.table-wrap{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.92rem}caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border:1px solid #bbb;padding:.35rem .5rem;text-align:left;vertical-align:top}th{background:#f0f0f0}
@media print{nav{display:none}}`

// WriteHTML writes the document as a standalone, accessible HTML page:
// a language attribute, a table of contents, one landmark per section
// labelled by its heading, tables with captions and column headers, and no
// external resources.
func (d *Document) WriteHTML(w io.Writer) error {
	e := html.EscapeString
	bw := bufio.NewWriter(w)
	bw.WriteString("<!DOCTYPE html>\n<html lang=\"" + string(d.Lang) + "\">\n<head>\n<meta charset=\"utf-8\">\n")
	bw.WriteString("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	bw.WriteString("<title>" + e(d.Title) + "</title>\n<style>" + css + "</style>\n</head>\n<body>\n<main>\n")
	bw.WriteString("<h1>" + e(d.Title) + "</h1>\n")
	if d.Intro != "" {
		bw.WriteString("<p>" + e(d.Intro) + "</p>\n")
	}
	bw.WriteString("<nav aria-label=\"" + e(d.Lang.pick("Inhalt", "Contents")) + "\">\n<ol>\n")
	for _, s := range d.Sections {
		bw.WriteString("<li><a href=\"#" + e(s.ID) + "\">" + e(s.Heading) + "</a></li>\n")
	}
	bw.WriteString("</ol>\n</nav>\n")
	for _, s := range d.Sections {
		bw.WriteString("<section aria-labelledby=\"" + e(s.ID) + "\">\n<h2 id=\"" + e(s.ID) + "\">" + e(s.Heading) + "</h2>\n")
		if s.Article != "" {
			bw.WriteString("<p class=\"article\">" + e(s.Article) + "</p>\n")
		}
		for _, b := range s.Blocks {
			switch b.Kind {
			case Paragraph:
				bw.WriteString("<p>" + e(b.Text) + "</p>\n")
			case Subheading:
				bw.WriteString("<h3>" + e(b.Text) + "</h3>\n")
			case List:
				bw.WriteString("<ul>\n")
				for _, it := range b.Items {
					bw.WriteString("<li>" + e(it) + "</li>\n")
				}
				bw.WriteString("</ul>\n")
			case Table:
				bw.WriteString("<div class=\"table-wrap\">\n<table>\n")
				if b.Caption != "" {
					bw.WriteString("<caption>" + e(b.Caption) + "</caption>\n")
				}
				bw.WriteString("<thead><tr>")
				for _, h := range b.Header {
					bw.WriteString("<th scope=\"col\">" + e(h) + "</th>")
				}
				bw.WriteString("</tr></thead>\n<tbody>\n")
				for _, r := range b.Rows {
					bw.WriteString("<tr>")
					for i, c := range r {
						if c == "" {
							c = "–" // an empty cell reads as missing, not as a layout glitch
						}
						if i == 0 {
							bw.WriteString("<th scope=\"row\">" + e(c) + "</th>")
							continue
						}
						bw.WriteString("<td>" + e(c) + "</td>")
					}
					bw.WriteString("</tr>\n")
				}
				bw.WriteString("</tbody>\n</table>\n</div>\n")
			}
		}
		bw.WriteString("</section>\n")
	}
	bw.WriteString("</main>\n</body>\n</html>\n")
	return bw.Flush()
}
