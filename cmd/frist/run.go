package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/frist-go/frist/consent"
	"github.com/frist-go/frist/dsar"
	"github.com/frist-go/frist/metrics"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store/multistore"
	"github.com/frist-go/frist/store/pgstore"
)

var runUsage = `Usage: frist run FILE --db URL [--once] [--interval D | --schedule SPEC] [--metrics ADDR] [--vacuum off|plain|full] [--notify FILE] [--keys FILE]

Enforces the declaration's retention rules on the application's database:
every record due is deleted or anonymized, in batches, each atomic with its
entry in the audit log (Art. 5(1)(e), Art. 17). Held records are left
alone (Art. 17(3), Art. 18).

Without --once, frist sweeps at once (catching up any downtime) and then
every --interval (default one minute), or on the cron schedule SPEC, until
it receives SIGINT or SIGTERM; it then lets the running sweep stop cleanly,
waiting at most --stop-timeout. Several replicas may run on one database:
one sweeps at a time. With --once, frist sweeps once and prints the report.
On a terminal a long sweep shows its progress on stderr.

Datasets the declaration binds to log files (files:) are enforced on
those files together with the database's tables, through one engine; the
files are read from files.dir, or from DIR with --logs DATASET=DIR. A
directory that cannot be read stops the command before anything is
written.

A record is processed at most its rule's early window before its deadline:
the larger of 1%% of the period and one sweep interval, at most a tenth of
the period. The interval is --interval, or the longest gap of SPEC in the
declaration's time zone, daylight-saving changes included (@daily in
Europe/Berlin: 25 hours); give one of them, not both. With --once they
say how often the command is run. frist refuses an interval or schedule
too sparse for a rule, naming the rule.

--metrics ADDR serves Prometheus metrics at http://ADDR/metrics:
frist_records_processed_total, frist_sweep_duration_seconds,
frist_records_overdue (alert when above zero),
frist_unreadable_time_values_total (alert on any increase) and
frist_last_successful_sweep_timestamp_seconds.

After a sweep that deleted or anonymized records, or deleted or
pseudonymized frist's own (expired consent proof, closed requests, an
erased subject's consent events), frist removes what the database keeps of
them physically: SQLite erases with secure_delete and truncates its
write-ahead log; on PostgreSQL the old row versions stay in the table's
files until VACUUM, and --vacuum plain or full runs it on the tables the
sweep touched, frist's own included (full rewrites the table: no byte of an
erased row is left in its files, but the table is locked while that runs).
frist plan counts the old row versions still there.

` + notifyUsageHelp + `
A time rule's erasure is told once per sweep, with the rule and the count
and no identifier; a remembered event's, with the person as the recipient
received the data. With --once, the report counts per rule the
notifications told, not told and left to the controller.

` + keysUsageHelp + `
A record whose time value cannot be read (text in an unknown form or with
an offset the column's declared zone never has, a number in a text column)
is never processed by a time rule;
the report names its dataset, rule, column and count at every sweep until
the value is corrected, and the sweep processes every other due record.

Exit status: 0 after a clean stop, or when --once left nothing overdue, no
rule failed and no time value was unreadable; 1 when --once left records
overdue, a rule failed (they are retried at the next sweep) or a time value
could not be read; 2 when the declaration is invalid, the
database, keys or webhooks file cannot be used, or the command line is
wrong. A recipient not told changes no exit status: the report and stderr
say so.

Flags:
%s
Examples:
  frist run examples/policies/jobcenter.yaml --db sqlite:booking.db --keys /etc/frist/keys --once
  frist run policy.yaml --db postgres://frist@db/booking --schedule "*/5 * * * *" --metrics :9464
`

