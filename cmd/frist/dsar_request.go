package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/dsar"
	"github.com/frist-go/frist/policy"
)

var dsarOpenUsage = `Usage: frist dsar open FILE --db URL --keys FILE --kind KIND (--identifier FORM=VALUE | --subject ID) [--confirm-none] [--received TIME] [--format text|json]

Records a request a data subject made, and prints its ID and the date by
which it must be answered: one month from receipt (Art. 12(3) GDPR),
counted as Regulation (EEC, Euratom) No 1182/71 counts months, moved to
the next working day past weekends and the public holidays at the
controller's seat (controller.holidays).

KIND is access (Art. 15), rectification (Art. 16), erasure (Art. 17),
restriction (Art. 18), portability (Art. 20) or objection (Art. 21).

--identifier names the person by what they told you, in a form a dataset
of the declaration declares under identifiers or subject_key: email=ADDRESS,
phone=+49..., or exact=CUSTOMER-NUMBER. frist normalises the value (e-mail
with its ASCII letters lower-cased, phone as E.164), derives the subject
keys the declaration derives from it with the key file's rings, searches
the declared identifying fields, and opens one request for every subject
it finds. --subject instead takes the value of the datasets' subject
columns itself (a citizen number, never a name).

When nothing matches, nothing is opened: frist says where it searched,
since an access report on such a request would tell the person that no
data about them is processed. Ask the person for every identifier they
used; to record the request and answer that no data is held, run the same
command again with --confirm-none. frist stores the subject with the
request and prints it in list and show; the audit log names the subject
only by its keyed pseudonym.

TIME is when the request reached the controller (RFC 3339, a date, or a
date and time in the controller's time zone); default: now. The period
runs from receipt, not from when it is recorded.

The command line answers access, portability and erasure requests (dsar
export, dsar erase). Rectification, restriction and objection requests
need the application's own data and are answered through package dsar
(Service.Rectify, Restrict, Object); open and list them here to watch
their deadlines.

` + keysUsageHelp + `
Exit status: 0 when the request was recorded; 2 when the command line is
wrong, the declaration is invalid, the database or keys cannot be used.

Flags:
%s
Examples:
  frist dsar open examples/policies/jobcenter.yaml --db sqlite:booking.db --keys frist.keys --kind access --identifier email=erika@example.org
  frist dsar open policy.yaml --db postgres://frist@db/booking --keys frist.keys --kind erasure --subject 4711 --received 2026-03-03 --format json
`

var dsarListUsage = `Usage: frist dsar list FILE --db URL [--state STATE] [--subject ID] [--overdue] [--format text|json]

Lists the data-subject requests on the database, earliest deadline first:
ID, kind, state, subject, receipt and the date by which the answer is due
(Art. 12(3) GDPR, extended if it was extended).

--overdue lists only the open requests whose deadline has passed or ends
within seven days, with the time left; run it daily and alert on exit
status 1. STATE is received, identity_pending, verified, in_progress,
extended, completed or refused.

The SUBJECT column is the application's identifier of the person as it was
typed at "frist dsar open": personal data, so keep the output where the
application's data is kept. No keys are needed; nothing is written.

Exit status: 0 when the list was written (with --overdue: and no request is
past its deadline); 1 with --overdue when a request is past its deadline;
2 when the command line is wrong, the declaration is invalid, or the
database cannot be used.

Flags:
%s
Examples:
  frist dsar list examples/policies/jobcenter.yaml --db sqlite:booking.db
  frist dsar list policy.yaml --db postgres://frist@db/booking --overdue --format json
`

var dsarShowUsage = `Usage: frist dsar show FILE --db URL ID [--format text|json]

Shows one data-subject request: kind, subject, state, receipt, the
deadline of Art. 12(3) GDPR with the days off it was moved past, an
extension if any, and the history of every change of state with its time
and reason.

The subject is the application's identifier of the person as typed at
"frist dsar open": personal data. No keys are needed; nothing is written.

Exit status: 0 when the request was shown; 2 when the command line is
wrong, the declaration is invalid, the database cannot be used, or no
request has the ID.

Flags:
%s
Examples:
  frist dsar show examples/policies/jobcenter.yaml --db sqlite:booking.db 0190d5e4-7b7e-7a3c-9c1e-2f4b5a6c7d8e
  frist dsar show policy.yaml --db postgres://frist@db/booking 0190d5e4-7b7e-7a3c-9c1e-2f4b5a6c7d8e --format json
`

