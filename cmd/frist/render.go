package main

import (
	"bufio"
	"encoding/json"
	"io"

	"github.com/frist-go/frist/notice"
)

const noticeUsage = `Usage: frist notice FILE [--lang de|en] [--format md|html]

Renders the privacy notice (Art. 13 GDPR) of a declaration: controller,
DPO, purposes with legal bases, legitimate interests, recipients, transfers,
storage periods written from the retention rules, rights, withdrawal,
complaint, whether data is required, cookies (§ 25 TDDDG). HTML is one
standalone page with no external resources.

Exit status: 0 when the notice was written, 2 when the file cannot be read
or is not a valid declaration, or the command line is wrong.

Flags:
%s
Examples:
  frist notice examples/policies/jobcenter.yaml --lang de --format html > datenschutz.html
  frist notice policy.yaml --lang en
`

const ropaUsage = `Usage: frist ropa FILE [--lang de|en] [--format md|csv|json]

Renders the record of processing activities (Art. 30(1) GDPR) of a
declaration, one activity per purpose: controller and DPO, purpose, legal
basis, categories of data subjects and data, recipients, transfers, erasure
periods and a reference to the technical and organisational measures.

Exit status: 0 when the record was written, 2 when the file cannot be read
or is not a valid declaration, or the command line is wrong.

Flags:
%s
Examples:
  frist ropa examples/policies/jobcenter.yaml --format csv > vvt.csv
  frist ropa policy.yaml --lang en --format json
`

func runNotice(args []string, stdout, stderr io.Writer) int {
	c := newCLI("notice", noticeUsage, stdout, stderr)
	lang := c.fs.String("lang", "de", "language: de or en")
	format := c.fs.String("format", "md", "output format: md (Markdown) or html")
	rest, code, done := c.parse(args)
	if done {
		return code
	}
	return c.render(rest, *lang, *format, []string{"md", "html"}, func(w io.Writer, l notice.Language, f string) error {
		doc := c.loaded
		if f == "html" {
			return notice.HTML(w, doc, l)
		}
		return notice.Markdown(w, doc, l)
	})
}

func runRopa(args []string, stdout, stderr io.Writer) int {
	c := newCLI("ropa", ropaUsage, stdout, stderr)
	lang := c.fs.String("lang", "de", "language: de or en")
	format := c.fs.String("format", "md", "output format: md (Markdown), csv or json")
	rest, code, done := c.parse(args)
	if done {
		return code
	}
	return c.render(rest, *lang, *format, []string{"md", "csv", "json"}, func(w io.Writer, l notice.Language, f string) error {
		switch f {
		case "csv":
			return notice.RecordCSV(w, c.loaded, l)
		case "json":
			acts, err := notice.Record(c.loaded, l)
			if err != nil {
				return err
			}
			out := make([]activityJSON, len(acts))
			for i, a := range acts {
				out[i] = activityJSON(a)
			}
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(out)
		}
		return notice.RecordMarkdown(w, c.loaded, l)
	})
}

// activityJSON is notice.Activity with the JSON names of the record.
type activityJSON struct {
	Controller string `json:"controller"`
	DPO        string `json:"dpo"`
	Purpose    string `json:"purpose"`
	LegalBasis string `json:"legal_basis"`
	Subjects   string `json:"subjects"`
	Data       string `json:"data"`
	Recipients string `json:"recipients"`
	Transfers  string `json:"transfers"`
	Erasure    string `json:"erasure"`
	Measures   string `json:"measures"`
}

// render checks the language and format, loads the one declaration named
// and writes it with write, buffered so that a failure leaves no half page
// on stdout.
func (c *cli) render(rest []string, lang, format string, formats []string, write func(io.Writer, notice.Language, string) error) int {
	l, err := notice.ParseLanguage(lang)
	if err != nil {
		return c.fail("--lang %q is not supported; use --lang de or --lang en", lang)
	}
	if code, ok := c.choice("format", format, formats...); !ok {
		return code
	}
	file, code, ok := c.oneFile(rest)
	if !ok {
		return code
	}
	if c.loaded, code, ok = c.load(file); !ok {
		return code
	}
	bw := bufio.NewWriter(c.stdout)
	if err := write(bw, l, format); err != nil {
		return c.errorf("rendering %s: %v", file, err)
	}
	if err := bw.Flush(); err != nil {
		return c.errorf("writing output: %v", err)
	}
	return exitOK
}
