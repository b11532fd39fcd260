package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/schema"
)

const checkUsage = `Usage: frist check [--format text|json] FILE...
       frist check FILE --db URL [--sample N] [--format text|json]

Validates each privacy declaration and runs the compliance linter on it.

With --db, the one declaration is also compared with the live schema of
the database, which is only read (SQLite mode=ro, a read-only PostgreSQL
session; a role with SELECT on the catalog suffices, frist's own tables
need not exist):

  DB001 a column of a declared table is neither declared (key, subject,
        time, marker, field) nor listed under not_personal
  DB002 a table or column the declaration binds does not exist
  DB003 a table the declaration does not name looks personal: its column
        names, or with --sample N the values of its first N rows (which
        are never printed, only the kinds of data found)
  DB004 a foreign key references a declared table whose records are
        deleted, and its rows are neither deleted with them (ON DELETE
        CASCADE) nor declared with rules that act no later
  DB005 a time column a rule counts from leads no index

PostgreSQL is read in the current schema and every schema the
declaration's tables name. Datasets bound to log files are not compared.
A finding prints as

  FILE:LINE:COL: ID SEVERITY: MESSAGE (ARTICLE)
    hint: HOW TO FIX

A finding the declaration acknowledges (an entry under acknowledged: with
finding, optional path and reason) is still printed, with the reason, but
does not fail the check.

Exit status: 0 when no unacknowledged finding has error severity, 1 when one
has, 2 when a file cannot be read or is not a valid declaration, or the
command line is wrong.

Flags:
%s
Examples:
  frist check examples/policies/*.yaml
  frist check --format json policy.yaml
  frist check policy.yaml --db postgres://auditor@db/booking --sample 100
`

// fileResult is what check reports for one file.
type fileResult struct {
	File     string           `json:"file"`
	Valid    bool             `json:"valid"`
	Errors   []*policy.Error  `json:"errors,omitempty"`
	Findings []policy.Finding `json:"findings"`
	// Database is what was read of the database with --db.
	Database *dbCheckJSON `json:"database,omitempty"`
	// unreadable is set when the file could not be read at all.
	unreadable bool
}

// summary counts the findings of a run.
type summary struct {
	Files        int `json:"files"`
	Invalid      int `json:"invalid"`
	Errors       int `json:"errors"`
	Warnings     int `json:"warnings"`
	Infos        int `json:"infos"`
	Acknowledged int `json:"acknowledged"`
	Exit         int `json:"exit"`
}

func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	format := fs.String("format", "text", "output format: text or json")
	dbURL := fs.String("db", "", "compare the declaration with this database's live schema: sqlite:PATH or postgres://USER@HOST/DB")
	sample := fs.Int("sample", 0, "with --db: read at most N rows of each table the declaration does not name, to look for personal data in their values (default: none)")
	files, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(stdout, checkUsage, flagDefaults(fs))
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "frist check: %v\nRun \"frist check --help\" for usage.\n", err)
		return exitInvalid
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "frist check: --format %q is not supported; use --format text or --format json\n", *format)
		return exitInvalid
	}
	if len(files) == 0 {
		fmt.Fprintf(stderr, "frist check: no declaration given; name one or more YAML files, e.g. frist check examples/policies/*.yaml\n")
		return exitInvalid
	}

	if *dbURL == "" && *sample != 0 {
		fmt.Fprintf(stderr, "frist check: --sample reads rows of a database; name it with --db\n")
		return exitInvalid
	}
	if *dbURL != "" && len(files) != 1 {
		fmt.Fprintf(stderr, "frist check: --db compares one declaration with the database; %d files given\n", len(files))
		return exitInvalid
	}
	if *sample < 0 {
		fmt.Fprintf(stderr, "frist check: --sample %d is negative\n", *sample)
		return exitInvalid
	}

	results := make([]fileResult, 0, len(files))
	var sum summary
	for _, file := range files {
		r := checkFile(file)
		if r.Valid && *dbURL != "" {
			if err := checkDatabase(&r, *dbURL, *sample); err != nil {
				fmt.Fprintf(stderr, "frist check: %v\n", err)
				return exitInvalid
			}
		}
		results = append(results, r)
		sum.Files++
		if !r.Valid {
			sum.Invalid++
			reportInvalid(stderr, r)
			continue
		}
		for _, f := range r.Findings {
			switch {
			case f.Acknowledged != nil:
				sum.Acknowledged++
			case f.Severity == policy.SeverityError:
				sum.Errors++
			case f.Severity == policy.SeverityWarning:
				sum.Warnings++
			default:
				sum.Infos++
			}
		}
	}
	switch {
	case sum.Invalid > 0:
		sum.Exit = exitInvalid
	case sum.Errors > 0:
		sum.Exit = exitFindings
	default:
		sum.Exit = exitOK
	}

	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			Files   []fileResult `json:"files"`
			Summary summary      `json:"summary"`
		}{results, sum}); err != nil {
			fmt.Fprintf(stderr, "frist check: writing output: %v\n", err)
			return exitInvalid
		}
		return sum.Exit
	}
	for _, r := range results {
		for _, f := range r.Findings {
			writeFinding(stdout, r.File, f)
		}
		if d := r.Database; d != nil {
			fmt.Fprintf(stdout, "compared with %s: %s, %s, %s", d.Name, plural(d.Tables, "table"), plural(d.Columns, "column"), plural(d.Queries, "query"))
			if d.RowsSampled > 0 {
				fmt.Fprintf(stdout, ", %s sampled", plural(d.RowsSampled, "row"))
			}
			fmt.Fprintln(stdout)
		}
	}
	fmt.Fprintln(stdout, sum.text())
	return sum.Exit
}

