// Package sqltest helps the SQL backends' tests and benchmarks: it creates
// application tables that match a declaration, and wraps a store with the
// Insert and Get methods the conformance suite needs, writing and reading
// time columns in their declared representation.
package sqltest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/internal/sqldriver"
	"github.com/frist-go/frist/store/storetest"
	"github.com/stretchr/testify/require"
)

// Flavor is the SQL flavour tables are created in.
type Flavor int

// The flavours.
const (
	SQLite Flavor = iota
	Postgres
)

// TableDDL returns CREATE TABLE and CREATE INDEX statements for ds: the key
// column (integer when intKey), the subject, each time column in its
// format, the marker and the fields (text), with an index on every time
// column (on time and key for PostgreSQL).
func TableDDL(f Flavor, ds *policy.Dataset, intKey bool) []string {
	q := sqldriver.Quote
	var cols []string
	switch {
	case intKey && f == SQLite:
		cols = append(cols, q(ds.Key)+" INTEGER PRIMARY KEY")
	case intKey:
		cols = append(cols, q(ds.Key)+" bigint PRIMARY KEY")
	default:
		cols = append(cols, q(ds.Key)+" TEXT PRIMARY KEY")
	}
	seen := map[string]bool{ds.Key: true}
	add := func(name, typ string) {
		if !seen[name] {
			seen[name] = true
			cols = append(cols, q(name)+" "+typ)
		}
	}
	native := "DATETIME"
	if f == Postgres {
		native = "timestamptz"
	}
	if ds.Subject != "" {
		add(ds.Subject, "TEXT")
	}
	var stmts []string
	for _, tc := range ds.Time {
		switch tc.Format {
		case policy.TimeUnix, policy.TimeUnixMs:
			add(tc.ColumnName(), "BIGINT")
		case policy.TimeRFC3339:
			add(tc.ColumnName(), "TEXT")
		default:
			add(tc.ColumnName(), native)
		}
		// (time, key) lets PostgreSQL read a batch in ORDER BY time, key
		// order straight from the index; SQLite's indexes end in the rowid.
		idx := q(tc.ColumnName())
		if f == Postgres {
			idx += ", " + q(ds.Key)
		}
		stmts = append(stmts, fmt.Sprintf("CREATE INDEX %s ON %s (%s)",
			q(strings.ReplaceAll(ds.Table, ".", "_")+"_"+tc.ColumnName()), tableName(ds.Table), idx))
	}
	if ds.Marker != "" {
		add(ds.Marker, native)
	}
	for i := range ds.Fields {
		add(ds.Fields[i].ColumnName(), "TEXT")
	}
	return append([]string{fmt.Sprintf("CREATE TABLE %s (%s)", tableName(ds.Table), strings.Join(cols, ", "))}, stmts...)
}

// tableName quotes a possibly qualified table name.
func tableName(t string) string {
	parts := strings.Split(t, ".")
	for i := range parts {
		parts[i] = sqldriver.Quote(parts[i])
	}
	return strings.Join(parts, ".")
}

// CreateTables creates the tables of every table-bound dataset of decl.
func CreateTables(ctx context.Context, db *sql.DB, f Flavor, decl *policy.Declaration, intKey func(*policy.Dataset) bool) error {
	for i := range decl.Datasets {
		ds := &decl.Datasets[i]
		if ds.Table == "" {
			continue
		}
		for _, st := range TableDDL(f, ds, intKey(ds)) {
			if _, err := db.ExecContext(ctx, st); err != nil {
				return fmt.Errorf("sqltest: %s: %w", st, err)
			}
		}
	}
	return nil
}

// Store is what the backends' Store types share: the core and both
// features, so that a Backend embedding it hides none of them from the
// suites.
type Store interface {
	store.Driver
	store.ConsentStore
	store.RequestStore
	Get(ctx context.Context, dataset, key string) (map[string]any, bool, error)
	DB() *sql.DB
	Dialect() sqldriver.Dialect
}

