package policy

import (
	"cmp"
	"slices"
	"strings"
)

// Severity says how grave a lint finding is.
type Severity string

// The severities. Only unacknowledged errors make a declaration fail a
// check (frist check exits 1).
const (
	// SeverityError is a defect against the law as written: the
	// declaration (and so the notice it renders) breaks a rule of the GDPR
	// or of national law.
	SeverityError Severity = "error"
	// SeverityWarning is a judgement call that an auditor would question;
	// the controller should assess it and fix or acknowledge it.
	SeverityWarning Severity = "warning"
	// SeverityInfo is an observation that needs no action.
	SeverityInfo Severity = "info"
)

// A Finding is one result of [Lint]: a place in the declaration where the
// declared processing, or the notice rendered from it, falls short of the
// law or of good practice.
type Finding struct {
	// ID is the stable identifier of the check ("FR001"); it never changes
	// meaning, so acknowledgements and scripts can rely on it.
	ID string `json:"id"`
	// Severity is the check's severity.
	Severity Severity `json:"severity"`
	// Article cites the norm the finding rests on ("Art. 5(1)(e) DSGVO").
	Article string `json:"article"`
	// Path is the field path of the offending value, in the syntax of
	// [Declaration.Position]: "datasets[1].fields.ip",
	// "datasets[1].rules[0].after", "purposes[0].legal_basis[1]".
	Path string `json:"path"`
	// Position is where Path was written; the zero Position for
	// declarations built in Go.
	Position Position `json:"position"`
	// Message says what is wrong, naming the declared values involved.
	Message string `json:"message"`
	// Hint says how to fix it.
	Hint string `json:"hint"`
	// Acknowledged is the declaration's acknowledgement covering this
	// finding, or nil. Acknowledged findings are still reported so that an
	// auditor sees the decision, but they do not count as errors.
	Acknowledged *Acknowledgement `json:"acknowledged,omitempty"`
}

// Blocking reports whether f is an unacknowledged error.
func (f *Finding) Blocking() bool {
	return f.Severity == SeverityError && f.Acknowledged == nil
}

// LintCheck describes one check that [Lint] performs.
type LintCheck struct {
	ID       string   `json:"id"`
	Severity Severity `json:"severity"`
	Article  string   `json:"article"`
	// Title says in one line what the check finds.
	Title string `json:"title"`
}

// LintChecks returns the checks Lint performs, ordered by ID. The list is
// the catalogue an auditor reads to know what a clean result means.
func LintChecks() []LintCheck {
	out := make([]LintCheck, len(checks))
	for i, c := range checks {
		out[i] = c.LintCheck
	}
	return out
}

// check is a LintCheck with the function that runs it.
type check struct {
	LintCheck
	run func(l *linter)
}

// linter collects the findings of one Lint run.
type linter struct {
	d        *Declaration
	cur      *check
	findings []Finding
}

// report adds a finding of the current check.
func (l *linter) report(path, msg, hint string) {
	l.findings = append(l.findings, Finding{
		ID:       l.cur.ID,
		Severity: l.cur.Severity,
		Article:  l.cur.Article,
		Path:     path,
		Message:  msg,
		Hint:     hint,
	})
}

// reportArticle adds a finding of the current check citing article
// instead of the check's default citation.
func (l *linter) reportArticle(path, article, msg, hint string) {
	l.report(path, msg, hint)
	l.findings[len(l.findings)-1].Article = article
}