// requestJSON is the JSON form of a request, as open, list and show print
// it. Subject is the application's identifier as typed at open.
type requestJSON struct {
	ID         string            `json:"id"`
	Kind       string            `json:"kind"`
	Article    string            `json:"article"`
	Subject    string            `json:"subject,omitempty"`
	State      string            `json:"state"`
	ReceivedAt time.Time         `json:"received_at"`
	Due        string            `json:"due"`
	DueEnd     time.Time         `json:"due_end"`
	Deadline   dsar.Deadline     `json:"deadline"`
	Extension  *dsar.Extension   `json:"extension,omitempty"`
	Late       bool              `json:"late"`
	History    []dsar.Transition `json:"history,omitempty"`
	// LeftSeconds is the time to the end of the deadline in force when
	// the list was made, negative when it has passed (list --overdue).
	LeftSeconds *int64 `json:"left_seconds,omitempty"`
	// Overdue is true when the deadline has passed (list --overdue).
	Overdue bool `json:"overdue,omitempty"`
}

func requestToJSON(r *dsar.Request, history bool) requestJSON {
	due := r.Due()
	j := requestJSON{ID: r.ID().String(), Kind: r.Kind().String(), Article: r.Kind().Article() + " GDPR", Subject: r.Subject(),
		State: r.State().String(), ReceivedAt: r.ReceivedAt(), Due: due.Date.String(), DueEnd: due.End, Deadline: r.Deadline(), Late: r.Late()}
	if ext, ok := r.Extension(); ok {
		j.Extension = &ext
	}
	if history {
		j.History = r.History()
	}
	return j
}