// checkFile loads, validates and lints one file.
func checkFile(file string) fileResult {
	r := fileResult{File: file, Findings: []policy.Finding{}}
	d, err := policy.LoadFile(file)
	if err != nil {
		var list policy.ErrorList
		var one *policy.Error
		switch {
		case errors.As(err, &list):
			r.Errors = list
		case errors.As(err, &one):
			r.Errors = []*policy.Error{one}
		default:
			r.unreadable = true
			r.Errors = []*policy.Error{{File: file, Reason: err.Error()}}
		}
		return r
	}
	r.Valid = true
	if fs := policy.Lint(d); fs != nil {
		r.Findings = fs
	}
	return r
}

// reportInvalid tells on stderr why a file was not checked and what to do.
func reportInvalid(stderr io.Writer, r fileResult) {
	file, errs := r.File, r.Errors
	if r.unreadable {
		fmt.Fprintf(stderr, "frist check: cannot read %s: %s; check the path and permissions\n", file, strings.TrimPrefix(errs[0].Reason, "policy: "))
		return
	}
	for _, e := range errs {
		fmt.Fprintln(stderr, e.Error())
	}
	n := "1 problem"
	if len(errs) != 1 {
		n = strconv.Itoa(len(errs)) + " problems"
	}
	fmt.Fprintf(stderr, "frist check: %s is not a valid declaration (%s); fix them and run again\n", file, n)
}

// writeFinding prints one finding in the text format.
func writeFinding(w io.Writer, file string, f policy.Finding) {
	loc := file
	if f.Position.File != "" {
		loc = f.Position.File
	}
	if f.Position.Line > 0 {
		loc += ":" + strconv.Itoa(f.Position.Line)
		if f.Position.Column > 0 {
			loc += ":" + strconv.Itoa(f.Position.Column)
		}
	}
	fmt.Fprintf(w, "%s: %s %s: %s (%s)\n", loc, f.ID, f.Severity, f.Message, f.Article)
	if f.Hint != "" {
		fmt.Fprintf(w, "  hint: %s\n", f.Hint)
	}
	if a := f.Acknowledged; a != nil {
		by := ""
		if a.By != "" {
			by = " (" + a.By + ")"
		}
		fmt.Fprintf(w, "  acknowledged%s: %s\n", by, a.Reason)
	}
}

func (s summary) text() string {
	parts := []string{
		plural(s.Errors, "error"),
		plural(s.Warnings, "warning"),
		plural(s.Infos, "info"),
		plural(s.Acknowledged, "acknowledged finding"),
	}
	out := "checked " + plural(s.Files, "file") + ": " + strings.Join(parts, ", ")
	if s.Invalid > 0 {
		out += "; " + plural(s.Invalid, "file") + " not valid"
	}
	return out
}

// plural returns "1 word" or "n words" ("n queries").
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	if strings.HasSuffix(word, "y") && !strings.ContainsAny(word[len(word)-2:len(word)-1], "aeiou") {
		return strconv.Itoa(n) + " " + word[:len(word)-1] + "ies"
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// parseInterleaved parses flags that may appear before, between or after
// the file arguments ("frist check a.yaml --format json"); everything after
// "--" is a file.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	if i := slices.Index(args, "--"); i >= 0 {
		args, rest = args[:i], args[i+1:]
	}
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	return append(files, rest...), nil
}

// flagDefaults returns the flag listing of fs as PrintDefaults writes it.
func flagDefaults(fs *flag.FlagSet) string {
	var b strings.Builder
	fs.SetOutput(&b)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	return b.String()
}

// dbCheckJSON is what check --db read of the database.
type dbCheckJSON struct {
	Name        string `json:"name"`
	Tables      int    `json:"tables"`
	Columns     int    `json:"columns"`
	Queries     int    `json:"queries"`
	RowsSampled int    `json:"rows_sampled"`
}

// checkDatabase compares the declaration of r with the live schema of the
// database at rawURL, read-only, and adds the findings to r with the
// declaration's acknowledgements applied.
func checkDatabase(r *fileResult, rawURL string, sample int) error {
	decl, err := policy.LoadFile(r.File)
	if err != nil {
		return err
	}
	ctx := context.Background()
	db, driver, name, err := connect(ctx, rawURL, readOnly)
	if err != nil {
		return err
	}
	defer db.Close()
	dialect := schema.SQLite
	if driver == "pgx" {
		dialect = schema.Postgres
	}
	rep, err := schema.Check(ctx, db, dialect, decl, &schema.CheckOptions{Sample: sample})
	if err != nil {
		return fmt.Errorf("comparing with %s: %v; the role needs to read the catalog (and, with --sample, SELECT on the tables)", name, redactErr(err, rawURL))
	}
	for i := range rep.Findings {
		f := &rep.Findings[i]
		for j := range decl.Acknowledged {
			if a := decl.Acknowledged[j]; a.Covers(f) {
				f.Acknowledged = &a
				break
			}
		}
	}
	r.Findings = append(r.Findings, rep.Findings...)
	r.Database = &dbCheckJSON{Name: name, Tables: rep.Tables, Columns: rep.Columns, Queries: rep.Queries, RowsSampled: rep.RowsSampled}
	return nil
}
