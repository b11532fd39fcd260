package sqldriver

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// migrate brings frist's own tables to the newest version in one
// transaction. The dialect serialises concurrent migrations (PostgreSQL:
// a transaction-scoped advisory lock; SQLite: BEGIN IMMEDIATE), and each
// applied version is recorded in frist_schema_version, so running it again,
// or from two processes at once, applies every step exactly once.
func migrate(ctx context.Context, d Dialect, db *sql.DB, prefix string) error {
	tx, err := d.Begin(ctx, db)
	if err != nil {
		return fmt.Errorf("%s: migrate: %w", d.Name(), err)
	}
	if err := applyMigrations(ctx, d, tx, prefix); err != nil {
		return rollback(tx, fmt.Errorf("%s: migrate: %w", d.Name(), err))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: migrate: commit: %w", d.Name(), err)
	}
	return nil
}

func applyMigrations(ctx context.Context, d Dialect, tx Tx, prefix string) error {
	if err := d.LockMigrations(ctx, tx); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+prefix+"frist_schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL)"); err != nil {
		return err
	}
	var current int
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM "+prefix+"frist_schema_version").Scan(&current); err != nil {
		return err
	}
	ms := d.Migrations()
	if n := len(ms); n > 0 && current > ms[n-1].Version {
		return fmt.Errorf("frist's tables are at schema version %d, newer than this version of frist knows (%d); upgrade frist", current, ms[n-1].Version)
	}
	for _, m := range ms {
		if m.Version <= current {
			continue
		}
		for _, st := range m.Statements {
			if _, err := tx.ExecContext(ctx, strings.ReplaceAll(st, "{p}", prefix)); err != nil {
				return fmt.Errorf("version %d (%s): %w", m.Version, m.Description, err)
			}
		}
		bd := &builder{d: d}
		stmt := fmt.Sprintf("INSERT INTO %sfrist_schema_version (version, description) VALUES (%s, %s)", prefix, bd.arg(m.Version), bd.arg(m.Description))
		if _, err := tx.ExecContext(ctx, stmt, bd.args...); err != nil {
			return err
		}
	}
	return nil
}
