package sqlitestore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store/internal/sqldriver"
)

// dialect is SQLite's part of the shared implementation.
type dialect struct{}

func (dialect) Name() string            { return "sqlitestore" }
func (dialect) LockSuffix() string      { return "" }
func (dialect) ReturningCTE() bool      { return false }
func (dialect) Cast(p, _ string) string { return p }

// Placeholder numbers the parameter (?NNN), so that it binds the n-th
// argument wherever the statement has it.
func (dialect) Placeholder(n int) string { return "?" + strconv.Itoa(n) }

// Raw returns the stored value without the column's declared type: a
// unary plus, so the driver does not turn the text of a DATETIME column
// into a time.Time.
func (dialect) Raw(col string) string { return "+" + col }

func (dialect) TimeArg(t time.Time) any           { return t.UnixMicro() }
func (dialect) Migrations() []sqldriver.Migration { return migrations }

// LockMigrations does nothing: the migration runs in a BEGIN IMMEDIATE
// transaction, which already excludes every other writer.
func (dialect) LockMigrations(context.Context, sqldriver.Tx) error { return nil }

// ScanTime reads frist's own time columns: integer microseconds since the
// Unix epoch, in UTC.
func (dialect) ScanTime(v any) (time.Time, error) {
	n, ok := v.(int64)
	if !ok {
		return time.Time{}, fmt.Errorf("time column holds a %T, not integer microseconds", v)
	}
	return time.UnixMicro(n).UTC(), nil
}

// CutoffArg converts t into the column's representation. Native SQLite
// times are text in SQLite's own form in UTC ("2006-01-02 15:04:05" with
// optional fraction), which sorts by time.
func (dialect) CutoffArg(format policy.TimeFormat, _ string, t time.Time) any {
	if format == policy.TimeNative {
		return t.UTC().Format(sqldriver.SQLiteLayout)
	}
	return sqldriver.TimeValue(format, t)
}

// WriteValue writes times computed by Go operators in SQLite's own UTC
// form, so they sort and compare like the rest of a native column.
func (dialect) WriteValue(v any) any {
	if t, ok := v.(time.Time); ok {
		return t.UTC().Format(sqldriver.SQLiteLayout)
	}
	return v
}

// schemaName returns the attached database name for catalog queries.
func schemaName(schema string) string {
	if schema == "" {
		return "main"
	}
	return schema
}

// Columns reads the table's columns from pragma_table_info.
func (dialect) Columns(ctx context.Context, db *sql.DB, schema, table string) (map[string]sqldriver.Column, error) {
	rows, err := db.QueryContext(ctx, "SELECT name, type FROM pragma_table_info(?, ?)", table, schemaName(schema))
	if err != nil {
		return nil, fmt.Errorf("read columns of %s: %w", table, err)
	}
	defer rows.Close()
	cols := map[string]sqldriver.Column{}
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return nil, fmt.Errorf("read columns of %s: %w", table, err)
		}
		cols[name] = sqldriver.Column{Type: typ}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read columns of %s: %w", table, err)
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("table %q does not exist in database %q", table, schemaName(schema))
	}
	return cols, nil
}

