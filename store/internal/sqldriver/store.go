package sqldriver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
)

// Store implements store.Driver on the application's *sql.DB.
type Store struct {
	d       Dialect
	db      *sql.DB
	tables  map[string]*table
	prefix  string // quoted schema prefix of frist's tables
	closed  atomic.Bool
	maxArgs int
	batch   BatchFunc

	consents consentStatements // consent.go

	migrated store.Migration
}

// Config is what a backend package hands to New.
type Config struct {
	// Schema holds frist's own tables; "" means the connection's default.
	Schema string
	// MaxArgs is the most bind parameters one statement may take.
	MaxArgs int
	// ReadOnly makes New check frist's own tables instead of creating or
	// upgrading them.
	ReadOnly bool
	// Batch is the backend's batch strategy, which runs every batch of
	// Process.
	Batch BatchFunc
}

// New binds decl to db through d, migrates frist's own tables (or, with
// cfg.ReadOnly, checks that they are current) and returns the store. decl
// must be validated.
func New(ctx context.Context, d Dialect, db *sql.DB, decl *policy.Declaration, cfg Config) (*Store, error) {
	if db == nil {
		return nil, fmt.Errorf("%s: New: the *sql.DB is nil", d.Name())
	}
	if decl == nil || !decl.Validated() {
		return nil, fmt.Errorf("%s: New: the declaration is nil or not validated (call policy.Load or Declaration.Validate first)", d.Name())
	}
	if cfg.Batch == nil {
		return nil, fmt.Errorf("%s: New: no batch strategy", d.Name())
	}
	s := &Store{d: d, db: db, maxArgs: cfg.MaxArgs, batch: cfg.Batch}
	if cfg.Schema != "" {
		if !ValidIdent(cfg.Schema) {
			return nil, fmt.Errorf("%s: Options.Schema %q is not a valid schema name", d.Name(), cfg.Schema)
		}
		s.prefix = Quote(cfg.Schema) + "."
	}
	if s.maxArgs == 0 {
		s.maxArgs = 30000
	}
	if !cfg.ReadOnly {
		m, err := migrate(ctx, d, db, cfg.Schema, s.prefix)
		if err != nil {
			return nil, err
		}
		s.migrated = m
	}
	tables, err := bind(ctx, d, db, decl)
	if err != nil {
		return nil, err
	}
	if cfg.ReadOnly {
		// After bind: a mismatch with the application's tables is the
		// larger problem and is named first.
		if err := checkMigrated(ctx, d, db, cfg.Schema, s.prefix); err != nil {
			return nil, err
		}
	}
	s.tables = tables
	return s, nil
}

// Close marks the store closed; it does not close the application's
// *sql.DB. Calls after Close return store.ErrClosed.
func (s *Store) Close() error {
	s.closed.Store(true)
	return nil
}

// Migrated reports what New did to frist's own tables: the schema versions
// before and after and the tables it created. It is the zero Migration for
// a read-only store and when the tables were current.
func (s *Store) Migrated() store.Migration { return s.migrated }

// Serves implements store.Driver: the store serves the datasets of its
// declaration that are bound to a table.
func (s *Store) Serves(dataset string) bool { return s.tables[dataset] != nil }

// DB returns the database the store works on.
func (s *Store) DB() *sql.DB { return s.db }

// Dialect returns the store's dialect.
func (s *Store) Dialect() Dialect { return s.d }

// errorf prefixes an error with the backend's name.
func (s *Store) errorf(format string, args ...any) error {
	return fmt.Errorf(s.d.Name()+": "+format, args...)
}

// open checks the store is usable and returns the table of dataset.
func (s *Store) open(dataset string) (*table, error) {
	if s.closed.Load() {
		return nil, s.errorf("%w", store.ErrClosed)
	}
	t, ok := s.tables[dataset]
	if !ok {
		return nil, s.errorf("dataset %q: %w", dataset, store.ErrUnknownDataset)
	}
	return t, nil
}

// usable checks the store is not closed.
func (s *Store) usable() error {
	if s.closed.Load() {
		return s.errorf("%w", store.ErrClosed)
	}
	return nil
}

// Usable returns an error wrapping store.ErrClosed after Close and nil
// before, for the methods the backends implement themselves (Purge).
func (s *Store) Usable() error { return s.usable() }

// own returns frist's own table name, qualified by the configured schema.
func (s *Store) own(name string) string { return s.prefix + name }

// OwnTable returns the name of frist's own table name (such as
// "frist_consent_events"), qualified by the configured schema and ready to
// be written into SQL.
func (s *Store) OwnTable(name string) string { return s.own(name) }

// exec runs a write statement of frist's own outside a batch.
func (s *Store) exec(ctx context.Context, stmt string, args ...any) (sql.Result, error) {
	return s.d.Exec(ctx, s.db, stmt, args...)
}

// Rollback ends tx after a failure, keeping the first error.
func Rollback(tx Tx, err error) error {
	if rerr := tx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
		return errors.Join(err, rerr)
	}
	return err
}

// TableName returns the quoted, possibly schema-qualified name of the
// table dataset is bound to, ready to be written into SQL.
func (s *Store) TableName(dataset string) (string, error) {
	t, err := s.open(dataset)
	if err != nil {
		return "", err
	}
	return t.name, nil
}
