package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "modernc.org/sqlite"

	"github.com/frist-go/frist/ledger"
	"github.com/frist-go/frist/notify"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store/logstore"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if errors.Is(err, errVerdict) {
			os.Exit(1)
		}
		os.Exit(2)
	}
}

// run parses the flags and serves or simulates.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("booking", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", ":8080", "address to serve on")
	dbPath := fs.String("db", "booking.db", "SQLite database file")
	keyPath := fs.String("keys", "", "key file, created with random keys when missing (default: the database path + \".keys\")")
	policyPath := fs.String("policy", "", "declaration to enforce (default: examples/policies/jobcenter.yaml, looked up from the current directory)")
	baseURL := fs.String("base-url", "", "scheme and host citizens reach the service at, e.g. https://termine.example.de; every link in pages and mails is built from it (default: http://localhost and the port of -addr)")
	smtpAddr := fs.String("smtp", os.Getenv("BOOKING_SMTP"), "SMTP server (host:port) that sends the e-mail verification links (default $BOOKING_SMTP)")
	mailFrom := fs.String("mail-from", os.Getenv("BOOKING_MAIL_FROM"), "sender address of those mails (default $BOOKING_MAIL_FROM)")
	proxies := fs.String("trusted-proxy", "", "comma-separated addresses or prefixes of the reverse proxies whose X-Forwarded-For names the client (the Amt's HTTPS proxy)")
	notifyPath := fs.String("notify", "", "webhooks file telling the declaration's recipients (maixit) of every cancellation, withdrawal, erasure and end of a period (Art. 19): recipient ID -> url, secret_file; see notify.LoadWebhooks")
	ledgerPath := fs.String("ledger", "", "erasure ledger file, kept apart from the database's backups: every cancellation, withdrawal and erasure is recorded there first, so that \"frist replay\" erases them again after a restore (needs the key ring \"ledger\" in the key file)")
	simulate := fs.String("simulate", "", "run the simulation for this many virtual days (\"21d\") instead of serving")
	seed := fs.Uint64("seed", 1, "seed of the simulation; the same seed prints the same output")
	logDirs := logstore.Dirs{}
	fs.Var(logDirs, "logs", "`DATASET=DIR`: read the log files of a dataset the declaration binds to files from DIR instead of its files.dir (repeatable)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil // the usage is printed; asking for it is no error
		}
		return err
	}
	decl, err := loadDeclaration(*policyPath)
	if err != nil {
		return err
	}
	if *simulate != "" {
		days, err := parseDays(*simulate)
		if err != nil {
			return err
		}
		start := time.Now()
		res, err := Simulate(ctx, SimConfig{Declaration: decl, Days: days, Seed: *seed}, stdout)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "simulation took %v of wall time\n", time.Since(start).Round(time.Millisecond))
		if !res.OK() {
			return errVerdict
		}
		return nil
	}
	// The webhooks file is checked before anything is created.
	notifier, err := loadNotifier(*notifyPath, decl, stderr)
	if err != nil {
		return err
	}
	if *keyPath == "" {
		*keyPath = *dbPath + ".keys"
	}
	if *baseURL == "" {
		_, port, err := net.SplitHostPort(*addr)
		if err != nil {
			return fmt.Errorf("booking: -addr %q: %v", *addr, err)
		}
		*baseURL = "http://localhost:" + port
	}
	var mailer Mailer
	if *smtpAddr != "" || *mailFrom != "" {
		if *smtpAddr == "" || *mailFrom == "" {
			return errors.New("booking: -smtp and -mail-from go together: name the SMTP server and the sender address")
		}
		mailer = SMTPMailer{Addr: *smtpAddr, From: *mailFrom}
	}
	trusted, err := ParseProxies(*proxies)
	if err != nil {
		return err
	}
	return serve(ctx, decl, serveConfig{proxies: trusted, addr: *addr, baseURL: *baseURL, dbPath: *dbPath, keyPath: *keyPath, mailer: mailer, logDirs: logDirs, ledgerPath: *ledgerPath, notifier: notifier}, stderr)
}

// serveConfig is what serve needs from the flags.
type serveConfig struct {
	addr, baseURL, dbPath, keyPath string
	// ledgerPath is the erasure ledger file, "" for none.
	ledgerPath string
	mailer     Mailer
	proxies    []netip.Prefix
	logDirs    logstore.Dirs
	// notifier tells recipients (-notify); nil for none.
	notifier notify.Notifier
}

// loadNotifier reads the webhooks file at path (-notify) for decl, or
// returns nil when path is "". It warns on w of every recipient of a
// dataset the file does not name: the audit log records its
// communications as the controller's to make by other means.
func loadNotifier(path string, decl *policy.Declaration, w io.Writer) (notify.Notifier, error) {
	if path == "" {
		return nil, nil
	}
	hooks, err := notify.LoadWebhooksFile(path, decl)
	if err != nil {
		return nil, fmt.Errorf("booking: -notify:\n%w", err)
	}
	for _, rid := range hooks.Missing(decl) {
		fmt.Fprintf(w, "booking: warning: recipient %s has no webhook in %s: its erasures are recorded as the controller's to tell (Art. 19)\n", rid, path)
	}
	return hooks, nil
}