func runRun(args []string, stdout, stderr io.Writer) int {
	c := newCLI("run", runUsage, stdout, stderr)
	dbURL := c.fs.String("db", "", "database URL: sqlite:PATH or postgres://USER@HOST/DB (required)")
	once := c.fs.Bool("once", false, "sweep once, print the report and exit")
	spec := c.fs.String("schedule", "", "cron schedule of the sweeps (5 fields or @every 5m), instead of --interval")
	interval := c.fs.Duration("interval", 0, "time between sweeps, which sets how early records are processed (default: one minute, or the longest gap of --schedule)")
	metricsAddr := c.fs.String("metrics", "", "serve Prometheus metrics on this address, e.g. :9464")
	vacuum := c.fs.String("vacuum", "off", "PostgreSQL: after a sweep that deleted or anonymized records, frist's own included, run VACUUM on their tables (plain) or VACUUM FULL (full: no byte of erased rows left in the table's files, but the table is locked while it is rewritten); off leaves it to autovacuum")
	keyFile := c.keysFlag()
	notifyFile := c.notifyFlag()
	format := c.fs.String("format", "text", "report format of --once: text or json")
	logDirs := c.logsFlag()
	stopTimeout := c.fs.Duration("stop-timeout", 30*time.Second, "how long to wait for the running sweep at SIGINT/SIGTERM")
	rest, code, done := c.parse(args)
	if done {
		return code
	}
	if code, ok := c.choice("format", *format, "text", "json"); !ok {
		return code
	}
	if code, ok := c.choice("vacuum", *vacuum, "off", "plain", "full"); !ok {
		return code
	}
	file, code, ok := c.oneFile(rest)
	if !ok {
		return code
	}
	switch {
	case *dbURL == "":
		return c.fail("no database given; name it with --db sqlite:PATH or --db postgres://USER@HOST/DB")
	case *keyFile == "":
		return c.noKeys()
	case *once && *metricsAddr != "":
		return c.fail("--metrics serves a running scheduler; with --once, read the printed report instead")
	case *interval < 0 || *stopTimeout <= 0:
		return c.fail("--interval must not be negative and --stop-timeout must be positive")
	case *interval > 0 && *spec != "":
		return c.fail("give --interval or --schedule, not both: the interval of a schedule is its longest gap")
	}
	decl, code, ok := c.load(file)
	if !ok {
		return code
	}
	if *spec != "" {
		// Checked before the database is opened; the engine takes the
		// schedule's longest gap as its interval.
		if _, err := retention.ScheduleGap(*spec, decl.Location(), time.Now()); err != nil {
			return c.fail("--schedule %q is not a cron schedule (%v); write five fields such as \"*/5 * * * *\" or @every 5m", *spec, strings.TrimPrefix(err.Error(), fmt.Sprintf("%v %q: ", retention.ErrInvalidSchedule, *spec)))
		}
	}
	k, err := readKeys(*keyFile, decl, func(msg string) { fmt.Fprintf(stderr, "frist run: warning: %s\n", msg) })
	if err != nil {
		return c.errorf("%v", err)
	}
	notifier, code, ok := c.loadNotifier(*notifyFile, decl)
	if !ok {
		return code
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	vac, _ := pgstore.ParseVacuum(*vacuum) // checked with the other flags
	db, err := openDatabaseWith(ctx, *dbURL, decl, readWrite, stderr, dbOptions{vacuum: vac, logDirs: logDirs})
	if err != nil {
		return c.errorf("%v", err)
	}
	defer db.Close()

	level := slog.LevelInfo
	if *once {
		level = slog.LevelWarn
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	var obs observers
	if *once && isTerminal(stderr) {
		obs = append(obs, &progress{w: stderr})
	}
	var reg *prometheus.Registry
	var mo *metrics.Observer
	if *metricsAddr != "" {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		if mo, err = metrics.New(reg); err != nil {
			return c.errorf("%v", err)
		}
		obs = append(obs, mo)
	}
	eng, err := retention.New(decl, db.store, &retention.Options{
		AuditKey: k.audit, Keys: k.rings, Interval: *interval, Schedule: *spec, Logger: logger, Observer: obs,
		Notifier: notifier,
	})
	if err != nil {
		return c.errorf("the declaration's rules cannot run: %v%s", err, intervalHint(err, *once))
	}
	if err := keepOwnRecords(eng, db.store, k); err != nil {
		return c.errorf("%v", err)
	}
	if *once {
		rep, err := eng.Sweep(ctx)
		if rep == nil || (err != nil && rep.Err() == nil) {
			// The sweep stopped as a whole: lease, context or store.
			return c.errorf("the sweep stopped: %v; records not reached stay due and the next sweep takes them", err)
		}
		code := writeReport(c, rep, *format, decl.Location(), notifier != nil)
		if code != exitOK {
			return code
		}
		if rep.Err() != nil || rep.Overdue() > 0 || rep.Unreadable() > 0 {
			return exitFindings
		}
		return exitOK
	}
	return c.serve(ctx, eng, *metricsAddr, reg, mo, logger, *stopTimeout)
}

// intervalHint says which flag sets the interval New refused, or "".
func intervalHint(err error, once bool) string {
	if !errors.Is(err, retention.ErrIntervalTooLong) {
		return ""
	}
	if once {
		return "\n(the interval is --interval, or the longest gap of --schedule: the time until the next run; leave it at its default of one minute)"
	}
	return "\n(the interval is --interval, or the longest gap of --schedule: choose a schedule that sweeps more often)"
}

// serve runs the scheduler (and the metrics server) until ctx ends.
func (c *cli) serve(ctx context.Context, eng *retention.Engine, addr string, reg *prometheus.Registry, mo *metrics.Observer, logger *slog.Logger, stopTimeout time.Duration) int {
	updateOverdue := func() {
		if mo == nil {
			return
		}
		if err := mo.UpdateOverdue(ctx, eng); err != nil && ctx.Err() == nil {
			logger.Warn("frist: counting overdue records failed", "error", err)
		}
	}
	sched, err := retention.NewScheduler(eng, &retention.SchedulerOptions{
		Logger:  logger,
		OnSweep: func(*retention.Report, error) { updateOverdue() },
	})
	if err != nil {
		return c.errorf("%v", err)
	}
	var srv *http.Server
	if addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return c.errorf("cannot serve metrics on %s: %v; choose another address with --metrics", addr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
		srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				logger.Error("frist: metrics server failed", "error", err)
			}
		}()
		logger.Info("frist: serving metrics", "address", "http://"+ln.Addr().String()+"/metrics")
	}
	if err := sched.Start(ctx); err != nil {
		return c.errorf("%v", err)
	}
	<-ctx.Done()
	logger.Info("frist: stopping: waiting for the running sweep", "timeout", stopTimeout)
	stopCtx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	code := exitOK
	if err := sched.Stop(stopCtx); err != nil {
		code = c.errorf("the running sweep did not stop within --stop-timeout %v; its unfinished batches are rolled back and the next run takes them", stopTimeout)
	}
	if srv != nil {
		if err := srv.Shutdown(stopCtx); err != nil {
			logger.Warn("frist: metrics server did not shut down cleanly", "error", err)
		}
	}
	return code
}

