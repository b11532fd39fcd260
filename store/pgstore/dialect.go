package pgstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store/internal/sqldriver"
)

// migrationLock is the key of the transaction-scoped advisory lock that
// serialises migrations ("frist_mg").
const migrationLock int64 = 0x66726973745f6d67

// dialect is PostgreSQL's part of the shared implementation.
type dialect struct {
	// fence is the key of the hold fence (fence.go).
	fence int64
}

func (dialect) Name() string                      { return "pgstore" }
func (dialect) Placeholder(n int) string          { return "$" + strconv.Itoa(n) }
func (dialect) LockSuffix() string                { return " FOR UPDATE" }
func (dialect) ReturningCTE() bool                { return true }
func (dialect) Migrations() []sqldriver.Migration { return migrations }
func (dialect) WriteValue(v any) any              { return v }
func (dialect) Raw(col string) string             { return col }

// Exec runs a write statement of frist's own on its own: PostgreSQL's
// writers wait for each other's rows, not for one lock.
func (dialect) Exec(ctx context.Context, db *sql.DB, stmt string, args ...any) (sql.Result, error) {
	return db.ExecContext(ctx, stmt, args...)
}

// TimeArg binds frist's own times as timestamptz (microseconds).
func (dialect) TimeArg(t time.Time) any { return t.UTC().Truncate(time.Microsecond) }

// Cast binds a parameter as text and casts it to the column's type, read
// from the catalog at New: the cast applies to the constant, so the
// column's index is used.
func (dialect) Cast(p, typ string) string {
	if typ == "" {
		return p
	}
	return "CAST(CAST(" + p + " AS text) AS " + typ + ")"
}

// noJIT turns JIT compilation off for the rest of a transaction (SET
// LOCAL: the setting ends with it, so the application's connections keep
// their own).
//
// A batch statement on a large table easily passes jit_above_cost
// (100,000 by default): the planner prices a batch by the range of the
// index it may read, which grows with the table. Compiling such a
// statement costs 10-25 ms, measured on the last batch of a sweep of a
// 1M-row table (auto_explain: "JIT: ... Emission 18.8 ms" of a 23 ms
// statement whose execution took 3 ms), while the batch itself is bounded
// by the sweep's lock-time budget and reads at most a few thousand rows
// through an index. The compilation never pays off there, and it made a
// sweep's cost grow with the table's size (bench/BENCHMARKS.md).
const noJIT = "SET LOCAL jit = off"

// Begin opens an ordinary READ COMMITTED transaction without JIT
// compilation (noJIT); batches are claimed with FOR UPDATE SKIP LOCKED
// and the audit head with FOR UPDATE.
func (dialect) Begin(ctx context.Context, db *sql.DB) (sqldriver.Tx, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, noJIT); err != nil {
		_ = tx.Rollback()
		return nil, fmt.Errorf("%s: %w", noJIT, err)
	}
	return tx, nil
}

// LockMigrations takes a transaction-scoped advisory lock, released by the
// commit, so it is safe behind PgBouncer in transaction mode.
func (dialect) LockMigrations(ctx context.Context, tx sqldriver.Tx) error {
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", migrationLock)
	return err
}

// ScanTime reads a timestamptz.
func (dialect) ScanTime(v any) (time.Time, error) {
	t, ok := v.(time.Time)
	if !ok {
		return time.Time{}, fmt.Errorf("time column holds a %T, not a timestamp", v)
	}
	return t.UTC(), nil
}

// CutoffArg renders t as text for a cast to the column's type. Native
// times are rounded down to microseconds, PostgreSQL's resolution; a
// timestamp without time zone is taken to hold UTC.
func (dialect) CutoffArg(format policy.TimeFormat, _ string, t time.Time) any {
	switch v := sqldriver.TimeValue(format, t).(type) {
	case int64:
		return strconv.FormatInt(v, 10)
	case time.Time:
		return v.Truncate(time.Microsecond).Format("2006-01-02T15:04:05.999999Z")
	default:
		return v
	}
}

// Columns reads the table's columns and their types from the catalog.
// Names match exactly: unquoted names in DDL are stored in lower case.
func (dialect) Columns(ctx context.Context, db *sql.DB, schema, table string) (map[string]sqldriver.Column, error) {
	name := sqldriver.Quote(table)
	if schema != "" {
		name = sqldriver.Quote(schema) + "." + name
	}
	rows, err := db.QueryContext(ctx, `SELECT a.attname, format_type(a.atttypid, NULL) FROM pg_attribute a
WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`, name)
	if err != nil {
		return nil, fmt.Errorf("read columns of %s: %w", name, err)
	}
	defer rows.Close()
	cols := map[string]sqldriver.Column{}
	for rows.Next() {
		var n, typ string
		if err := rows.Scan(&n, &typ); err != nil {
			return nil, fmt.Errorf("read columns of %s: %w", name, err)
		}
		cols[n] = sqldriver.Column{Type: typ}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read columns of %s: %w", name, err)
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("table %s does not exist on the search path (names match exactly; unquoted DDL names are lower case)", name)
	}
	return cols, nil
}

// LeadingIndex looks in pg_index for a valid, complete index whose first
// column is column.
func (dialect) LeadingIndex(ctx context.Context, db *sql.DB, schema, table, column string) (bool, error) {
	name := sqldriver.Quote(table)
	if schema != "" {
		name = sqldriver.Quote(schema) + "." + name
	}
	var ok bool
	err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_index i
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
WHERE i.indrelid = to_regclass($1) AND a.attname = $2 AND i.indpred IS NULL AND i.indisvalid)`, name, column).Scan(&ok)
	return ok, err
}

// migrations is frist's PostgreSQL schema.
var migrations = []sqldriver.Migration{{
	Version:     1,
	Description: "holds, audit log with head, leases",
	Statements: []string{
		`CREATE TABLE {p}frist_holds (id text PRIMARY KEY, dataset text NOT NULL, record_key text NOT NULL,
subject text NOT NULL, reason text NOT NULL, note text NOT NULL, placed_at timestamptz NOT NULL,
until_at timestamptz, released_at timestamptz)`,
		`CREATE INDEX frist_holds_record ON {p}frist_holds (dataset, record_key)`,
		`CREATE INDEX frist_holds_subject ON {p}frist_holds (subject)`,
		`CREATE TABLE {p}frist_audit (seq bigint PRIMARY KEY, id text NOT NULL UNIQUE, at timestamptz NOT NULL,
action text NOT NULL, dataset text NOT NULL, rule text NOT NULL, count integer NOT NULL,
prev text NOT NULL, hash text NOT NULL, body text NOT NULL)`,
		`CREATE TABLE {p}frist_audit_head (id integer PRIMARY KEY CHECK (id = 1), seq bigint NOT NULL, hash text NOT NULL)`,
		`INSERT INTO {p}frist_audit_head (id, seq, hash) VALUES (1, 0, '')`,
		`CREATE TABLE {p}frist_leases (name text PRIMARY KEY, owner text NOT NULL, expires_at timestamptz NOT NULL)`,
	},
}, consentMigration, requestMigration, rememberedMigration, recordsMigration, bodyMigration, auditBaseMigration, outboxMigration}
