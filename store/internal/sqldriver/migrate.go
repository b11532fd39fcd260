package sqldriver

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"

	"github.com/frist-go/frist/store"
)

// migrate brings frist's own tables to the newest version in one
// transaction. The dialect serialises concurrent migrations (PostgreSQL:
// a transaction-scoped advisory lock; SQLite: BEGIN IMMEDIATE), and each
// applied version is recorded in frist_schema_version, so running it again,
// or from two processes at once, applies every step exactly once. It
// returns what it changed.
func migrate(ctx context.Context, d Dialect, db *sql.DB, schema, prefix string) (store.Migration, error) {
	// Whether the version table exists is asked before the transaction:
	// a failed statement would abort a PostgreSQL transaction.
	_, err := d.Columns(ctx, db, schema, "frist_schema_version")
	existed := err == nil
	tx, err := d.Begin(ctx, db)
	if err != nil {
		return store.Migration{}, fmt.Errorf("%s: migrate: %w", d.Name(), err)
	}
	m, err := applyMigrations(ctx, d, tx, prefix, existed)
	if err != nil {
		return store.Migration{}, Rollback(tx, fmt.Errorf("%s: migrate: %w", d.Name(), err))
	}
	if err := tx.Commit(); err != nil {
		return store.Migration{}, fmt.Errorf("%s: migrate: commit: %w", d.Name(), err)
	}
	return m, nil
}

// createdTable finds the frist table a migration statement creates.
var createdTable = regexp.MustCompile(`(?i)^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?\{p\}(\w+)`)

func applyMigrations(ctx context.Context, d Dialect, tx Tx, prefix string, existed bool) (store.Migration, error) {
	var mg store.Migration
	if err := d.LockMigrations(ctx, tx); err != nil {
		return mg, err
	}
	if _, err := tx.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+prefix+"frist_schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL)"); err != nil {
		return mg, err
	}
	if !existed {
		mg.Created = append(mg.Created, "frist_schema_version")
	}
	var current int
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM "+prefix+"frist_schema_version").Scan(&current); err != nil {
		return mg, err
	}
	mg.From, mg.To = current, current
	ms := d.Migrations()
	if n := len(ms); n > 0 && current > ms[n-1].Version {
		return mg, fmt.Errorf("frist's tables are at schema version %d, newer than this version of frist knows (%d); upgrade frist", current, ms[n-1].Version)
	}
	for _, m := range ms {
		if m.Version <= current {
			continue
		}
		for _, st := range m.Statements {
			if _, err := tx.ExecContext(ctx, strings.ReplaceAll(st, "{p}", prefix)); err != nil {
				return mg, fmt.Errorf("version %d (%s): %w", m.Version, m.Description, err)
			}
			if c := createdTable.FindStringSubmatch(st); c != nil {
				mg.Created = append(mg.Created, c[1])
			}
		}
		mg.To = m.Version
		bd := &Builder{d: d}
		stmt := fmt.Sprintf("INSERT INTO %sfrist_schema_version (version, description) VALUES (%s, %s)", prefix, bd.Arg(m.Version), bd.Arg(m.Description))
		if _, err := tx.ExecContext(ctx, stmt, bd.args...); err != nil {
			return mg, err
		}
	}
	return mg, nil
}

// checkMigrated is migrate for a read-only store: it changes nothing and
// fails with store.ErrNotMigrated unless frist's tables exist at the
// newest version this frist knows.
func checkMigrated(ctx context.Context, d Dialect, db *sql.DB, schema, prefix string) error {
	ms := d.Migrations()
	want := 0
	if n := len(ms); n > 0 {
		want = ms[n-1].Version
	}
	if _, err := d.Columns(ctx, db, schema, "frist_schema_version"); err != nil {
		return fmt.Errorf("%s: %w: frist_schema_version does not exist (%v); run a command that writes, such as frist run, once to create them", d.Name(), store.ErrNotMigrated, err)
	}
	var current int
	if err := db.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM "+prefix+"frist_schema_version").Scan(&current); err != nil {
		return fmt.Errorf("%s: reading frist_schema_version: %w", d.Name(), err)
	}
	switch {
	case current < want:
		return fmt.Errorf("%s: %w: they are at schema version %d, this frist needs %d; run a command that writes, such as frist run, once to upgrade them", d.Name(), store.ErrNotMigrated, current, want)
	case current > want:
		return fmt.Errorf("%s: frist's tables are at schema version %d, newer than this version of frist knows (%d); upgrade frist", d.Name(), current, want)
	}
	return nil
}
