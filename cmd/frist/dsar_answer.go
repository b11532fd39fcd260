package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"

	"github.com/frist-go/frist/dsar"
	"github.com/frist-go/frist/notice"
)

var dsarExportUsage = `Usage: frist dsar export FILE --db URL --keys FILE ID --format FORMAT [--lang de|en] [--out FILE] [--confirm-none]

Answers a verified request for access or for data portability and writes
the answer for the data subject:

  access (Art. 15 GDPR): the access report: the confirmation, a copy of
    every record of the subject (Art. 15(3)) with when it will be deleted,
    and for every dataset the purposes, legal bases, categories,
    recipients, storage period and source (Art. 15(1)(a)–(h), 15(2)), the
    consent history, objections and holds. FORMAT json (described by
    dsar/schema/access-report.schema.json), md (Markdown) or html (one
    standalone page), in German or English (--lang).
  portability (Art. 20 GDPR): the data the subject provided, from datasets
    processed on consent or a contract, FORMAT json or csv; what was left
    out is listed with the reason (json).

Exporting answers the request: it is completed, and the disclosure is
recorded in the audit log under the subject's keyed pseudonym. It runs once
per request, so choose the format the data subject asked for; with --out
the answer is written to a new file (mode 0600, never overwritten). The
output is the subject's personal data: hand it to the data subject only.

Unverified requests are refused (Art. 12(6) GDPR): attest the requester's
identity with "frist dsar verify" first. When nothing is stored about the
request's subject, nothing is answered without --confirm-none: the answer
would tell the person that no data about them is processed, which is
wrong when the request names them by something other than what the
datasets hold (open it with "frist dsar open --identifier").

` + keysUsageHelp + `
Exit status: 0 when the answer was written; 1 when the request is not
verified, is finished, is not an access or portability request, or its
subject matches nothing and --confirm-none is not given; 2 when
the command line is wrong, the declaration is invalid, the database or
keys cannot be used, or no request has the ID.

Flags:
%s
Examples:
  frist dsar export examples/policies/jobcenter.yaml --db sqlite:booking.db --keys frist.keys 0190d5e4-7b7e-7a3c-9c1e-2f4b5a6c7d8e --format html --lang de --out auskunft.html
  frist dsar export policy.yaml --db postgres://frist@db/booking 0190d5e4-7b7e-7a3c-9c1e-2f4b5a6c7d8e --format csv > export.csv
`

var dsarEraseUsage = `Usage: frist dsar erase FILE --db URL --keys FILE ID [--ledger FILE] [--notify FILE] [--lang de|en] [--format text|json]

Carries out a verified erasure request (Art. 17 GDPR): the subject's
records in every dataset with a subject column are deleted, or anonymized
where the declaration says so for erasure requests, except records under a
hold (Art. 17(3)(b), (e), Art. 18) or within a statutory minimum retention
(Art. 17(3)(b)). The consent ledger keeps the proof of consent and its
withdrawal under the subject's keyed pseudonym (Art. 7(1)). The request is
completed and every step is audited under the pseudonym.

With --ledger, the erasure is first recorded in the erasure ledger, so
that "frist replay" erases the records again if the database is restored
from a backup taken before (see "frist replay --help").

Prints the receipt: what was erased, dataset by dataset; every record that
was kept, by key, with the norm that requires keeping it and until when;
the datasets that were not searched because they are attributed to no
person (Art. 11(2)). The receipt names records by their keys only.

Unverified requests are refused (Art. 12(6) GDPR): attest the requester's
identity with "frist dsar verify" first.

The receipt lists the recipients of the erased datasets (Art. 19 GDPR) and
whether each was told.

` + notifyUsageHelp + `
` + keysUsageHelp + `
Exit status: 0 when the erasure was carried out, also when a recipient
could not be told (the receipt and stderr say which); 1 when the request
is not verified, is finished, or is not an erasure request; 2 when the
command line is wrong, the declaration is invalid, the database, keys or
webhooks file cannot be used, no request has the ID, or the erasure
failed (what was not erased stays, and the request stays open).

Flags:
%s
Examples:
  frist dsar erase examples/policies/jobcenter.yaml --db sqlite:booking.db --keys frist.keys 0190d5e4-7b7e-7a3c-9c1e-2f4b5a6c7d8e
  frist dsar erase policy.yaml --db postgres://frist@db/booking 0190d5e4-7b7e-7a3c-9c1e-2f4b5a6c7d8e --lang en --format json
`