func runDsarOpen(args []string, stdout, stderr io.Writer) int {
	c := newCLI("dsar open", dsarOpenUsage, stdout, stderr)
	dbURL := c.fs.String("db", "", dbFlagHelp)
	logDirs := c.logsFlag()
	keyFile := c.keysFlag()
	kindFlag := c.fs.String("kind", "", "the right exercised: access, rectification, erasure, restriction, portability or objection (required)")
	subject := c.fs.String("subject", "", "the value of the datasets' subject columns (or use --identifier)")
	identifier := c.fs.String("identifier", "", "what the person told you, as FORM=VALUE: email=ADDRESS, phone=+49..., exact=NUMBER")
	confirmNone := c.fs.Bool("confirm-none", false, "open the request although nothing matches, so that its answer says no data is held")
	received := c.fs.String("received", "", "when the request was received (default: now)")
	format := c.fs.String("format", "text", "output format: text or json")
	rest, code, done := c.parse(args)
	if done {
		return code
	}
	if code, ok := c.choice("format", *format, "text", "json"); !ok {
		return code
	}
	file, code, ok := c.oneFile(rest)
	if !ok {
		return code
	}
	kind, err := dsar.ParseKind(*kindFlag)
	switch {
	case *kindFlag == "":
		return c.fail("no kind given; name the right the data subject exercises with --kind access, rectification, erasure, restriction, portability or objection")
	case err != nil:
		return c.fail("--kind %q is not a kind of request; use access, rectification, erasure, restriction, portability or objection", *kindFlag)
	case strings.TrimSpace(*subject) == "" && strings.TrimSpace(*identifier) == "":
		return c.fail("no data subject given; name the person with --identifier email=ADDRESS (or phone=, exact=), as they told you, or with --subject and the value of the datasets' subject columns")
	case *subject != "" && *identifier != "":
		return c.fail("--subject and --identifier name the person twice; give one")
	case *dbURL == "":
		return c.fail("no database given; name it with --db sqlite:PATH or --db postgres://USER@HOST/DB")
	case *keyFile == "":
		return c.noKeys()
	}
	var form policy.IdentifierForm
	var value string
	if *identifier != "" {
		f, v, ok := strings.Cut(*identifier, "=")
		if !ok || strings.TrimSpace(v) == "" {
			return c.fail("--identifier wants FORM=VALUE, such as email=erika@example.org, phone=+494191123456 or exact=123-456789")
		}
		form, value = policy.IdentifierForm(strings.TrimSpace(f)), v
	}
	ctx := context.Background()
	env, code, ok := c.openDsar(ctx, dsarSetup{file: file, dbURL: *dbURL, logDirs: logDirs, keyFile: *keyFile, access: readWrite})
	if !ok {
		return code
	}
	defer env.Close()
	loc := env.decl.Location()
	var at time.Time
	if *received != "" {
		if at, err = parseAt(*received, loc); err != nil {
			return c.fail("--received %q is not a time; write RFC 3339 (2026-03-03T09:00:00+01:00), a date (2026-03-03) or a date and time (\"2026-03-03 09:00\") in the controller's time zone", *received)
		}
	}
	if !at.IsZero() && at.After(env.eng.Now()) {
		return c.fail("%v: a request cannot be received in the future (%s); --received is when the request reached the controller", dsar.ErrTime, at.Format(time.RFC3339))
	}
	subjects := []string{*subject}
	var searched []string
	if *identifier != "" {
		rings := map[string]*anonymize.KeyRing{auditRing: env.keys.audit}
		maps.Copy(rings, env.keys.rings)
		m, err := env.svc.Find(ctx, form, value, rings)
		switch {
		case errors.Is(err, dsar.ErrUndeclaredIdentifier):
			return c.fail("--identifier: %v", err)
		case errors.Is(err, policy.ErrIdentifier):
			return c.fail("--identifier: %v", err)
		case err != nil:
			return c.errorf("looking the person up on %s: %v", env.db.name, err)
		}
		subjects, searched = m.Subjects, m.Searched
		if len(subjects) == 0 {
			norm, _ := policy.NormalizeIdentifier(form, value, "")
			subjects = []string{norm}
		}
	}
	if !*confirmNone {
		for _, sub := range subjects {
			n, err := env.svc.Holdings(ctx, sub)
			if err != nil {
				return c.errorf("looking the person up on %s: %v", env.db.name, err)
			}
			if n > 0 {
				continue
			}
			where := "the datasets' subject columns"
			if len(searched) > 0 {
				where = strings.Join(searched, ", ")
			}
			c.errorf("nothing matches the person given (searched %s); nothing was opened. An answer now would say that no data about them is processed. Ask the person for every identifier they used (e-mail address, phone number, customer number) and try each with --identifier; to record the request and answer that no data is held, run the same command with --confirm-none", where)
			return exitFindings
		}
	}
	var opened []*dsar.Request
	for _, sub := range subjects {
		r, err := env.svc.Open(ctx, kind, sub, at)
		if errors.Is(err, dsar.ErrTime) {
			return c.fail("%v; --received is when the request reached the controller", err)
		}
		if err != nil {
			return c.errorf("recording the request on %s: %v", env.db.name, err)
		}
		opened = append(opened, r)
	}
	if *format == "json" {
		var out []requestJSON
		for _, r := range opened {
			j := requestToJSON(r, false)
			j.Subject = "" // the operator typed it; a script that opens does not need it echoed
			out = append(out, j)
		}
		if *identifier == "" {
			return c.writeJSON(out[0])
		}
		return c.writeJSON(out)
	}
	if len(opened) > 1 {
		fmt.Fprintf(stdout, "The identifier matches %d data subjects (%s); one request is opened for each.\n", len(opened), strings.Join(searched, ", "))
	}
	for _, r := range opened {
		due := r.Due()
		fmt.Fprintf(stdout, "Opened the %s request %s (%s GDPR), received %s.\n", r.Kind(), r.ID(), r.Kind().Article(), dateIn(r.ReceivedAt(), loc))
		fmt.Fprintf(stdout, "Due: %s, %s (Art. 12(3) GDPR: one month from receipt%s).\n", due.Date, weekday(due.Date), skippedText(due))
	}
	db, note := hintDB(*dbURL)
	fmt.Fprintf(stdout, "Next: establish the requester's identity and attest it with%s\n", note)
	for _, r := range opened {
		fmt.Fprintf(stdout, "  %s\n", shellCommand("frist", "dsar", "verify", file, "--db", db, "--keys", *keyFile, r.ID().String(), "--method", "id_card_checked"))
	}
	return exitOK
}

