package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/frist-go/frist/notice"
	"github.com/frist-go/frist/policy"
)

const noticeUsage = `Usage: frist notice FILE [--lang de|en] [--format md|html] [--draft]

Renders the privacy notice (Art. 13 GDPR) of a declaration: controller,
DPO, purposes with legal bases, legitimate interests, recipients, transfers,
storage periods written from the retention rules, rights, the right to
object set apart (Art. 21(4)), withdrawal, complaint, whether data is
required, cookies (§ 25 TDDDG). HTML is one standalone page with no
external resources.

A declaration with error-level lint findings (see frist check) is refused:
nothing is written to stdout and the findings are listed on stderr;
findings about the record of processing alone (FR060 subjects, FR061
measures) do not stop the notice, which states neither. With
--draft the notice is rendered anyway, under the banner "Entwurf — nicht
veröffentlichen" and with every finding listed, for review.

Exit status: 0 when the notice was written, 1 when error-level findings
stop it (without --draft), 2 when the file cannot be read or is not a
valid declaration, or the command line is wrong.

Flags:
%s
Examples:
  frist notice examples/policies/jobcenter.yaml --lang de --format html > datenschutz.html
  frist notice policy.yaml --lang en
`

const ropaUsage = `Usage: frist ropa FILE [--lang de|en] [--format md|csv|json] [--draft]

Renders the record of processing activities (Art. 30(1) GDPR) of a
declaration, one activity per purpose: controller and DPO, purpose, legal
basis, categories of data subjects and data, recipients, transfers, erasure
periods and a reference to the technical and organisational measures.

The record follows the structure of the German authorities' model record
(DSK): controller with representative and joint controllers (recipients
with role joint_controller), DPO, purpose, legal basis, categories of data
subjects (each dataset's subjects) and of data (by category, with the
fields), recipients, transfers with their safeguards, time limits for
erasure (each dataset's rules, a dataset without rules as having none, each
cookie's lifetime) and the measures of Art. 32 (measures). A value the
declaration marks as an assumption is stated with that mark. CSV cells
that a spreadsheet would run as a formula (starting with =, +, -, @, a tab
or a carriage return) are written behind an apostrophe.

A declaration with error-level lint findings that concern the record is
refused (exit 1, the findings on stderr) unless --draft is given; findings
about the notice alone (FR080-FR085, FR087) do not stop the record. A
Markdown draft starts with the banner "Entwurf — nicht veröffentlichen" and
the findings, a CSV draft with rows holding them, and a JSON draft is an
object {"draft": true, "findings": [...], "activities": [...]} instead of
the array of activities.

Exit status: 0 when the record was written, 1 when error-level findings
stop it (without --draft), 2 when the file cannot be read or is not a
valid declaration, or the command line is wrong.

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
	draft := c.fs.Bool("draft", false, "render despite error-level findings, marked as a draft with the findings listed")
	rest, code, done := c.parse(args)
	if done {
		return code
	}
	c.draft = *draft
	return c.render(rest, *lang, *format, []string{"md", "html"}, func(w io.Writer, l notice.Language, f string) error {
		build := notice.Build
		if c.draft {
			build = notice.BuildDraft
		}
		doc, err := build(c.loaded, l)
		if err != nil {
			return err
		}
		if f == "html" {
			return doc.WriteHTML(w)
		}
		return doc.WriteMarkdown(w)
	})
}

func runRopa(args []string, stdout, stderr io.Writer) int {
	c := newCLI("ropa", ropaUsage, stdout, stderr)
	lang := c.fs.String("lang", "de", "language: de or en")
	format := c.fs.String("format", "md", "output format: md (Markdown), csv or json")
	draft := c.fs.Bool("draft", false, "render despite error-level findings, marked as a draft")
	rest, code, done := c.parse(args)
	if done {
		return code
	}
	c.draft = *draft
	return c.render(rest, *lang, *format, []string{"md", "csv", "json"}, func(w io.Writer, l notice.Language, f string) error {
		switch f {
		case "csv":
			if c.draft {
				return notice.RecordCSVDraft(w, c.loaded, l)
			}
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
			if c.draft {
				// A draft is an object, never the array of a record, so
				// that no import takes it for the record.
				d := ropaDraftJSON{Draft: true, Activities: out, Findings: []policy.Finding{}}
				for _, f := range policy.Lint(c.loaded) {
					if f.Acknowledged == nil {
						d.Findings = append(d.Findings, f)
					}
				}
				return enc.Encode(d)
			}
			return enc.Encode(out)
		}
		if c.draft {
			if err := writeDraftBanner(w, c.loaded, l); err != nil {
				return err
			}
		}
		return notice.RecordMarkdown(w, c.loaded, l)
	})
}

// ropaDraftJSON is the JSON form of a draft record: marked, with the
// findings that are not acknowledged.
type ropaDraftJSON struct {
	Draft      bool             `json:"draft"`
	Findings   []policy.Finding `json:"findings"`
	Activities []activityJSON   `json:"activities"`
}

// activityJSON is notice.Activity with the JSON names of the record.
type activityJSON struct {
	ID               string `json:"id"`
	Controller       string `json:"controller"`
	JointControllers string `json:"joint_controllers"`
	DPO              string `json:"dpo"`
	Purpose          string `json:"purpose"`
	LegalBasis       string `json:"legal_basis"`
	Subjects         string `json:"subjects"`
	Data             string `json:"data"`
	Recipients       string `json:"recipients"`
	Transfers        string `json:"transfers"`
	Erasure          string `json:"erasure"`
	Measures         string `json:"measures"`
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
	if code, ok := c.gate(file); !ok {
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

// gate refuses to publish a declaration with blocking lint findings: it
// lists them on stderr and returns exitFindings, unless --draft was given,
// in which case it only says on stderr that the output is a draft.
func (c *cli) gate(file string) (int, bool) {
	pub := policy.PublishNotice
	if c.name == "ropa" {
		pub = policy.PublishRecord
	}
	blocking := policy.BlockingFor(policy.Lint(c.loaded), pub)
	if len(blocking) == 0 {
		return 0, true
	}
	if c.draft {
		fmt.Fprintf(c.stderr, "frist %s: %s has %d error-level finding(s); writing a draft that must not be published\n", c.name, file, len(blocking))
		return 0, true
	}
	for _, f := range blocking {
		writeFinding(c.stderr, file, f)
	}
	fmt.Fprintf(c.stderr, "frist %s: %s has %d error-level finding(s), so nothing was written; fix them (frist check %s), or render a draft for review with --draft\n", c.name, file, len(blocking), file)
	return exitFindings, false
}

// writeDraftBanner starts a Markdown draft with its banner and findings.
func writeDraftBanner(w io.Writer, d *policy.Declaration, l notice.Language) error {
	doc := &notice.Document{Lang: l}
	for _, f := range policy.Lint(d) {
		if f.Acknowledged == nil {
			doc.Draft = append(doc.Draft, notice.FindingLine(f))
		}
	}
	var b strings.Builder
	if err := doc.WriteMarkdown(&b); err != nil {
		return err
	}
	_, err := io.WriteString(w, strings.TrimPrefix(b.String(), "# \n\n"))
	return err
}