// reportJSON is the JSON form of a sweep report.
type reportJSON struct {
	Start     time.Time `json:"start"`
	Duration  string    `json:"duration"`
	Skipped   bool      `json:"skipped"`
	Processed int       `json:"processed"`
	Held      int       `json:"held"`
	Overdue   int       `json:"overdue"`
	// Unreadable counts the records whose time value cannot be read,
	// over all rules.
	Unreadable int              `json:"unreadable"`
	Rules      []ruleReportJSON `json:"rules"`
	// Records says what the sweep did to frist's own records (consent
	// events, requests, entries of the audit log dropped), as the
	// declaration's records block says.
	Records []recordsReportJSON `json:"records"`
	// Outbox says what the sweep did with the notifications to recipients
	// that could not be delivered before (Art. 19).
	Outbox outboxReportJSON `json:"outbox"`
}

type outboxReportJSON struct {
	Tried            int    `json:"tried"`
	Told             int    `json:"told"`
	NotTold          int    `json:"not_told"`
	LeftToController int    `json:"left_to_controller"`
	Error            string `json:"error,omitempty"`
}

type recordsReportJSON struct {
	Kind          string `json:"kind"`
	Deleted       int    `json:"deleted"`
	Pseudonymized int    `json:"pseudonymized"`
	Error         string `json:"error,omitempty"`
}