// Backend adds Insert and Get to a store, as storetest.Backend requires.
type Backend struct {
	Store
	Decl *policy.Declaration
}

// columns maps a dataset's SQL columns to their time format ("" for
// columns that are not times).
func (b *Backend) columns(dataset string) (*policy.Dataset, map[string]policy.TimeFormat, error) {
	ds := b.Decl.Dataset(dataset)
	if ds == nil || ds.Table == "" {
		return nil, nil, fmt.Errorf("sqltest: dataset %q: %w", dataset, store.ErrUnknownDataset)
	}
	times := map[string]policy.TimeFormat{}
	for _, tc := range ds.Time {
		times[tc.ColumnName()] = tc.Format
	}
	if ds.Marker != "" {
		times[ds.Marker] = policy.TimeNative
	}
	return ds, times, nil
}

// Insert stores row (values by SQL column) in dataset's table, converting
// time.Time values of time columns into their representation.
func (b *Backend) Insert(ctx context.Context, dataset string, row map[string]any) error {
	return b.insert(ctx, b.DB(), dataset, row)
}

// InsertMany stores rows like Insert, all in one transaction.
func (b *Backend) InsertMany(ctx context.Context, dataset string, rows []map[string]any) error {
	tx, err := b.DB().BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := b.insert(ctx, tx, dataset, r); err != nil {
			return errors.Join(err, tx.Rollback())
		}
	}
	return tx.Commit()
}

func (b *Backend) insert(ctx context.Context, q sqldriver.Querier, dataset string, row map[string]any) error {
	ds, times, err := b.columns(dataset)
	if err != nil {
		return err
	}
	d := b.Dialect()
	var cols, ps []string
	var args []any
	for c, v := range row {
		if !sqldriver.ValidIdent(c) {
			return fmt.Errorf("sqltest: invalid column %q", c)
		}
		if t, ok := v.(time.Time); ok {
			if f, isTime := times[c]; isTime {
				v = d.CutoffArg(f, "", t)
			} else {
				v = d.WriteValue(t)
			}
		}
		cols = append(cols, sqldriver.Quote(c))
		args = append(args, v)
		ps = append(ps, d.Placeholder(len(args)))
	}
	st := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", tableName(ds.Table), strings.Join(cols, ", "), strings.Join(ps, ", "))
	if _, err := q.ExecContext(ctx, st, args...); err != nil {
		return fmt.Errorf("sqltest: insert into %s: %w", ds.Table, err)
	}
	return nil
}

// ColumnType maps the conformance suite's column types to a flavour's.
func ColumnType(f Flavor, typ string, key bool) string {
	switch {
	case typ == "integer" && key && f == SQLite:
		return "INTEGER PRIMARY KEY"
	case typ == "integer" && key:
		return "bigint PRIMARY KEY"
	case key:
		return "TEXT PRIMARY KEY"
	case typ == "integer":
		return "BIGINT"
	case typ == "timestamp" && f == SQLite:
		return "DATETIME"
	case typ == "timestamp":
		return "timestamptz"
	default:
		return "TEXT"
	}
}

// Open creates storetest's tables on db with flavor f's column types and
// returns a backend on the store newStore makes for them: the one opener
// of the conformance suite (storetest.Run) and the SQL extras for both
// SQL backends.
func Open(t *testing.T, db *sql.DB, f Flavor, decl *policy.Declaration, newStore func(*sql.DB, *policy.Declaration) (Store, error)) *Backend {
	t.Helper()
	for _, tb := range storetest.Tables() {
		var cols []string
		for _, c := range tb.Columns {
			cols = append(cols, sqldriver.Quote(c.Name)+" "+ColumnType(f, string(c.Type), c.Key))
		}
		_, err := db.ExecContext(context.Background(), fmt.Sprintf("CREATE TABLE %s (%s)", sqldriver.Quote(tb.Name), strings.Join(cols, ", ")))
		require.NoError(t, err)
	}
	s, err := newStore(db, decl)
	require.NoError(t, err)
	return &Backend{Store: s, Decl: decl}
}