// LeadingIndex looks for a complete index whose first column is column.
func (dialect) LeadingIndex(ctx context.Context, db *sql.DB, schema, table, column string) (bool, error) {
	s := schemaName(schema)
	var n int
	err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_index_list(?, ?) il
JOIN pragma_index_info(il.name, ?) ii ON ii.seqno = 0
WHERE il.partial = 0 AND ii.name = ? COLLATE NOCASE`, table, s, s, column).Scan(&n)
	if err != nil {
		return false, err
	}
	return n > 0, nil
}

// Begin opens a write transaction with BEGIN IMMEDIATE on a connection of
// its own, whatever _txlock the application's DSN sets: the write lock is
// taken before the first read, so the transaction can never fail with
// SQLITE_BUSY_SNAPSHOT. While another connection holds the lock, Begin
// asks for it as beginImmediate describes, for as long as the
// connection's busy_timeout.
//
// The transaction runs with PRAGMA secure_delete on, so that the bytes of
// every record it deletes or overwrites are overwritten with zeros in the
// database's pages instead of lingering in free space (Art. 17: erased
// means gone). The connection's own setting is restored when the
// transaction ends, so the application's statements on the pooled
// connection keep whatever it chose.
func (dialect) Begin(ctx context.Context, db *sql.DB) (sqldriver.Tx, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	var prev int
	if err := conn.QueryRowContext(ctx, "PRAGMA secure_delete").Scan(&prev); err != nil {
		conn.Close()
		return nil, fmt.Errorf("read secure_delete: %w", err)
	}
	if prev != 1 {
		if _, err := conn.ExecContext(ctx, "PRAGMA secure_delete = ON"); err != nil {
			conn.Close()
			return nil, fmt.Errorf("turn on secure_delete: %w", err)
		}
	}
	if err := beginImmediate(ctx, conn); err != nil {
		restoreSecureDelete(conn, prev)
		conn.Close()
		return nil, err
	}
	return &immediateTx{Conn: conn, secureDelete: prev}, nil
}

// restoreSecureDelete sets the connection's secure_delete back to prev (0
// off, 1 on, 2 fast), as it was before frist's transaction. A connection
// on which that fails is discarded, so no pooled connection keeps a
// setting the application did not choose.
func restoreSecureDelete(conn *sql.Conn, prev int) {
	if prev == 1 {
		return
	}
	value := "OFF"
	if prev == 2 {
		value = "FAST"
	}
	if _, err := conn.ExecContext(context.Background(), "PRAGMA secure_delete = "+value); err != nil {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	}
}

// immediateTx is a transaction begun with BEGIN IMMEDIATE on a pinned
// connection. It ends with COMMIT or ROLLBACK even when the caller's
// context is cancelled, and a connection whose transaction cannot be ended
// is discarded rather than returned to the pool.
type immediateTx struct {
	*sql.Conn
	done bool
	// secureDelete is the connection's secure_delete setting before the
	// transaction, restored when it ends.
	secureDelete int
	// ended, when set, is called once the transaction has ended, to tell
	// the store's writeLock.
	ended func()
}

func (tx *immediateTx) Commit() error {
	if tx.done {
		return sql.ErrTxDone
	}
	if _, err := tx.ExecContext(context.Background(), "COMMIT"); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	tx.done = true
	tx.end()
	restoreSecureDelete(tx.Conn, tx.secureDelete)
	return tx.Conn.Close()
}

// end reports the end of the transaction to ended.
func (tx *immediateTx) end() {
	if tx.ended != nil {
		tx.ended()
	}
}

func (tx *immediateTx) Rollback() error {
	if tx.done {
		return sql.ErrTxDone
	}
	tx.done = true
	_, err := tx.ExecContext(context.Background(), "ROLLBACK")
	if err != nil && strings.Contains(err.Error(), "no transaction is active") {
		err = nil // SQLite rolled back by itself (e.g. after an interrupt)
	}
	tx.end()
	if err != nil {
		// The connection's state is unknown: let database/sql discard it.
		_ = tx.Raw(func(any) error { return driver.ErrBadConn })
	} else {
		restoreSecureDelete(tx.Conn, tx.secureDelete)
	}
	return errors.Join(err, tx.Conn.Close())
}

// migrations is frist's SQLite schema. Times are integer microseconds since
// the Unix epoch (UTC).
var migrations = []sqldriver.Migration{{
	Version:     1,
	Description: "holds, audit log with head, leases",
	Statements: []string{
		`CREATE TABLE {p}frist_holds (id TEXT PRIMARY KEY, dataset TEXT NOT NULL, record_key TEXT NOT NULL,
subject TEXT NOT NULL, reason TEXT NOT NULL, note TEXT NOT NULL, placed_at INTEGER NOT NULL,
until_at INTEGER, released_at INTEGER)`,
		`CREATE INDEX {p}frist_holds_record ON frist_holds (dataset, record_key)`,
		`CREATE INDEX {p}frist_holds_subject ON frist_holds (subject)`,
		`CREATE TABLE {p}frist_audit (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, at INTEGER NOT NULL,
action TEXT NOT NULL, dataset TEXT NOT NULL, rule TEXT NOT NULL, count INTEGER NOT NULL,
prev TEXT NOT NULL, hash TEXT NOT NULL, body TEXT NOT NULL)`,
		`CREATE TABLE {p}frist_audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL)`,
		`INSERT INTO {p}frist_audit_head (id, seq, hash) VALUES (1, 0, '')`,
		`CREATE TABLE {p}frist_leases (name TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at INTEGER NOT NULL)`,
	},
}, consentMigration, requestMigration, rememberedMigration, recordsMigration, bodyMigration, auditBaseMigration, outboxMigration}