// weekday names the day of the week of d.
func weekday(d dsar.Date) string {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday().String()
}

// skippedText explains the days off a deadline was moved past.
func skippedText(d dsar.Deadline) string {
	if len(d.Skipped) == 0 {
		return ""
	}
	var days []string
	for _, s := range d.Skipped {
		days = append(days, s.Date.String()+" "+s.Reason)
	}
	return "; moved from " + d.Nominal.String() + " past " + strings.Join(days, ", ")
}

func runDsarList(args []string, stdout, stderr io.Writer) int {
	c := newCLI("dsar list", dsarListUsage, stdout, stderr)
	dbURL := c.fs.String("db", "", dbFlagHelp)
	logDirs := c.logsFlag()
	stateFlag := c.fs.String("state", "", "list only requests in this state")
	subject := c.fs.String("subject", "", "list only the requests of this data subject (the application's identifier)")
	overdue := c.fs.Bool("overdue", false, "list only open requests past or within seven days of their deadline")
	format := c.fs.String("format", "text", "output format: text or json")
	rest, code, done := c.parse(args)
	if done {
		return code
	}
	if code, ok := c.choice("format", *format, "text", "json"); !ok {
		return code
	}
	file, code, ok := c.oneFile(rest)
	if !ok {
		return code
	}
	var f dsar.Filter
	f.Subject = *subject
	if *stateFlag != "" {
		st, err := dsar.ParseState(*stateFlag)
		if err != nil {
			return c.fail("--state %q is not a state; use received, identity_pending, verified, in_progress, extended, completed or refused", *stateFlag)
		}
		f.States = []dsar.State{st}
	}
	if *dbURL == "" {
		return c.fail("no database given; name it with --db sqlite:PATH or --db postgres://USER@HOST/DB")
	}
	ctx := context.Background()
	env, code, ok := c.openDsar(ctx, dsarSetup{file: file, dbURL: *dbURL, logDirs: logDirs, access: readOnly})
	if !ok {
		return code
	}
	defer env.Close()
	out := []requestJSON{}
	late := 0
	now := env.eng.Now()
	if *overdue {
		risks, err := env.svc.Overdue(ctx, now)
		if err != nil {
			return c.errorf("listing the requests on %s: %v", env.db.name, err)
		}
		for _, rk := range risks {
			if !matches(rk.Request, f) {
				continue
			}
			j := requestToJSON(rk.Request, false)
			left := int64(rk.Left / time.Second)
			j.LeftSeconds, j.Overdue = &left, rk.Overdue()
			if rk.Overdue() {
				late++
			}
			out = append(out, j)
		}
	} else {
		reqs, err := env.svc.List(ctx, f)
		if err != nil {
			return c.errorf("listing the requests on %s: %v", env.db.name, err)
		}
		for _, r := range reqs {
			out = append(out, requestToJSON(r, false))
		}
	}
	if *format == "json" {
		if code := c.writeJSON(out); code != exitOK {
			return code
		}
	} else {
		writeRequestList(stdout, out, *overdue, env.decl.Location())
	}
	if late > 0 {
		fmt.Fprintf(stderr, "frist dsar list: %d request(s) past the deadline of Art. 12(3) GDPR; answer them now, or tell the data subjects why not (Art. 12(4))\n", late)
		return exitFindings
	}
	return exitOK
}

// matches applies the state and subject conditions of f to a request
// Service.Overdue returned.
func matches(r *dsar.Request, f dsar.Filter) bool {
	if f.Subject != "" && r.Subject() != f.Subject {
		return false
	}
	if len(f.States) == 0 {
		return true
	}
	for _, s := range f.States {
		if r.State() == s {
			return true
		}
	}
	return false
}

