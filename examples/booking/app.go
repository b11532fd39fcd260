package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/frist-go/frist/consent"
	"github.com/frist-go/frist/dsar"
	"github.com/frist-go/frist/notice"
	"github.com/frist-go/frist/notify"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store/logstore"
	"github.com/frist-go/frist/store/multistore"
	"github.com/frist-go/frist/store/sqlitestore"
)

// The declaration's names the service relies on; New checks that the
// declaration has them.
const (
	datasetLog         = "access_log"
	datasetAppointment = "appointment"
	purposeBooking     = "booking"
)

// Options configure an App. DB, Declaration and Keys are required.
type Options struct {
	// DB is the service's database, opened with SQLiteDSN. The App creates
	// its tables and frist's own in it and never closes it.
	DB *sql.DB
	// Declaration is the validated declaration frist enforces.
	Declaration *policy.Declaration
	// Keys are the service's secrets.
	Keys *Keys
	// Now is the clock of the App, the engine and the ledger. Default
	// time.Now.
	Now func() time.Time
	// BaseURL is the scheme and host under which citizens reach the
	// service, e.g. "https://termine.jobcenter-segeberg.de". Every absolute
	// link in pages and mails is built from it, never from the request's
	// Host header, which a client chooses. Required.
	BaseURL string
	// TrustedProxies are the reverse proxies (the Amt's TLS-terminating
	// proxy) whose X-Forwarded-For header names the client; see
	// ParseProxies. Without them the connection's peer is the client, and
	// behind a proxy every request would count as the proxy's: in the
	// access log and in the per-client limit of office logins.
	TrustedProxies []netip.Prefix
	// Mailer sends the one-time links that verify an e-mail address
	// (verify.go). Nil: requests for all appointments of an address cannot
	// be made; those for one appointment by its link still can.
	Mailer Mailer
	// OfficePassword protects /office with HTTP basic authentication (user
	// "office"); New refuses one shorter than 16 characters or of fewer
	// than 8 distinct characters (ErrWeakPassword). Failed logins are
	// slowed down and locked out (office_guard.go). Empty disables the
	// office view.
	OfficePassword string
	// Places are the offices where appointments take place. Default:
	// Kaltenkirchen, Bad Segeberg, Norderstedt.
	Places []string
	// Capacity is how many appointments one place takes per slot.
	// Default 2.
	Capacity int
	// Horizon is how many working days ahead slots are offered. Default 10.
	Horizon int
	// Interval is the time between two sweeps (retention.Options.Interval),
	// on which the engine's Scheduler sweeps. Default one minute.
	Interval time.Duration
	// Logger receives operational messages; it never receives personal
	// data. Default: discard.
	Logger *slog.Logger
	// ErasureLedger, when set, records every cancellation, withdrawal and
	// erasure before it is carried out, outside the database
	// (retention.Options.Ledger), so that the engine's Replay erases them
	// again after the database is restored from a backup.
	ErasureLedger retention.Ledger
	// LogDirs overrides files.dir of the declaration's datasets bound to
	// files (dataset ID -> directory); see logstore.Options.Dirs.
	LogDirs logstore.Dirs
	// Notifier, when set, tells the recipients of a dataset (maixit, in
	// the Jobcenter's declaration) of every erasure, rectification and
	// restriction of its records (Art. 19 GDPR): a cancellation, a
	// withdrawal, an erasure request, the end of a period
	// (retention.Options.Notifier; the request service uses the engine's).
	// notify.LoadWebhooksFile reads one from a file (-notify). Nil: the
	// audit log records every such communication as the controller's to
	// make by other means.
	Notifier notify.Notifier
}

// App is the booking service: its handlers and the frist components that
// enforce the declaration on its database.
type App struct {
	db       *sql.DB
	decl     *policy.Declaration
	keys     *Keys
	now      func() time.Time
	loc      *time.Location
	log      *slog.Logger
	places   []string
	capacity int
	horizon  int
	guard    *officeGuard
	baseURL  string
	mailer   Mailer
	proxies  []netip.Prefix

	store  *sqlitestore.Store
	engine *retention.Engine
	ledger *consent.Ledger
	dsar   *dsar.Service

	consentVersion string
	consentText    string
	consentHash    string

	pages   map[string]*template.Template
	handler http.Handler
}

// ErrOptions is returned by New for missing or unusable options.
var ErrOptions = errors.New("booking: invalid options")