// exportFormats are the formats export writes for each kind of request.
var exportFormats = map[dsar.Kind][]string{
	dsar.Access:      {"json", "md", "html"},
	dsar.Portability: {"json", "csv"},
}

func runDsarExport(args []string, stdout, stderr io.Writer) int {
	c := newCLI("dsar export", dsarExportUsage, stdout, stderr)
	dbURL := c.fs.String("db", "", dbFlagHelp)
	logDirs := c.logsFlag()
	keyFile := c.keysFlag()
	format := c.fs.String("format", "", "json, md or html for an access request; json or csv for a portability request (required)")
	langFlag := c.fs.String("lang", "de", "language of md and html: de or en")
	outFile := c.fs.String("out", "", "write the answer to this new file instead of stdout")
	confirmNone := c.fs.Bool("confirm-none", false, "answer although nothing is stored about the subject, so that the answer says no data is held")
	rest, code, done := c.parse(args)
	if done {
		return code
	}
	if *format == "" {
		return c.fail("no format given; choose the one the data subject asked for with --format json, md, html (access) or csv (portability)")
	}
	if code, ok := c.choice("format", *format, "json", "md", "html", "csv"); !ok {
		return code
	}
	lang, err := notice.ParseLanguage(*langFlag)
	if err != nil {
		return c.fail("--lang %q is not supported; use --lang de or --lang en", *langFlag)
	}
	file, id, code, ok := c.requestArgs(rest)
	if !ok {
		return code
	}
	switch {
	case *dbURL == "":
		return c.fail("no database given; name it with --db sqlite:PATH or --db postgres://USER@HOST/DB")
	case *keyFile == "":
		return c.noKeys()
	}
	ctx := context.Background()
	env, code, ok := c.openDsar(ctx, dsarSetup{file: file, dbURL: *dbURL, logDirs: logDirs, keyFile: *keyFile, access: readWrite})
	if !ok {
		return code
	}
	defer env.Close()
	r, code, ok := c.answerable(ctx, env, id, dsar.Access, dsar.Portability)
	if !ok {
		return code
	}
	if code, ok := c.choiceFor(r, *format); !ok {
		return code
	}
	if !*confirmNone {
		n, err := env.svc.Holdings(ctx, r.Subject())
		if err != nil {
			return c.errorf("looking the subject up on %s: %v", env.db.name, err)
		}
		if n == 0 {
			c.errorf("nothing is stored about the subject of %s, so the answer would say that no data about the person is processed; nothing was answered. If the person gave an e-mail address, phone number or customer number, open a request with \"frist dsar open --identifier\", which searches the declared identifying fields; to answer that no data is held, run this command again with --confirm-none", r)
			return exitFindings
		}
	}
	// Open the output before answering: the request is answered once.
	w, finish, err := openOutput(*outFile, stdout)
	if err != nil {
		return c.errorf("%v", err)
	}
	var buf bytes.Buffer
	loc := env.decl.Location()
	if r.Kind() == dsar.Access {
		rep, err := env.svc.Access(ctx, id)
		if err != nil {
			finish(false)
			return c.requestError(err, env.db.name)
		}
		switch *format {
		case "json":
			err = encodeJSON(&buf, rep)
		case "md":
			err = rep.WriteMarkdown(&buf, lang, loc)
		case "html":
			err = rep.WriteHTML(&buf, lang, loc)
		}
		if err != nil {
			finish(false)
			return c.errorf("%s was answered, but the report could not be rendered: %v", r, err)
		}
	} else {
		ex, err := env.svc.Portability(ctx, id)
		if err != nil {
			finish(false)
			return c.requestError(err, env.db.name)
		}
		if *format == "csv" {
			err = ex.WriteCSV(&buf)
		} else {
			err = encodeJSON(&buf, ex)
		}
		if err != nil {
			finish(false)
			return c.errorf("%s was answered, but the export could not be rendered: %v", r, err)
		}
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		finish(false)
		return c.errorf("%s was answered, but writing the answer failed: %v", r, err)
	}
	if err := finish(true); err != nil {
		return c.errorf("%s was answered, but writing the answer failed: %v", r, err)
	}
	if *outFile != "" {
		fmt.Fprintf(stderr, "frist dsar export: %s answered; the answer is in %s (hand it to the data subject only)\n", r, *outFile)
	}
	return exitOK
}

