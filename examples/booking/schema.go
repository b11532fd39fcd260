package main

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// schema creates the service's own tables, as the Jobcenter declaration
// binds them. Time columns hold SQLite's own text form in UTC
// ("2006-01-02 15:04:05"), the default time format of a declaration, and
// are indexed so that a sweep reads only the records that are due.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS access_log (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		requested_at TEXT NOT NULL,
		anonymized_at TEXT,
		ip TEXT,
		user_agent TEXT,
		path TEXT
	)`,
	`CREATE INDEX IF NOT EXISTS access_log_requested_at ON access_log (requested_at)`,
	`CREATE TABLE IF NOT EXISTS appointments (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		citizen_id TEXT NOT NULL,
		starts_at TEXT NOT NULL,
		booked_at TEXT NOT NULL,
		place TEXT NOT NULL,
		name TEXT,
		birth_date TEXT,
		customer_number TEXT,
		concern TEXT,
		email TEXT,
		email_key TEXT,
		free_text TEXT
	)`,
	`CREATE INDEX IF NOT EXISTS appointments_starts_at ON appointments (starts_at)`,
	`CREATE INDEX IF NOT EXISTS appointments_booked_at ON appointments (booked_at)`,
	`CREATE INDEX IF NOT EXISTS appointments_citizen_id ON appointments (citizen_id)`,
	`CREATE INDEX IF NOT EXISTS appointments_email_key ON appointments (email_key)`,
	// The nonces of used e-mail verification links (verify.go): no
	// personal data, and forgotten once the link has expired.
	`CREATE TABLE IF NOT EXISTS verification_uses (
		nonce TEXT PRIMARY KEY,
		expires_at TEXT NOT NULL
	)`,
}

// createSchema creates the tables when they do not exist yet.
func createSchema(ctx context.Context, db *sql.DB) error {
	for _, st := range schema {
		if strings.Contains(st, "appointments_email_key") {
			if err := addEmailKey(ctx, db); err != nil {
				return err
			}
		}
		if _, err := db.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("booking: creating tables: %w", err)
		}
	}
	return nil
}

// addEmailKey adds the email_key column to an appointments table created
// before it existed. Appointments booked then have no key: a verified
// address does not find them, and they are reached by their own links
// until the declaration's periods delete them.
func addEmailKey(ctx context.Context, db *sql.DB) error {
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_table_info('appointments') WHERE name = 'email_key'`).Scan(&n); err != nil {
		return fmt.Errorf("booking: reading the appointments table: %w", err)
	}
	if n > 0 {
		return nil
	}
	if _, err := db.ExecContext(ctx, `ALTER TABLE appointments ADD COLUMN email_key TEXT`); err != nil {
		return fmt.Errorf("booking: adding email_key to appointments: %w", err)
	}
	return nil
}

// sqlTimeLayout is SQLite's own timestamp form, the one the declaration's
// time columns use (policy.TimeNative).
const sqlTimeLayout = "2006-01-02 15:04:05"

// sqlTime formats t for a time column: UTC, whole seconds.
func sqlTime(t time.Time) string { return t.UTC().Format(sqlTimeLayout) }

// parseSQLTime reads a time column.
func parseSQLTime(s string) (time.Time, error) {
	t, err := time.ParseInLocation(sqlTimeLayout, s, time.UTC)
	if err != nil {
		return time.Time{}, fmt.Errorf("booking: time column holds %q: %w", s, err)
	}
	return t, nil
}

// SQLiteDSN returns the data source name sqlitestore recommends for the
// database file at path: WAL, so reads go on while a sweep writes; a busy
// timeout, so writers wait for each other instead of failing; and
// immediate transactions, so the service's own read-then-write
// transactions cannot fail with SQLITE_BUSY_SNAPSHOT.
func SQLiteDSN(path string) string {
	return "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=secure_delete(1)&_txlock=immediate"
}
