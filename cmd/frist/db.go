package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	// The two database drivers frist's SQL backends run on.
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/pgstore"
	"github.com/frist-go/frist/store/sqlitestore"
)

// sqliteDSNOptions are the connection options package sqlitestore
// recommends: WAL so that the application keeps reading during a sweep,
// busy_timeout so that writers wait instead of failing, immediate
// transactions so that read-then-write transactions do not fail with
// SQLITE_BUSY_SNAPSHOT.
const sqliteDSNOptions = "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=secure_delete(1)&_txlock=immediate"

// connectTimeout bounds how long frist waits for a database to answer.
const connectTimeout = 10 * time.Second

// errDatabase marks errors of opening a database, which are the operator's
// to fix (a wrong URL, a server that is down).
var errDatabase = errors.New("cannot open the database")

// database is an opened database and the frist store on it.
type database struct {
	db    *sql.DB
	store store.Driver
	// name is the URL with any password removed, for messages.
	name string
}

// Close closes the store and the database.
func (d *database) Close() error {
	return errors.Join(d.store.Close(), d.db.Close())
}

// openDatabase opens the database named by rawURL (sqlite:PATH or
// postgres://...), checks that it answers, and opens frist's store for decl
// on it. Errors say what to check.
func openDatabase(ctx context.Context, rawURL string, decl *policy.Declaration) (*database, error) {
	if rawURL == "" {
		return nil, fmt.Errorf("%w: no database given; name it with --db sqlite:PATH or --db postgres://USER@HOST/DB", errDatabase)
	}
	var driver, dsn, name string
	switch {
	case strings.HasPrefix(rawURL, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(rawURL, "sqlite:"), "//")
		name = "sqlite:" + path
		if path == "" || strings.ContainsAny(path, "?#") {
			return nil, fmt.Errorf("%w: %q is not a usable SQLite path; write --db sqlite:PATH with a plain file path", errDatabase, rawURL)
		}
		fi, err := os.Stat(path)
		switch {
		case errors.Is(err, os.ErrNotExist):
			return nil, fmt.Errorf("%w: the SQLite database %s does not exist; frist works on the application's existing database, check the path", errDatabase, path)
		case err != nil:
			return nil, fmt.Errorf("%w: %v; check the path and its permissions", errDatabase, err)
		case fi.IsDir():
			return nil, fmt.Errorf("%w: %s is a directory, not an SQLite database file", errDatabase, path)
		}
		driver, dsn = "sqlite", "file:"+path+sqliteDSNOptions
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		u, err := url.Parse(rawURL)
		if err != nil {
			return nil, fmt.Errorf("%w: the PostgreSQL URL does not parse (%v); write postgres://USER:PASSWORD@HOST:PORT/DB", errDatabase, redactErr(err, rawURL))
		}
		driver, dsn, name = "pgx", rawURL, u.Redacted()
	default:
		return nil, fmt.Errorf("%w: unsupported database URL %q; use sqlite:PATH or postgres://USER@HOST/DB", errDatabase, schemeOf(rawURL))
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("%w %s: %v", errDatabase, name, err)
	}
	pctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("%w %s: %v; check that the database is running and reachable and the URL is right", errDatabase, name, redactErr(err, rawURL))
	}
	var st store.Driver
	if driver == "sqlite" {
		st, err = sqlitestore.New(db, decl, nil)
	} else {
		st, err = pgstore.New(db, decl, nil)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("%w %s: %v; the application's tables must match the declaration's datasets (run \"frist check\" on the declaration and compare its table, key, time and field columns with the database)", errDatabase, name, redactErr(err, rawURL))
	}
	return &database{db: db, store: st, name: name}, nil
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
