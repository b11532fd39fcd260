package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"time"

	// The two database drivers frist's SQL backends run on.
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/logstore"
	"github.com/frist-go/frist/store/multistore"
	"github.com/frist-go/frist/store/pgstore"
	"github.com/frist-go/frist/store/sqlitestore"
)

// sqliteDSNOptions are the connection options package sqlitestore
// recommends: WAL so that the application keeps reading during a sweep,
// busy_timeout so that writers wait instead of failing, immediate
// transactions so that read-then-write transactions do not fail with
// SQLITE_BUSY_SNAPSHOT.
const sqliteDSNOptions = "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=secure_delete(1)&_txlock=immediate"

// sqliteReadOnlyDSNOptions open an SQLite file for the read-only commands:
// mode=ro, so that nothing can be written (a file without write permission
// opens too), and busy_timeout, so that a read waits for a checkpoint
// instead of failing.
const sqliteReadOnlyDSNOptions = "?mode=ro&_pragma=busy_timeout(5000)"

// access says whether a command may write to the database.
type access int

const (
	// readOnly: the command reads and never writes. SQLite files are
	// opened with mode=ro, PostgreSQL sessions with
	// default_transaction_read_only, frist's own tables must exist and
	// are never created.
	readOnly access = iota
	// readWrite: the command writes (sweeps, requests, audit entries);
	// frist's own tables are created or upgraded, and the command says so.
	readWrite
)

// connectTimeout bounds how long frist waits for a database to answer.
const connectTimeout = 10 * time.Second

// errDatabase marks errors of opening a database, which are the operator's
// to fix (a wrong URL, a server that is down).
var errDatabase = errors.New("cannot open the database")

// database is an opened database and the frist store on it.
type database struct {
	db    *sql.DB
	store multistore.Home
	// sql is the SQL store alone; store is it, or a multistore over it
	// and the declaration's log files.
	sql multistore.Home
	// name is the URL with any password removed, for messages.
	name string
}

// Close closes the store and the database.
func (d *database) Close() error {
	return errors.Join(d.store.Close(), d.db.Close())
}

// dbOptions configure the store openDatabaseWith opens.
type dbOptions struct {
	// vacuum is what a PostgreSQL store's Purge does (pgstore.Options).
	vacuum pgstore.Vacuum
	// logDirs overrides files.dir of the datasets it names (--logs).
	logDirs logstore.Dirs
}

// connect opens and pings the database named by rawURL, read-only when
// mode says so, and returns it with its database/sql driver name and its
// name for messages (the URL without password).
func connect(ctx context.Context, rawURL string, mode access) (db *sql.DB, driver, name string, err error) {
	if rawURL == "" {
		return nil, "", "", fmt.Errorf("%w: no database given; name it with --db sqlite:PATH or --db postgres://USER@HOST/DB", errDatabase)
	}
	var dsn string
	switch {
	case strings.HasPrefix(rawURL, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(rawURL, "sqlite:"), "//")
		name = "sqlite:" + path
		if path == "" || strings.ContainsAny(path, "?#") {
			return nil, "", "", fmt.Errorf("%w: %q is not a usable SQLite path; write --db sqlite:PATH with a plain file path", errDatabase, rawURL)
		}
		fi, err := os.Stat(path)
		switch {
		case errors.Is(err, os.ErrNotExist):
			return nil, "", "", fmt.Errorf("%w: the SQLite database %s does not exist; frist works on the application's existing database, check the path", errDatabase, path)
		case err != nil:
			return nil, "", "", fmt.Errorf("%w: %v; check the path and its permissions", errDatabase, err)
		case fi.IsDir():
			return nil, "", "", fmt.Errorf("%w: %s is a directory, not an SQLite database file", errDatabase, path)
		}
		driver, dsn = "sqlite", "file:"+path+sqliteDSNOptions
		if mode == readOnly {
			dsn = "file:" + path + sqliteReadOnlyDSNOptions
		}
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		u, err := url.Parse(rawURL)
		if err != nil {
			return nil, "", "", fmt.Errorf("%w: the PostgreSQL URL does not parse (%v); write postgres://USER:PASSWORD@HOST:PORT/DB", errDatabase, redactErr(err, rawURL))
		}
		driver, dsn, name = "pgx", rawURL, u.Redacted()
		if mode == readOnly {
			// A startup parameter: every transaction of the session is
			// read-only, so a mistake cannot write either.
			q := u.Query()
			q.Set("default_transaction_read_only", "on")
			u.RawQuery = q.Encode()
			dsn = u.String()
		}
	default:
		return nil, "", "", fmt.Errorf("%w: unsupported database URL %q; use sqlite:PATH or postgres://USER@HOST/DB", errDatabase, schemeOf(rawURL))
	}
	db, err = sql.Open(driver, dsn)
	if err != nil {
		return nil, "", "", fmt.Errorf("%w %s: %v", errDatabase, name, err)
	}
	pctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, "", "", fmt.Errorf("%w %s: %v; check that the database is running and reachable and the URL is right", errDatabase, name, redactErr(err, rawURL))
	}
	return db, driver, name, nil
}