// unreadableJSON is a count of records a rule cannot process because the
// value of a time column cannot be read; it names no key.
type unreadableJSON struct {
	Column string `json:"column"`
	Want   string `json:"want"`
	Count  int    `json:"count"`
}

// unreadableToJSON converts the counts of a rule.
func unreadableToJSON(us []retention.Unreadable) []unreadableJSON {
	var out []unreadableJSON
	for _, u := range us {
		out = append(out, unreadableJSON{Column: u.Column, Want: u.Want, Count: u.Count})
	}
	return out
}

// writeUnreadable prints the records rules cannot process because their
// time value cannot be read, if any.
func writeUnreadable(w io.Writer, rules []unreadableRule) {
	if len(rules) == 0 {
		return
	}
	fmt.Fprintln(w, "Unreadable time values (these records are never processed until the value is corrected):")
	for _, r := range rules {
		for _, u := range r.Unreadable {
			fmt.Fprintf(w, "  %s/%s: %s whose %s is not %s\n", r.Dataset, r.Rule, plural(u.Count, "record"), u.Column, u.Want)
		}
	}
}

// unreadableRule is a rule with unreadable time values, for writeUnreadable.
type unreadableRule struct {
	Dataset, Rule string
	Unreadable    []unreadableJSON
}

type ruleReportJSON struct {
	Dataset   string `json:"dataset"`
	Rule      string `json:"rule"`
	Action    string `json:"action"`
	Processed int    `json:"processed"`
	Held      int    `json:"held"`
	Failed    int    `json:"failed"`
	Overdue   int    `json:"overdue"`
	Lateness  string `json:"lateness,omitempty"`
	Error     string `json:"error,omitempty"`
	// Unreadable counts, per time column, the records the rule cannot
	// process because their time value cannot be read.
	Unreadable []unreadableJSON `json:"unreadable,omitempty"`
	// Told, NotTold and LeftToController count the notifications of the
	// rule's erasure to the dataset's recipients (Art. 19; see
	// retention.RuleReport).
	Told             int `json:"told,omitempty"`
	NotTold          int `json:"not_told,omitempty"`
	LeftToController int `json:"left_to_controller,omitempty"`
}