// answerable loads the request with id and checks, before anything is
// disclosed or changed, that it is of one of kinds, verified and open.
func (c *cli) answerable(ctx context.Context, env *dsarEnv, id uuid.UUID, kinds ...dsar.Kind) (*dsar.Request, int, bool) {
	r, err := env.svc.Get(ctx, id)
	if err != nil {
		return nil, c.requestError(err, env.db.name), false
	}
	kindOK := false
	var names []string
	for _, k := range kinds {
		kindOK = kindOK || r.Kind() == k
		names = append(names, k.String())
	}
	switch {
	case !kindOK:
		hint := "frist dsar export answers access and portability requests"
		switch r.Kind() {
		case dsar.Access, dsar.Portability:
			hint = "answer it with frist dsar export"
		case dsar.Erasure:
			hint = "carry it out with frist dsar erase"
		case dsar.Rectification, dsar.Restriction, dsar.Objection:
			hint = "the application answers it through package dsar (Service.Rectify, Restrict or Object)"
		}
		c.errorf("%s is a request for %s (%s GDPR), not %s; %s", r, r.Kind().Title("en"), r.Kind().Article(), joinOr(names), hint)
		return r, exitFindings, false
	case r.State().Final():
		c.errorf("%s is already %s; a request is answered once (open a new request if the person asks again)", r, r.State())
		return r, exitFindings, false
	case !r.State().Verified():
		c.errorf("%s is not verified; nothing is disclosed or changed before the requester's identity is established (Art. 12(6) GDPR): attest it with \"frist dsar verify\" first", r)
		return r, exitFindings, false
	}
	return r, 0, true
}

// choiceFor checks that format suits the kind of r.
func (c *cli) choiceFor(r *dsar.Request, format string) (int, bool) {
	for _, f := range exportFormats[r.Kind()] {
		if f == format {
			return 0, true
		}
	}
	return c.fail("--format %s does not suit %s; a %s request is answered as %s", format, r, r.Kind(), joinOr(exportFormats[r.Kind()])), false
}

// joinOr joins words with commas and a final "or".
func joinOr(ws []string) string {
	switch len(ws) {
	case 0:
		return ""
	case 1:
		return ws[0]
	}
	s := ""
	for i, w := range ws[:len(ws)-1] {
		if i > 0 {
			s += ", "
		}
		s += w
	}
	return s + " or " + ws[len(ws)-1]
}

// openOutput returns where an answer goes: stdout, or the new file path
// created with mode 0600 (it holds personal data) and never overwriting.
// finish(true) closes the file; finish(false) removes it.
func openOutput(path string, stdout io.Writer) (io.Writer, func(ok bool) error, error) {
	if path == "" {
		return stdout, func(bool) error { return nil }, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot create --out %s: %v; name a new file in a writable directory (an existing file is never overwritten)", path, err)
	}
	return f, func(ok bool) error {
		err := f.Close()
		if !ok || err != nil {
			os.Remove(path)
		}
		return err
	}, nil
}