// officePassword returns $BOOKING_OFFICE_PASSWORD, or the password in the
// file at path, which it creates with a random password (mode 0600) when
// it does not exist. The password is never printed: the log names the
// file, which only the service's user can read.
func officePassword(path string, log *slog.Logger) (string, error) {
	if pw := os.Getenv("BOOKING_OFFICE_PASSWORD"); pw != "" {
		if err := checkOfficePassword(pw); err != nil {
			return "", fmt.Errorf("BOOKING_OFFICE_PASSWORD: %w", err)
		}
		log.Info("booking: office view at /office, user \"office\", password from BOOKING_OFFICE_PASSWORD")
		return pw, nil
	}
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		pw := rand.Text() + rand.Text()
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return "", fmt.Errorf("booking: creating the office password file: %w", err)
		}
		if _, err := f.WriteString(pw + "\n"); err != nil {
			f.Close()
			return "", fmt.Errorf("booking: writing the office password file: %w", err)
		}
		if err := f.Close(); err != nil {
			return "", fmt.Errorf("booking: writing the office password file: %w", err)
		}
		log.Info("booking: office view at /office, user \"office\"; a random password was written to a file only this user can read (set BOOKING_OFFICE_PASSWORD to choose one)", "file", path)
		return pw, nil
	}
	if err != nil {
		return "", fmt.Errorf("booking: reading the office password file: %w", err)
	}
	pw := strings.TrimSpace(string(raw))
	if err := checkOfficePassword(pw); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	log.Info("booking: office view at /office, user \"office\", password in the file", "file", path)
	return pw, nil
}

// errVerdict is returned when the simulation found a missed deadline.
var errVerdict = errors.New("booking: the simulation found deadlines not met")

// parseDays reads "21d" or "21".
func parseDays(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
	if err != nil || n < 1 || n > 366 {
		return 0, fmt.Errorf("booking: -simulate %q: want a number of days from 1 to 366, such as 21d", s)
	}
	return n, nil
}

// loadDeclaration loads path, or the Jobcenter declaration looked up from
// the repository root or from this package's directory.
func loadDeclaration(path string) (*policy.Declaration, error) {
	if path != "" {
		return policy.LoadFile(path)
	}
	for _, p := range []string{"examples/policies/jobcenter.yaml", "../policies/jobcenter.yaml"} {
		if _, err := os.Stat(p); err == nil {
			return policy.LoadFile(p)
		}
	}
	return nil, errors.New("booking: examples/policies/jobcenter.yaml not found; run from the repository root or pass -policy")
}

// serve runs the booking site with a scheduler sweeping every minute until
// SIGINT or SIGTERM.
func serve(ctx context.Context, decl *policy.Declaration, cfg serveConfig, stderr io.Writer) error {
	addr, dbPath, keyPath := cfg.addr, cfg.dbPath, cfg.keyPath
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(stderr, nil))
	keys, err := LoadOrCreateKeys(keyPath)
	if err != nil {
		return err
	}
	var erasures retention.Ledger
	if cfg.ledgerPath != "" {
		if keys.Ledger == nil {
			return fmt.Errorf("booking: -ledger: the key file %s has no key of the ring \"ledger\", which encrypts the erasure ledger; add one with a line \"ledger k1 SECRET\" (32 random bytes in base64)", keyPath)
		}
		l, err := ledger.Open(cfg.ledgerPath, decl, keys.Ledger)
		if err != nil {
			return fmt.Errorf("booking: -ledger: %w", err)
		}
		erasures = l
	}
	db, err := sql.Open("sqlite", SQLiteDSN(dbPath))
	if err != nil {
		return err
	}
	defer db.Close()
	password, err := officePassword(dbPath+".office-password", log)
	if err != nil {
		return err
	}
	if cfg.mailer == nil {
		log.Warn("booking: no SMTP server configured (-smtp, -mail-from): requests for all appointments of an e-mail address cannot be verified")
	}
	app, err := New(ctx, Options{DB: db, Declaration: decl, Keys: keys, BaseURL: cfg.baseURL, TrustedProxies: cfg.proxies, Mailer: cfg.mailer, OfficePassword: password, Logger: log, LogDirs: cfg.logDirs, ErasureLedger: erasures, Notifier: cfg.notifier})
	if err != nil {
		return err
	}
	sched, err := retention.NewScheduler(app.Engine(), &retention.SchedulerOptions{Logger: log})
	if err != nil {
		return err
	}
	if err := sched.Start(ctx); err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = sched.Stop(sctx)
	}()
	srv := &http.Server{
		Addr: addr, Handler: app.Handler(),
		ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 15 * time.Second, WriteTimeout: 15 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Info("booking: serving", "addr", addr, "declaration", decl.Controller.Name)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}