// New creates the service's tables, opens frist's store on them and
// returns the App. It fails when the declaration lacks the datasets and
// the consent-based purpose the service needs.
func New(ctx context.Context, o Options) (*App, error) {
	switch {
	case o.DB == nil:
		return nil, fmt.Errorf("%w: DB is nil", ErrOptions)
	case o.Declaration == nil:
		return nil, fmt.Errorf("%w: Declaration is nil", ErrOptions)
	case o.Keys == nil:
		return nil, fmt.Errorf("%w: Keys is nil", ErrOptions)
	}
	base, err := checkBaseURL(o.BaseURL)
	if err != nil {
		return nil, err
	}
	decl := o.Declaration
	for _, id := range []string{datasetLog, datasetAppointment} {
		if decl.Dataset(id) == nil {
			return nil, fmt.Errorf("%w: the declaration has no dataset %q", ErrOptions, id)
		}
	}
	p := decl.Purpose(purposeBooking)
	if p == nil || p.Consent == nil {
		return nil, fmt.Errorf("%w: the declaration has no consent-based purpose %q", ErrOptions, purposeBooking)
	}
	a := &App{
		db: o.DB, decl: decl, keys: o.Keys, now: o.Now, loc: decl.Location(), log: o.Logger,
		places: o.Places, capacity: o.Capacity, horizon: o.Horizon,
		baseURL: base, mailer: o.Mailer, proxies: o.TrustedProxies,
		consentVersion: p.Consent.Version,
	}
	if a.now == nil {
		a.now = time.Now
	}
	if o.OfficePassword != "" {
		if err := checkOfficePassword(o.OfficePassword); err != nil {
			return nil, err
		}
		a.guard = newOfficeGuard(o.OfficePassword)
	}
	if a.log == nil {
		a.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if len(a.places) == 0 {
		a.places = []string{"Kaltenkirchen", "Bad Segeberg", "Norderstedt"}
	}
	if a.capacity <= 0 {
		a.capacity = 2
	}
	if a.horizon <= 0 {
		a.horizon = 10
	}
	if err := createSchema(ctx, o.DB); err != nil {
		return nil, err
	}
	st, err := sqlitestore.New(o.DB, decl, nil)
	if err != nil {
		return nil, err
	}
	a.store = st
	// A declaration that binds datasets to log files is enforced on them
	// too, through one store: its rules would otherwise never run.
	full, err := multistore.WithLogs(decl, st, &logstore.Options{Dirs: o.LogDirs, Logger: a.log})
	if err != nil {
		return nil, err
	}
	a.engine, err = retention.New(decl, full, &retention.Options{
		Now:      a.now,
		AuditKey: o.Keys.Audit,
		Interval: o.Interval,
		Logger:   a.log,
		Ledger:   o.ErasureLedger,
		Notifier: o.Notifier,
	})
	if err != nil {
		return nil, err
	}
	a.ledger, err = consent.New(a.engine, full, &consent.Options{
		Now:      a.now,
		Keys:     o.Keys.Audit,
		LinkKeys: o.Keys.Links,
		Logger:   a.log,
	})
	if err != nil {
		return nil, err
	}
	a.dsar, err = dsar.NewService(a.engine, full, a.ledger, &dsar.ServiceOptions{
		Now:      a.now,
		Identity: appIdentity{a},
		AuditKey: o.Keys.Audit,
	})
	if err != nil {
		return nil, err
	}
	a.consentText = consentText(decl, p)
	a.consentHash = consent.TextHash(a.consentText)
	if a.pages, err = parsePages(); err != nil {
		return nil, err
	}
	a.handler = a.routes()
	return a, nil
}

// Handler returns the service's HTTP handler: every request is logged to
// access_log, cross-origin form posts are refused, and pages are sent
// without caching and without a referrer (links carry tokens).
func (a *App) Handler() http.Handler { return a.handler }

// Engine returns the retention engine that enforces the declaration.
func (a *App) Engine() *retention.Engine { return a.engine }

// Ledger returns the consent ledger.
func (a *App) Ledger() *consent.Ledger { return a.ledger }

// Store returns frist's store on the service's database.
func (a *App) Store() *sqlitestore.Store { return a.store }

// Declaration returns the declaration the App enforces.
func (a *App) Declaration() *policy.Declaration { return a.decl }

// checkBaseURL checks Options.BaseURL: an absolute http or https URL
// without path, query or fragment. It returns it without a trailing slash.
func checkBaseURL(s string) (string, error) {
	u, err := url.Parse(strings.TrimSuffix(s, "/"))
	switch {
	case s == "":
		return "", fmt.Errorf("%w: BaseURL is required: links in pages and mails are built from it, never from the request's Host header", ErrOptions)
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return "", fmt.Errorf("%w: BaseURL %q: want scheme and host only, such as https://termine.example.de", ErrOptions, s)
	}
	return u.String(), nil
}

// consentText is the consent statement shown above the check box. It is
// written from the declaration: the controller, the purpose, what the
// consent covers under Art. 9(2)(a), the storage periods the engine
// enforces (notice.StoragePeriods) and how to withdraw (Art. 7(3)). Its
// SHA-256 is recorded with every grant (Art. 7(1)).
func consentText(decl *policy.Declaration, p *policy.Purpose) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Ich willige ein, dass %s meine Angaben in diesem Formular zu folgendem Zweck verarbeitet: %s.",
		decl.Controller.Name, p.Description.In("de"))
	if p.SpecialCategories != "" {
		b.WriteString(" Die Einwilligung umfasst ausdrücklich die Angaben zu meinem Anliegen, die Gesundheits- oder andere besondere Daten enthalten können (Art. 9 Abs. 2 lit. a DSGVO).")
	}
	if ds := decl.Dataset(datasetAppointment); ds != nil {
		for _, s := range notice.StoragePeriods(ds, notice.German) {
			b.WriteString(" " + s)
		}
	}
	b.WriteString(" Ich kann meine Einwilligung jederzeit mit Wirkung für die Zukunft widerrufen: über den Link der Terminbestätigung für diesen Termin, der dann sofort gelöscht wird, oder nach Bestätigung meiner E-Mail-Adresse für alle mit ihr gebuchten Termine, die dann alle sofort gelöscht werden.")
	return b.String()
}