// Lint checks the declaration against the GDPR, the TDDDG and the case law
// that a German data-protection authority applies to municipal online
// services, and returns every finding, sorted by position, then ID, then
// path. It never modifies d and never panics; it works on declarations that
// were not validated (including ones whose operator specs do not parse),
// though positions are only known for declarations loaded from YAML.
//
// Findings covered by an entry of d.Acknowledged carry that entry in
// Acknowledged. An acknowledgement that covers no finding is itself
// reported (FR099), so stale decisions do not accumulate unseen.
func Lint(d *Declaration) []Finding {
	if d == nil {
		return nil
	}
	l := &linter{d: d}
	for i := range checks {
		l.cur = &checks[i]
		l.cur.run(l)
	}
	used := make([]bool, len(d.Acknowledged))
	for i := range l.findings {
		f := &l.findings[i]
		for j := range d.Acknowledged {
			if a := &d.Acknowledged[j]; a.covers(f) {
				ack := *a
				f.Acknowledged = &ack
				used[j] = true
				break
			}
		}
	}
	for j, a := range d.Acknowledged {
		// Findings about the live database (DB...) come from frist check
		// --db, which applies their acknowledgements itself.
		if !used[j] && !strings.HasPrefix(a.Finding, "DB") {
			l.findings = append(l.findings, Finding{
				ID:       staleAckID,
				Severity: SeverityWarning,
				Article:  "Art. 5(2) DSGVO",
				Path:     index("acknowledged", j),
				Message:  "acknowledgement of " + quote(a.Finding) + pathSuffix(a.Path) + " covers no finding",
				Hint:     "remove it, or correct its finding ID and path (see the findings of frist check)",
			})
		}
	}
	for i := range l.findings {
		l.findings[i].Position = d.Position(l.findings[i].Path)
	}
	slices.SortStableFunc(l.findings, compareFindings)
	return l.findings
}

// staleAckID is the ID of the finding for an acknowledgement that covers
// nothing. It cannot itself be acknowledged.
const staleAckID = "FR099"

func pathSuffix(p string) string {
	if p == "" {
		return ""
	}
	return " at " + p
}

// Covers reports whether the acknowledgement applies to f, for findings
// that Lint does not produce itself (those of the live schema, package
// schema): same ID, and either no path, the same path, or a path that
// encloses f's path.
func (a *Acknowledgement) Covers(f *Finding) bool { return a.covers(f) }

// covers reports whether the acknowledgement applies to f: same ID, and
// either no path, the same path, or a path that encloses f's path
// ("datasets[0]" covers "datasets[0].fields.ip").
func (a *Acknowledgement) covers(f *Finding) bool {
	if a.Finding != f.ID || f.ID == staleAckID {
		return false
	}
	if a.Path == "" || a.Path == f.Path {
		return true
	}
	rest, ok := strings.CutPrefix(f.Path, a.Path)
	return ok && (rest[0] == '.' || rest[0] == '[')
}

func compareFindings(a, b Finding) int {
	return cmp.Or(
		cmp.Compare(a.Position.File, b.Position.File),
		cmp.Compare(a.Position.Line, b.Position.Line),
		cmp.Compare(a.Position.Column, b.Position.Column),
		cmp.Compare(a.ID, b.ID),
		comparePaths(a.Path, b.Path),
		cmp.Compare(a.Message, b.Message),
	)
}

// comparePaths orders field paths element by element, indexes numerically,
// so that "datasets[2]" sorts before "datasets[10]".
func comparePaths(a, b string) int {
	for a != "" && b != "" {
		ea, ra := nextElem(a)
		eb, rb := nextElem(b)
		na, aNum := pathIndex(ea)
		nb, bNum := pathIndex(eb)
		var c int
		if aNum && bNum {
			c = cmp.Compare(na, nb)
		} else {
			c = cmp.Compare(ea, eb)
		}
		if c != 0 {
			return c
		}
		a, b = ra, rb
	}
	return cmp.Compare(len(a), len(b))
}

// nextElem splits off the first element of a path: "datasets", "[1]",
// "fields", ...
func nextElem(p string) (elem, rest string) {
	p = strings.TrimPrefix(p, ".")
	if strings.HasPrefix(p, "[") {
		if i := strings.IndexByte(p, ']'); i >= 0 {
			return p[:i+1], p[i+1:]
		}
		return p, ""
	}
	if i := strings.IndexAny(p, ".["); i >= 0 {
		return p[:i], p[i:]
	}
	return p, ""
}

func pathIndex(e string) (int, bool) {
	if len(e) < 3 || e[0] != '[' || e[len(e)-1] != ']' {
		return 0, false
	}
	n := 0
	for _, c := range e[1 : len(e)-1] {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
