package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/frist-go/frist/dsar"
)

var dsarExtendUsage = `Usage: frist dsar extend FILE --db URL --keys FILE ID --months 1|2 --reason TEXT --told TIME [--format text|json]

Extends the period to answer the request ID by one or two further months
(Art. 12(3) sentence 2 GDPR), "taking into account the complexity and
number of the requests". The data subject must be told of the extension,
with the reasons for the delay, within one month of receipt (sentence 3):
--reason is what they were told, --told when. An extension told after the
first month is refused.

The GDPR does not say from when the further months run, and more than one
count is defensible: from the end of the first month as moved past
weekends and holidays, from receipt (one period of three months), or from
the first month's last day before it is moved. frist prints each with the
rule that gives it and works to the earliest, so that the data subject
waits no longer than any reading allows; frist dsar list and --overdue use
that date.

An extension may be noted while the requester's identity is still being
verified: the period runs from receipt either way. The request stays
unverified, and nothing is disclosed before "frist dsar verify".

TIME is RFC 3339, a date, or a date and time in the controller's time
zone. TEXT is stored with the request and shown by "frist dsar show"; it
is not written to the audit log, which records only that the period was
extended.

` + keysUsageHelp + `
Exit status: 0 when the period was extended; 1 when the request cannot be
extended (already extended, finished, or the data subject was told after
the first month); 2 when the command line is wrong, the declaration is
invalid, the database or keys cannot be used, or no request has the ID.

Flags:
%s
Examples:
  frist dsar extend examples/policies/jobcenter.yaml --db sqlite:booking.db --keys frist.keys 0190d5e4-7b7e-7a3c-9c1e-2f4b5a6c7d8e --months 2 --reason "Ihre Daten liegen in drei Fachverfahren und im Archiv" --told 2027-02-20
  frist dsar extend policy.yaml --db postgres://frist@db/booking 0190d5e4-7b7e-7a3c-9c1e-2f4b5a6c7d8e --months 1 --reason "..." --told "2027-02-20 09:30" --format json
`

func runDsarExtend(args []string, stdout, stderr io.Writer) int {
	c := newCLI("dsar extend", dsarExtendUsage, stdout, stderr)
	dbURL := c.fs.String("db", "", dbFlagHelp)
	logDirs := c.logsFlag()
	keyFile := c.keysFlag()
	months := c.fs.Int("months", 0, "further months: 1 or 2 (required)")
	reason := c.fs.String("reason", "", "the reasons for the delay, as the data subject was told them (required)")
	told := c.fs.String("told", "", "when the data subject was told of the extension (required)")
	format := c.fs.String("format", "text", "output format: text or json")
	rest, code, done := c.parse(args)
	if done {
		return code
	}
	if code, ok := c.choice("format", *format, "text", "json"); !ok {
		return code
	}
	file, id, code, ok := c.requestArgs(rest)
	if !ok {
		return code
	}
	switch {
	case *months != 1 && *months != dsar.MaxExtension:
		return c.fail("--months %d is not allowed; Art. 12(3) GDPR allows --months 1 or --months 2 further months", *months)
	case strings.TrimSpace(*reason) == "":
		return c.fail("no reason given; say with --reason why the answer takes longer, as the data subject was told (Art. 12(3) sentence 3)")
	case strings.IndexFunc(*reason, func(r rune) bool { return r < ' ' && r != '\t' }) >= 0:
		return c.fail("--reason must be one line of text without control characters")
	case *told == "":
		return c.fail("no --told given; say when the data subject was told of the extension and its reasons (Art. 12(3) sentence 3 requires it within one month of receipt)")
	case *dbURL == "":
		return c.fail("no database given; name it with --db sqlite:PATH or --db postgres://USER@HOST/DB")
	case *keyFile == "":
		return c.noKeys()
	}
	// The time is read in the controller's zone, and checked before the
	// database is opened for writing.
	decl, code, ok := c.load(file)
	if !ok {
		return code
	}
	loc := decl.Location()
	toldAt, err := parseAt(*told, loc)
	if err != nil {
		return c.fail("--told %q is not a time; write RFC 3339 (2027-02-20T09:30:00+01:00), a date (2027-02-20) or a date and time (\"2027-02-20 09:30\") in the controller's time zone", *told)
	}
	ctx := context.Background()
	env, code, ok := c.openDsar(ctx, dsarSetup{file: file, dbURL: *dbURL, logDirs: logDirs, keyFile: *keyFile, access: readWrite})
	if !ok {
		return code
	}
	defer env.Close()
	r, err := env.svc.Extend(ctx, id, *months, *reason, toldAt)
	if errors.Is(err, dsar.ErrTime) {
		return c.fail("%v; --told is when the data subject was told", err)
	}
	if err != nil {
		return c.requestError(err, env.db.name)
	}
	ext, _ := r.Extension()
	if *format == "json" {
		return c.writeJSON(requestToJSON(r, true))
	}
	fmt.Fprintf(stdout, "Extended %s by %d further month(s) (Art. 12(3) sentence 2 GDPR); the data subject was told %s.\n", r, ext.Months, dateIn(ext.ToldAt, loc))
	fmt.Fprintf(stdout, "Work to: %s, %s, the earliest of these readings of the extended period:\n", ext.Due.Date, weekday(ext.Due.Date))
	writeReadings(stdout, ext, "  ")
	if ext.Pending {
		db, note := hintDB(*dbURL)
		fmt.Fprintf(stdout, "The requester's identity is not verified yet: nothing may be disclosed before%s\n  %s\n", note,
			shellCommand("frist", "dsar", "verify", file, "--db", db, "--keys", *keyFile, r.ID().String(), "--method", "id_card_checked"))
	}
	holidaysNote(stdout, env.decl.Controller.Holidays)
	return exitOK
}

// writeReadings prints each reading of an extended period with the rule
// that gives it, marking the one worked to.
func writeReadings(w io.Writer, ext dsar.Extension, indent string) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	marked := false
	for _, rd := range ext.Readings {
		mark := ""
		if !marked && rd.Due.Date == ext.Due.Date {
			mark, marked = "  <- work to", true
		}
		fmt.Fprintf(tw, "%s%s\t%s\t%s%s%s\n", indent, rd.Due.Date, weekday(rd.Due.Date), rd.Rule.Text(), skippedText(rd.Due), mark)
	}
	tw.Flush()
}

// holidaysNote says when the deadlines count the nationwide public
// holidays only, because the declaration names no Land.
func holidaysNote(w io.Writer, holidays string) {
	if holidays == "" {
		fmt.Fprintln(w, "Note: controller.holidays names no Land, so only the nationwide public holidays were counted; a Land's own holidays (Fronleichnam, Allerheiligen in Nordrhein-Westfalen) were counted as working days.")
	}
}
