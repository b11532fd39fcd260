package schema

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Dialect names the SQL database a live schema is read from.
type Dialect string

// The databases Inspect reads.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Querier is what Inspect and Check need of a database: *sql.DB, *sql.Conn
// and *sql.Tx all have it. They only read (catalog queries and, when
// sampling, SELECT ... LIMIT), so a read-only connection suffices.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Live is the schema of a database as its catalog reports it.
type Live struct {
	// Dialect is the database it was read from.
	Dialect Dialect
	// Default is the schema unqualified table names resolve to: "main"
	// for SQLite, the current schema for PostgreSQL.
	Default string
	// Tables holds every table of the schemas read, by qualified name
	// ("main.appointments", "app.bookings").
	Tables map[string]*Table
	// Queries is how many statements reading it took.
	Queries int
}

// Table is one table of a live schema.
type Table struct {
	Schema, Name string
	// Columns in the table's order.
	Columns []Column
	// ForeignKeys are the table's foreign keys.
	ForeignKeys []ForeignKey
	// Leading holds the (lower-case) columns that lead a complete
	// (not partial) index.
	Leading map[string]bool
}

// Qualified returns "schema.name".
func (t *Table) Qualified() string { return t.Schema + "." + t.Name }

// Column is one column of a table.
type Column struct {
	Name, Type string
}

// ForeignKey is a foreign key of a table.
type ForeignKey struct {
	// Name is the constraint's name; for an SQLite key declared without
	// CONSTRAINT name, "<table>(<columns>)".
	Name string
	// Columns are the referencing columns.
	Columns []string
	// RefSchema and RefTable name the referenced table.
	RefSchema, RefTable string
	// OnDelete is the referential action on delete, upper case:
	// "NO ACTION", "RESTRICT", "CASCADE", "SET NULL" or "SET DEFAULT".
	OnDelete string
}

// Lookup returns the table name refers to ("t" in the default schema, or
// "s.t"), or nil. Names are matched exactly and, failing that, without
// regard to case (SQLite compares names without case; PostgreSQL folds
// unquoted names to lower case).
func (l *Live) Lookup(name string) *Table {
	schema, table, ok := strings.Cut(name, ".")
	if !ok {
		schema, table = l.Default, name
	}
	if t := l.Tables[schema+"."+table]; t != nil {
		return t
	}
	for _, t := range l.Tables {
		if strings.EqualFold(t.Schema, schema) && strings.EqualFold(t.Name, table) {
			return t
		}
	}
	return nil
}

// Inspect reads the tables, columns, foreign keys and leading index
// columns of the given schemas (SQLite: only "main" is read; PostgreSQL:
// the current schema is always read) in a fixed number of statements,
// whatever the number of tables: three for SQLite, four for PostgreSQL.
// It only reads the catalog.
func Inspect(ctx context.Context, q Querier, d Dialect, schemas []string) (*Live, error) {
	switch d {
	case SQLite:
		return inspectSQLite(ctx, q)
	case Postgres:
		return inspectPostgres(ctx, q, schemas)
	}
	return nil, fmt.Errorf("schema: dialect %q is not sqlite or postgres", d)
}