// writeReport prints the report of a sweep; notifying says whether a
// Notifier told recipients (--notify), so that the text says what became
// of them.
func writeReport(c *cli, rep *retention.Report, format string, loc *time.Location, notifying bool) int {
	out := reportJSON{Start: rep.Start, Duration: rep.Duration.String(), Skipped: rep.Skipped,
		Processed: rep.Processed(), Held: rep.Held(), Overdue: rep.Overdue(), Unreadable: rep.Unreadable(), Rules: []ruleReportJSON{}}
	var unreadable []unreadableRule
	for _, rr := range rep.Rules {
		r := ruleReportJSON{Dataset: rr.Dataset, Rule: rr.Rule, Action: string(rr.Action),
			Processed: rr.Processed, Held: rr.Held, Failed: rr.Failed, Overdue: rr.Overdue, Unreadable: unreadableToJSON(rr.Unreadable),
			Told: rr.Told, NotTold: rr.NotTold, LeftToController: rr.LeftToController}
		if len(r.Unreadable) > 0 {
			unreadable = append(unreadable, unreadableRule{Dataset: r.Dataset, Rule: r.Rule, Unreadable: r.Unreadable})
		}
		if rr.Lateness > 0 {
			r.Lateness = rr.Lateness.Round(time.Second).String()
		}
		if rr.Err != nil {
			r.Error = rr.Err.Error()
		}
		out.Rules = append(out.Rules, r)
	}
	out.Records = []recordsReportJSON{}
	for _, kr := range rep.Records {
		r := recordsReportJSON{Kind: kr.Kind, Deleted: kr.Deleted, Pseudonymized: kr.Pseudonymized}
		if kr.Err != nil {
			r.Error = kr.Err.Error()
		}
		out.Records = append(out.Records, r)
	}
	out.Outbox = outboxReportJSON{Tried: rep.Outbox.Tried, Told: rep.Outbox.Told, NotTold: rep.Outbox.NotTold, LeftToController: rep.Outbox.LeftToController}
	if rep.Outbox.Err != nil {
		out.Outbox.Error = rep.Outbox.Err.Error()
	}
	if format == "json" {
		return c.writeJSON(out)
	}
	w := c.stdout
	fmt.Fprintf(w, "Sweep at %s took %v: %d processed, %d held, %d overdue",
		rep.Start.In(loc).Format("2006-01-02 15:04:05 MST"), rep.Duration.Round(time.Millisecond), out.Processed, out.Held, out.Overdue)
	if out.Unreadable > 0 {
		fmt.Fprintf(w, ", %d unreadable", out.Unreadable)
	}
	fmt.Fprintln(w)
	if rep.Skipped {
		fmt.Fprintln(w, "Skipped: another replica is sweeping this database.")
		return exitOK
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DATASET\tRULE\tACTION\tPROCESSED\tHELD\tFAILED\tOVERDUE\tLATE BY")
	for _, r := range out.Rules {
		late := r.Lateness
		if late == "" {
			late = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\n", r.Dataset, r.Rule, r.Action, r.Processed, r.Held, r.Failed, r.Overdue, late)
	}
	tw.Flush()
	if len(unreadable) > 0 {
		fmt.Fprintln(w)
		writeUnreadable(w, unreadable)
	}
	if notifying {
		writeTold(w, c.stderr, rep.Rules)
	}
	writeRetold(w, c.stderr, rep.Outbox)
	if len(out.Records) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "frist's own records (the declaration's records block):")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "RECORDS\tDELETED\tPSEUDONYMIZED\tFAILED")
		for _, r := range out.Records {
			failed := 0
			if r.Error != "" {
				failed = 1
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\n", r.Kind, r.Deleted, r.Pseudonymized, failed)
		}
		tw.Flush()
	}
	for _, r := range out.Rules {
		if r.Error != "" {
			fmt.Fprintf(c.stderr, "frist run: %s/%s failed: %s; its records stay due and the next sweep retries them\n", r.Dataset, r.Rule, r.Error)
		}
	}
	for _, r := range out.Records {
		if r.Error != "" {
			fmt.Fprintf(c.stderr, "frist run: keeping the %s records failed: %s; the next sweep retries\n", r.Kind, r.Error)
		}
	}
	return exitOK
}

// keepOwnRecords registers the keepers of frist's own records with eng, so
// that its sweeps expire consent events and pseudonymize and delete closed
// requests as the declaration's records block says (Art. 5(1)(e) GDPR).
// The request service pseudonymizes with the audit key, as frist dsar
// does, so a request is found again from the subject's identifier.
func keepOwnRecords(eng *retention.Engine, st multistore.Home, k *keys) error {
	ledger, err := consent.New(eng, st, &consent.Options{Keys: k.audit})
	if err != nil {
		return fmt.Errorf("the consent ledger cannot be opened: %w", err)
	}
	if _, err := dsar.NewService(eng, st, ledger, &dsar.ServiceOptions{Identity: refuseIdentity{}, AuditKey: k.audit}); err != nil {
		return fmt.Errorf("the request records cannot be opened: %w", err)
	}
	return nil
}