// openDatabaseWith opens the database named by rawURL (sqlite:PATH or
// postgres://...), checks that it answers, and opens frist's store for decl
// on it, read-only or not as mode says. A readWrite open that creates or
// upgrades frist's own tables reports what it did to created (which may be
// nil). The log files of the datasets decl binds to files are opened too
// (read-only or not as mode says), so that one store serves the whole
// declaration. Errors say what to check.
func openDatabaseWith(ctx context.Context, rawURL string, decl *policy.Declaration, mode access, created io.Writer, opts dbOptions) (*database, error) {
	// The log directories are checked first, so that a wrong one is
	// reported before anything is created in the database.
	if err := checkLogDirs(decl, opts.logDirs); err != nil {
		return nil, err
	}
	db, driver, name, err := connect(ctx, rawURL, mode)
	if err != nil {
		return nil, err
	}
	var st multistore.Home
	var migrated store.Migration
	if driver == "sqlite" {
		if opts.vacuum != pgstore.VacuumOff {
			db.Close()
			return nil, fmt.Errorf("%w %s: --vacuum is for PostgreSQL; on SQLite frist always erases securely and truncates the write-ahead log after a sweep that deleted or anonymized records", errDatabase, name)
		}
		var s *sqlitestore.Store
		if s, err = sqlitestore.New(db, decl, &sqlitestore.Options{ReadOnly: mode == readOnly}); err == nil {
			st, migrated = s, s.Migrated()
		}
	} else {
		var s *pgstore.Store
		if s, err = pgstore.New(db, decl, &pgstore.Options{ReadOnly: mode == readOnly, Vacuum: opts.vacuum}); err == nil {
			st, migrated = s, s.Migrated()
		}
	}
	if errors.Is(err, store.ErrNotMigrated) {
		db.Close()
		return nil, fmt.Errorf("%w %s: frist's own tables (frist_schema_version, frist_audit, frist_holds, ...) are missing or out of date there, and this command only reads; "+
			"nothing has been enforced or recorded on this database yet, or by an older frist. Run a command that writes, such as \"frist run --once\", to create them (%v)", errDatabase, name, redactErr(err, rawURL))
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("%w %s: %v; the application's tables must match the declaration's datasets (run \"frist check\" on the declaration and compare its table, key, time and field columns with the database)", errDatabase, name, redactErr(err, rawURL))
	}
	if migrated.Changed() && created != nil {
		if migrated.From == 0 {
			fmt.Fprintf(created, "frist: created frist's own tables in %s (schema version %d): %s\n", name, migrated.To, strings.Join(migrated.Created, ", "))
		} else {
			fmt.Fprintf(created, "frist: upgraded frist's own tables in %s from schema version %d to %d", name, migrated.From, migrated.To)
			if len(migrated.Created) > 0 {
				fmt.Fprintf(created, ", creating %s", strings.Join(migrated.Created, ", "))
			}
			fmt.Fprintln(created)
		}
	}
	full, err := multistore.WithLogs(decl, st, &logstore.Options{ReadOnly: mode == readOnly, Dirs: opts.logDirs})
	if err != nil {
		st.Close()
		db.Close()
		return nil, fmt.Errorf("the log files the declaration binds cannot be opened: %w; check files.dir, or name the directory with --logs DATASET=DIR", err)
	}
	return &database{db: db, store: full, sql: st, name: name}, nil
}

// schemeOf returns the scheme part of a URL, so that an unsupported URL is
// named without its credentials.
func schemeOf(raw string) string {
	if i := strings.Index(raw, ":"); i > 0 {
		return raw[:i] + ":..."
	}
	return raw
}

// redactErr returns err's text with the URL's password removed.
func redactErr(err error, rawURL string) string {
	msg := err.Error()
	if u, perr := url.Parse(rawURL); perr == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
	}
	return msg
}

// checkLogDirs checks that every directory of a dataset bound to files
// (files.dir, or its --logs override) is a readable directory, and that
// --logs names only such datasets.
func checkLogDirs(decl *policy.Declaration, override map[string]string) error {
	for id := range override {
		if ds := decl.Dataset(id); ds == nil || ds.Files == nil {
			return fmt.Errorf("--logs names %q, which is not a dataset the declaration binds to files", id)
		}
	}
	for i := range decl.Datasets {
		ds := &decl.Datasets[i]
		if ds.Files == nil {
			continue
		}
		dir, from := ds.Files.Dir, "files.dir of the declaration"
		if d, ok := override[ds.ID]; ok {
			dir, from = d, "--logs"
		}
		f, err := os.Open(dir)
		if err == nil {
			var fi os.FileInfo
			if fi, err = f.Stat(); err == nil && !fi.IsDir() {
				err = errors.New("not a directory")
			}
			f.Close()
		}
		if err != nil {
			return fmt.Errorf("the log files of dataset %s cannot be read: %s (%s): %v; name the directory with --logs %s=DIR", ds.ID, dir, from, unwrapPath(err), ds.ID)
		}
	}
	return nil
}

// unwrapPath returns the reason of a *fs.PathError without the path,
// which the message names already.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// logsFlag defines --logs on the command.
func (c *cli) logsFlag() logstore.Dirs {
	f := logstore.Dirs{}
	c.fs.Var(f, "logs", "`DATASET=DIR`: read the log files of a dataset bound to files from DIR instead of its files.dir (repeatable)")
	return f
}