// encodeJSON writes v as indented JSON.
func encodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func runDsarErase(args []string, stdout, stderr io.Writer) int {
	c := newCLI("dsar erase", dsarEraseUsage, stdout, stderr)
	dbURL := c.fs.String("db", "", dbFlagHelp)
	logDirs := c.logsFlag()
	keyFile := c.keysFlag()
	ledgerFile := c.fs.String("ledger", "", ledgerFlagHelp)
	notifyFile := c.notifyFlag()
	langFlag := c.fs.String("lang", "de", "language of the reasons in the receipt: de or en")
	format := c.fs.String("format", "text", "output format: text or json")
	rest, code, done := c.parse(args)
	if done {
		return code
	}
	if code, ok := c.choice("format", *format, "text", "json"); !ok {
		return code
	}
	lang, err := notice.ParseLanguage(*langFlag)
	if err != nil {
		return c.fail("--lang %q is not supported; use --lang de or --lang en", *langFlag)
	}
	file, id, code, ok := c.requestArgs(rest)
	if !ok {
		return code
	}
	switch {
	case *dbURL == "":
		return c.fail("no database given; name it with --db sqlite:PATH or --db postgres://USER@HOST/DB")
	case *keyFile == "":
		return c.noKeys()
	}
	ctx := context.Background()
	env, code, ok := c.openDsar(ctx, dsarSetup{file: file, dbURL: *dbURL, logDirs: logDirs, keyFile: *keyFile, access: readWrite, ledger: *ledgerFile, notify: *notifyFile})
	if !ok {
		return code
	}
	defer env.Close()
	r, code, ok := c.answerable(ctx, env, id, dsar.Erasure)
	if !ok {
		return code
	}
	rc, err := env.svc.Erase(ctx, id)
	if errors.Is(err, dsar.ErrNotNotified) && rc != nil {
		// The erasure is done and the request completed; only telling
		// failed, which the receipt shows recipient by recipient.
		fmt.Fprintf(stderr, "frist dsar erase: %v; the erasure stands: frist run tries the recipients marked NOT told again for a week, then leaves them to you (the audit log, dsar.notify, says which)\n", err)
		err = nil
	}
	if err != nil {
		return c.errorf("%v; records not yet erased stay and %s stays open: fix the cause and run frist dsar erase again", err, r)
	}
	// What the erasure deleted or overwrote, in the application's tables
	// and in the consent ledger, is removed from the database's files now:
	// this process does not sweep.
	if err := env.eng.Purge(ctx); err != nil {
		fmt.Fprintf(stderr, "frist dsar erase: the erasure is done, but what it removed may stay in the database's files until the next sweep of frist run: %v\n", err)
	}
	if *format == "json" {
		return c.writeJSON(rc)
	}
	writeReceipt(stdout, rc, lang, env.decl.Location())
	return exitOK
}

// writeReceipt prints an erasure receipt.
func writeReceipt(w io.Writer, rc *dsar.Receipt, lang notice.Language, loc *time.Location) {
	erased := 0
	for _, d := range rc.Datasets {
		erased += d.Erased
	}
	fmt.Fprintf(w, "Erasure request %s carried out at %s (Art. 17 GDPR): %s erased, %d kept.\n\n",
		rc.Request.ID, dateIn(rc.At, loc), plural(erased, "record"), len(rc.Kept))
	if len(rc.Datasets) == 0 {
		fmt.Fprintln(w, "Erased: nothing; no dataset held records of the subject.")
	} else {
		fmt.Fprintln(w, "Erased:")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  DATASET\tRULE\tACTION\tRECORDS")
		for _, d := range rc.Datasets {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\n", d.Dataset, d.Rule, d.Action, d.Erased)
		}
		tw.Flush()
	}
	fmt.Fprintln(w)
	if len(rc.Kept) == 0 {
		fmt.Fprintln(w, "Kept: nothing; no record of the subject remains.")
	} else {
		fmt.Fprintln(w, "Kept (Art. 17(3) GDPR), by record key:")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  DATASET\tKEY\tNORM\tUNTIL\tWHY")
		for _, k := range rc.Kept {
			until := "-"
			if k.Until != nil {
				until = dateIn(*k.Until, loc)
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", k.Dataset, k.Key, k.Norm, until, k.Why.In(string(lang)))
		}
		tw.Flush()
	}
	if len(rc.NotSearched) > 0 {
		fmt.Fprintln(w, "\nNot searched (attributed to no person, Art. 11(2) GDPR):")
		for _, n := range rc.NotSearched {
			fmt.Fprintf(w, "  %s: %s\n", n.Dataset, n.Reason.In(string(lang)))
		}
	}
	if rc.ConsentEvents > 0 {
		fmt.Fprintf(w, "\nConsent ledger: %d event(s) kept under the subject's keyed pseudonym, as proof of consent and its withdrawal (Art. 7(1), 17(3)(b) GDPR).\n", rc.ConsentEvents)
	}
	if len(rc.Recipients) > 0 {
		fmt.Fprintln(w, "\nRecipients of the erased data (Art. 19 GDPR):")
		for _, r := range rc.Recipients {
			name := r.Name.In(string(lang))
			if name == "" {
				name = r.Recipient
			}
			if r.Notified {
				fmt.Fprintf(w, "  %s (%s): told\n", name, strings.Join(r.Datasets, ", "))
			} else {
				fmt.Fprintf(w, "  %s (%s): NOT told: %s\n", name, strings.Join(r.Datasets, ", "), r.Error)
			}
		}
	}
}