// each runs query and calls row for every row, counting the statement.
func each(ctx context.Context, q Querier, l *Live, query string, args []any, dest func() []any, row func() error) error {
	l.Queries++
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(dest()...); err != nil {
			return err
		}
		if err := row(); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (l *Live) table(schema, name string) *Table {
	k := schema + "." + name
	t := l.Tables[k]
	if t == nil {
		t = &Table{Schema: schema, Name: name, Leading: map[string]bool{}}
		l.Tables[k] = t
	}
	return t
}

// sqliteConstraint finds the named foreign keys in a CREATE TABLE
// statement: CONSTRAINT name FOREIGN KEY (cols).
var sqliteConstraint = regexp.MustCompile(`(?is)CONSTRAINT\s+["\x60\[]?(\w+)["\x60\]]?\s+FOREIGN\s+KEY\s*\(([^)]*)\)`)

// inspectSQLite reads SQLite's catalog. Columns come from
// pragma_table_xinfo, which unlike pragma_table_info lists generated
// columns too (they may derive personal data); only the hidden columns of
// virtual tables are left out.
func inspectSQLite(ctx context.Context, q Querier) (*Live, error) {
	l := &Live{Dialect: SQLite, Default: "main", Tables: map[string]*Table{}}
	const own = `m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'`
	var tname, cname, ctype string
	err := each(ctx, q, l, `SELECT m.name, p.name, p.type FROM sqlite_master m JOIN pragma_table_xinfo(m.name) p WHERE `+own+` AND p.hidden <> 1 ORDER BY m.name, p.cid`, nil,
		func() []any { return []any{&tname, &cname, &ctype} },
		func() error {
			t := l.table("main", tname)
			t.Columns = append(t.Columns, Column{Name: cname, Type: ctype})
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("schema: reading the columns: %w", err)
	}
	type fkRow struct {
		id, seq             int
		parent, from, onDel string
	}
	var (
		createSQL sql.NullString
		r         fkRow
		to        sql.NullString
	)
	fks := map[string][]fkRow{}
	sqls := map[string]string{}
	err = each(ctx, q, l, `SELECT m.name, m.sql, f.id, f.seq, f."table", f."from", f."to", f.on_delete FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE `+own+` ORDER BY m.name, f.id, f.seq`, nil,
		func() []any { return []any{&tname, &createSQL, &r.id, &r.seq, &r.parent, &r.from, &to, &r.onDel} },
		func() error {
			fks[tname] = append(fks[tname], r)
			sqls[tname] = createSQL.String
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("schema: reading the foreign keys: %w", err)
	}
	for tn, rows := range fks {
		t := l.table("main", tn)
		named := map[string]string{} // lower-case column list -> name
		for _, m := range sqliteConstraint.FindAllStringSubmatch(sqls[tn], -1) {
			named[normCols(m[2])] = m[1]
		}
		for i := 0; i < len(rows); {
			j := i
			fk := ForeignKey{RefSchema: "main", RefTable: rows[i].parent, OnDelete: strings.ToUpper(rows[i].onDel)}
			for ; j < len(rows) && rows[j].id == rows[i].id; j++ {
				fk.Columns = append(fk.Columns, rows[j].from)
			}
			fk.Name = named[normCols(strings.Join(fk.Columns, ","))]
			if fk.Name == "" {
				fk.Name = tn + "(" + strings.Join(fk.Columns, ", ") + ")"
			}
			t.ForeignKeys = append(t.ForeignKeys, fk)
			i = j
		}
	}
	err = each(ctx, q, l, `SELECT m.name, ii.name FROM sqlite_master m JOIN pragma_index_list(m.name) il JOIN pragma_index_info(il.name) ii ON ii.seqno = 0 WHERE `+own+` AND il.partial = 0`, nil,
		func() []any { return []any{&tname, &cname} },
		func() error {
			l.table("main", tname).Leading[strings.ToLower(cname)] = true
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("schema: reading the indexes: %w", err)
	}
	// An INTEGER PRIMARY KEY is the rowid, which orders the table itself.
	return l, nil
}

// normCols normalises a column list for matching: lower case, no quotes
// or spaces.
func normCols(s string) string {
	return strings.ToLower(strings.NewReplacer(" ", "", "\"", "", "`", "", "[", "", "]", "", "\n", "", "\t", "").Replace(s))
}

func inspectPostgres(ctx context.Context, q Querier, schemas []string) (*Live, error) {
	l := &Live{Dialect: Postgres, Tables: map[string]*Table{}}
	err := each(ctx, q, l, `SELECT current_schema()`, nil, func() []any { return []any{&l.Default} }, func() error { return nil })
	if err != nil {
		return nil, fmt.Errorf("schema: reading the current schema: %w", err)
	}
	list := append([]string{l.Default}, schemas...)
	sort.Strings(list)
	list = uniq(list)
	arr := "{" + strings.Join(quoteAll(list), ",") + "}"
	var sname, tname, cname, ctype string
	err = each(ctx, q, l, `SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped AND n.nspname = ANY($1::text[])
ORDER BY 1, 2, a.attnum`, []any{arr},
		func() []any { return []any{&sname, &tname, &cname, &ctype} },
		func() error {
			t := l.table(sname, tname)
			t.Columns = append(t.Columns, Column{Name: cname, Type: ctype})
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("schema: reading the columns: %w", err)
	}
	var fkName, rschema, rtable, del, cols string
	// Keys in any schema that reference a table of the schemas read.
	err = each(ctx, q, l, `SELECT con.conname, n.nspname, c.relname, rn.nspname, rc.relname, con.confdeltype::text,
  (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
     JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num)
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class rc ON rc.oid = con.confrelid JOIN pg_namespace rn ON rn.oid = rc.relnamespace
WHERE con.contype = 'f' AND (n.nspname = ANY($1::text[]) OR rn.nspname = ANY($1::text[]))
ORDER BY 2, 3, 1`, []any{arr},
		func() []any { return []any{&fkName, &sname, &tname, &rschema, &rtable, &del, &cols} },
		func() error {
			t := l.table(sname, tname)
			t.ForeignKeys = append(t.ForeignKeys, ForeignKey{Name: fkName, Columns: strings.Split(cols, ","),
				RefSchema: rschema, RefTable: rtable, OnDelete: pgAction[del]})
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("schema: reading the foreign keys: %w", err)
	}
	err = each(ctx, q, l, `SELECT n.nspname, c.relname, a.attname
FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
WHERE i.indpred IS NULL AND n.nspname = ANY($1::text[])`, []any{arr},
		func() []any { return []any{&sname, &tname, &cname} },
		func() error {
			if t := l.Tables[sname+"."+tname]; t != nil {
				t.Leading[strings.ToLower(cname)] = true
			}
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("schema: reading the indexes: %w", err)
	}
	return l, nil
}

// pgAction spells pg_constraint.confdeltype.
var pgAction = map[string]string{"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}

func uniq(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if v != "" && (i == 0 || v != s[i-1]) {
			out = append(out, v)
		}
	}
	return out
}

// quoteAll quotes the elements of a PostgreSQL array literal.
func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
	}
	return out
}