func writeRequestList(w io.Writer, reqs []requestJSON, overdue bool, loc *time.Location) {
	if len(reqs) == 0 {
		if overdue {
			fmt.Fprintln(w, "No open request is past its deadline or within seven days of it.")
		} else {
			fmt.Fprintln(w, "No requests.")
		}
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	head := "ID\tKIND\tSTATE\tSUBJECT\tRECEIVED\tDUE"
	if overdue {
		head += "\tLEFT"
	}
	fmt.Fprintln(tw, head)
	for _, r := range reqs {
		line := fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%s", r.ID, r.Kind, r.State, r.Subject, dateIn(r.ReceivedAt, loc), r.Due)
		if overdue {
			left := time.Duration(*r.LeftSeconds) * time.Second
			if r.Overdue {
				line += "\tOVERDUE by " + span(-left)
			} else {
				line += "\t" + span(left)
			}
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()
}

func runDsarShow(args []string, stdout, stderr io.Writer) int {
	c := newCLI("dsar show", dsarShowUsage, stdout, stderr)
	dbURL := c.fs.String("db", "", dbFlagHelp)
	logDirs := c.logsFlag()
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
	if *dbURL == "" {
		return c.fail("no database given; name it with --db sqlite:PATH or --db postgres://USER@HOST/DB")
	}
	ctx := context.Background()
	env, code, ok := c.openDsar(ctx, dsarSetup{file: file, dbURL: *dbURL, logDirs: logDirs, access: readOnly})
	if !ok {
		return code
	}
	defer env.Close()
	r, err := env.svc.Get(ctx, id)
	if err != nil {
		return c.requestError(err, env.db.name)
	}
	j := requestToJSON(r, true)
	if *format == "json" {
		return c.writeJSON(j)
	}
	writeRequest(stdout, r, env.decl.Location(), env.eng.Now())
	return exitOK
}

func writeRequest(w io.Writer, r *dsar.Request, loc *time.Location, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Request\t%s\n", r.ID())
	fmt.Fprintf(tw, "Kind\t%s (%s GDPR, %s)\n", r.Kind(), r.Kind().Article(), r.Kind().Title("en"))
	fmt.Fprintf(tw, "Subject\t%s (the application's identifier, as typed at open)\n", r.Subject())
	fmt.Fprintf(tw, "State\t%s\n", r.State())
	fmt.Fprintf(tw, "Received\t%s\n", dateIn(r.ReceivedAt(), loc))
	dl := r.Deadline()
	fmt.Fprintf(tw, "Deadline\t%s, %s (Art. 12(3) GDPR: one month from receipt%s)\n", dl.Date, weekday(dl.Date), skippedText(dl))
	ext, extended := r.Extension()
	if extended {
		pending := ""
		if ext.Pending {
			pending = ", noted before the requester was verified"
		}
		fmt.Fprintf(tw, "Extended\tby %d month(s) to %s, %s (Art. 12(3) sentence 2%s); the data subject was told %s: %s\n",
			ext.Months, ext.Due.Date, weekday(ext.Due.Date), pending, dateIn(ext.ToldAt, loc), ext.Reason)
	}
	switch {
	case r.State().Final() && r.Late():
		fmt.Fprintf(tw, "Answered\tlate: after the deadline in force\n")
	case r.State().Final():
		fmt.Fprintf(tw, "Answered\tin time\n")
	default:
		left := r.Due().End.Sub(now)
		if left <= 0 {
			fmt.Fprintf(tw, "Left\tOVERDUE by %s\n", span(-left))
		} else {
			fmt.Fprintf(tw, "Left\t%s\n", span(left))
		}
	}
	tw.Flush()
	if extended && len(ext.Readings) > 0 {
		fmt.Fprintln(w, "\nReadings of the extended period (the earliest is worked to):")
		writeReadings(w, ext, "  ")
	}
	if dl.NoCalendar {
		fmt.Fprintln(w, "\nNote: the deadline was computed without public holidays; only Saturdays and Sundays moved it.")
	}
	fmt.Fprintln(w, "\nHistory:")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  AT\tFROM\tTO\tREASON")
	for _, t := range r.History() {
		from := "-"
		if t.From != 0 {
			from = t.From.String()
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", dateIn(t.At, loc), from, t.To, t.Reason)
	}
	tw.Flush()
}

// span writes a non-negative duration in days and hours, or hours and
// minutes when under two days: "12d 3h", "5h 20m".
func span(d time.Duration) string {
	d = max(d, 0)
	if d >= 48*time.Hour {
		return fmt.Sprintf("%dd %dh", d/(24*time.Hour), d%(24*time.Hour)/time.Hour)
	}
	return fmt.Sprintf("%dh %dm", d/time.Hour, d%time.Hour/time.Minute)
}
