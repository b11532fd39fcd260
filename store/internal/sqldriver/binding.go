package sqldriver

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/frist-go/frist/policy"
)

// identRE is the identifier syntax frist accepts for tables and columns: no
// quoting is ever needed to write one, and none can smuggle SQL.
var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

// ValidIdent reports whether s is a valid SQL identifier for frist.
func ValidIdent(s string) bool { return identRE.MatchString(s) }

// Quote quotes a validated identifier. Both SQLite and PostgreSQL accept
// double quotes; names are then matched exactly as written.
func Quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// timeCol is a resolved time column of a dataset.
type timeCol struct {
	name   string // TimeColumn.Name
	col    string // quoted SQL column
	format policy.TimeFormat
	typ    string         // catalog type
	zone   *time.Location // TimeColumn.Zone, nil when none is declared
	// dom tells valid values from the rest (timedomain.go); nil when the
	// dialect does not tell them apart.
	dom *Domain
}

// table is a dataset bound to the application's table. Every identifier
// a statement holds comes from it, quoted when the declaration was bound
// and checked against the catalog; names in a batch or selection are only
// looked up here, never written into SQL. A name the declaration lacks
// therefore never becomes an identifier, whatever a caller passes (the
// callers check their input, and backends are promised it is well-formed:
// package store).
type table struct {
	id      string
	name    string // quoted, possibly schema-qualified
	key     string // quoted key column
	keyType string
	subject string // quoted subject column, "" when none
	subjTyp string
	marker  string // Dataset.Marker as declared, "" when none
	markerQ string
	markTyp string // catalog type of the marker column
	times   map[string]*timeCol
	fields  map[string]string // Field.Name -> quoted column
	ftypes  map[string]string // Field.Name -> catalog type
	order   []string          // Field.Name in declaration order
}

// bind resolves every dataset of decl that is bound to a table, checking
// identifiers and that each column exists. It never changes the
// application's tables.
func bind(ctx context.Context, d Dialect, db *sql.DB, decl *policy.Declaration) (map[string]*table, error) {
	tables := map[string]*table{}
	var problems []string
	bad := func(path, format string, args ...any) {
		problems = append(problems, path+": "+fmt.Sprintf(format, args...))
	}
	for i := range decl.Datasets {
		ds := &decl.Datasets[i]
		path := fmt.Sprintf("datasets[%d]", i)
		if ds.Table == "" {
			continue // bound to files or elsewhere; not this backend's
		}
		schema, name, ok := strings.Cut(ds.Table, ".")
		if !ok {
			schema, name = "", ds.Table
		}
		if schema != "" && !ValidIdent(schema) || !ValidIdent(name) {
			bad(path+".table", "%q is not a valid table name (letters, digits, _; optionally schema.table)", ds.Table)
			continue
		}
		t := &table{id: ds.ID, times: map[string]*timeCol{}, fields: map[string]string{}, ftypes: map[string]string{}, marker: ds.Marker}
		t.name = Quote(name)
		if schema != "" {
			t.name = Quote(schema) + "." + t.name
		}
		cols, err := d.Columns(ctx, db, schema, name)
		if err != nil {
			bad(path+".table", "%v", err)
			continue
		}
		column := func(p, c string) (Column, bool) {
			if !ValidIdent(c) {
				bad(p, "%q is not a valid column name", c)
				return Column{}, false
			}
			col, ok := cols[c]
			if !ok {
				bad(p, "table %s has no column %q", ds.Table, c)
			}
			return col, ok
		}
		if c, ok := column(path+".key", ds.Key); ok {
			t.key, t.keyType = Quote(ds.Key), c.Type
		}
		if ds.Subject != "" {
			if c, ok := column(path+".subject", ds.Subject); ok {
				t.subject, t.subjTyp = Quote(ds.Subject), c.Type
			}
		}
		if ds.Marker != "" {
			if c, ok := column(path+".marker", ds.Marker); ok {
				t.markerQ, t.markTyp = Quote(ds.Marker), c.Type
			}
		}
		for j, tc := range ds.Time {
			p := fmt.Sprintf("%s.time[%d]", path, j)
			switch tc.Format {
			case policy.TimeNative, policy.TimeUnix, policy.TimeUnixMs, policy.TimeRFC3339:
			case "":
				tc.Format = policy.TimeNative
			default:
				bad(p+".format", "unknown time format %q (timestamp, unix, unix_ms, rfc3339)", tc.Format)
				continue
			}
			if c, ok := column(p+".column", tc.ColumnName()); ok {
				col := &timeCol{name: tc.Name, col: Quote(tc.ColumnName()), format: tc.Format, typ: c.Type, zone: tc.Location()}
				if tc.Zone != "" && col.zone == nil {
					bad(p+".zone", "%q is not a time zone", tc.Zone)
					continue
				}
				if err := domainOf(d, col); err != nil {
					bad(p, "dataset %q, time column %q (column %s, %s): %v", ds.ID, tc.Name, tc.ColumnName(), c.Type, err)
					continue
				}
				t.times[tc.Name] = col
			}
		}
		for j := range ds.Fields {
			f := &ds.Fields[j]
			if c, ok := column(fmt.Sprintf("%s.fields[%d].column", path, j), f.ColumnName()); ok {
				t.fields[f.Name] = Quote(f.ColumnName())
				t.ftypes[f.Name] = c.Type
				t.order = append(t.order, f.Name)
			}
		}
		tables[ds.ID] = t
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s: declaration does not match the database:\n\t%s", d.Name(), strings.Join(problems, "\n\t"))
	}
	return tables, nil
}
