// Package sqldriver is the one implementation of store.Driver on
// database/sql that store/sqlitestore and store/pgstore share. The SQL that
// differs between SQLite and PostgreSQL (placeholders, row locking, frist's
// own table definitions, catalog look-ups, how a time is bound) lives behind
// the Dialect interface, and how a batch of Process runs is each backend's
// batch strategy (BatchFunc), composed of the building blocks of Batch;
// everything else (selections, the audit chain, holds and leases) is
// written once here.
package sqldriver

import (
	"context"
	"database/sql"
	"time"

	"github.com/frist-go/frist/policy"
)

// Querier is what both *sql.Tx and *sql.Conn offer: the statements a
// transaction runs.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// Tx is a write transaction opened by a Dialect.
type Tx interface {
	Querier
	Commit() error
	Rollback() error
}

// Column describes one column of the application's table as the catalog
// reports it.
type Column struct {
	// Type is the column's declared type; PostgreSQL casts bound text
	// parameters to it so that comparisons use the column's indexes.
	Type string
}

// Migration is one step of frist's own schema. Statements run in order in
// one transaction; {p} in a statement is replaced by the quoted schema
// prefix of frist's tables ("" or `"schema".`).
type Migration struct {
	Version     int
	Description string
	Statements  []string
}

// Dialect is what differs between the SQL databases frist supports.
type Dialect interface {
	// Name is the package name used as the prefix of error messages.
	Name() string
	// Placeholder returns the n-th (1-based) bind parameter, numbered so
	// that it binds the n-th argument wherever it stands ($n, ?n).
	Placeholder(n int) string
	// Begin opens a write transaction that is serialised with other
	// writers as the database requires (SQLite: BEGIN IMMEDIATE).
	Begin(ctx context.Context, db *sql.DB) (Tx, error)
	// Exec runs one write statement of frist's own outside a batch (a
	// consent event, a lease, a request...), as the database's writers
	// share its lock (SQLite: in a transaction begun as Begin begins it,
	// so that it gets the lock between two batches of a sweep).
	Exec(ctx context.Context, db *sql.DB, stmt string, args ...any) (sql.Result, error)
	// BeginHold opens the transaction that stores a hold (store.Holds),
	// serialised with the batches in flight so that no batch that started
	// before the hold commits after it without having seen it
	// (PostgreSQL: the hold fence taken exclusively; SQLite: a batch's
	// BEGIN IMMEDIATE already excludes every other writer).
	BeginHold(ctx context.Context, db *sql.DB) (Tx, error)
	// ReturningCTE reports whether data-modifying statements may stand in
	// a WITH clause (PostgreSQL): an audit entry and the advance of the
	// head are then one statement.
	ReturningCTE() bool
	// LockSuffix is appended to the read of the audit head so the chain is
	// serialised ("FOR UPDATE"); "" where the write transaction already
	// serialises it.
	LockSuffix() string
	// LockMigrations serialises concurrent migrations inside tx.
	LockMigrations(ctx context.Context, tx Tx) error
	// Migrations is frist's schema, in ascending version order.
	Migrations() []Migration
	// Columns returns the columns of the application's table (schema may be
	// ""), or an error naming what is missing.
	Columns(ctx context.Context, db *sql.DB, schema, table string) (map[string]Column, error)
	// Cast wraps a bind parameter so that it compares with a column of type
	// typ using the column's index.
	Cast(param, typ string) string
	// TimeArg converts a time for frist's own time columns.
	TimeArg(t time.Time) any
	// ScanTime converts a value of frist's own time columns back.
	ScanTime(v any) (time.Time, error)
	// CutoffArg converts t into the representation of an application time
	// column in format with catalog type typ, rounded down so that integer
	// and fixed-width representations compare exactly (see TimeValue).
	CutoffArg(format policy.TimeFormat, typ string, t time.Time) any
	// WriteValue converts a value computed by a Go operator for writing.
	WriteValue(v any) any
	// LeadingIndex reports whether table has a complete (not partial)
	// index whose first column is column.
	LeadingIndex(ctx context.Context, db *sql.DB, schema, table, column string) (bool, error)
	// Raw returns an expression that reads col's stored value unchanged,
	// where the driver would otherwise convert it (SQLite's turns the text
	// of a DATETIME column into a time.Time, which binds back as other
	// text), so that a position binds back as exactly the stored values.
	Raw(col string) string
	// TimeDomain returns the domain of a time column in format with
	// catalog type typ whose values without an offset are wall-clock times
	// in zone (nil: none declared) (timedomain.go). It returns an error
	// saying what the column holds and what to declare when frist cannot
	// tell which values are due (a PostgreSQL timestamp without time zone
	// and no declared zone, a format the column's type cannot hold).
	TimeDomain(format policy.TimeFormat, typ string, zone *time.Location) (Domain, error)
}
