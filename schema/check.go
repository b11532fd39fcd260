package schema

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/policy"
)

// IDs of the findings of Check. Like the linter's, an ID never changes
// meaning.
const (
	// FindingUndeclaredColumn: a column of a declared table is neither
	// declared (key, subject, time, marker, field) nor listed under
	// not_personal.
	FindingUndeclaredColumn = "DB001"
	// FindingMissing: a table or column the declaration binds does not
	// exist, so its rules cannot run.
	FindingMissing = "DB002"
	// FindingUndeclaredTable: a table the declaration does not name has
	// columns whose names or sampled values look personal.
	FindingUndeclaredTable = "DB003"
	// FindingForeignKey: a foreign key references a declared table whose
	// records are deleted, and its rows are not removed with them.
	FindingForeignKey = "DB004"
	// FindingUnindexed: a time column a rule counts from leads no index.
	FindingUnindexed = "DB005"
)

// CheckOptions configure Check. A nil *CheckOptions means the defaults.
type CheckOptions struct {
	// Sample is how many rows of each table the declaration does not name
	// are read to look for personal data in their values (with the
	// detectors of anonymize.Find). 0, the default, reads no rows: only
	// the catalog is read. Values are never reported, only which kinds of
	// data were found in how many of the rows read.
	Sample int
}

// Report is the result of Check.
type Report struct {
	// Findings, ordered by table and ID.
	Findings []policy.Finding
	// Tables and Columns count what was read of the live schema.
	Tables, Columns int
	// Queries is the number of statements run; RowsSampled the rows read
	// by sampling.
	Queries, RowsSampled int
}

// Check compares decl with the live schema q serves, reading only: every
// column of a declared table must be declared or listed as not personal
// (Art. 5(1)(c), Art. 30(1)(c)); every table and column the declaration
// binds must exist (its rules cannot run otherwise, Art. 5(1)(e)); a
// table the declaration does not name is reported when its column names,
// or with CheckOptions.Sample the values of its first rows, look personal
// (Art. 30(1)); a foreign key that references a declared table whose
// records are deleted must be covered: ON DELETE CASCADE, or its table
// declared with rules that delete or anonymize its rows no later than the
// parent's (on the same events, after no longer periods), since otherwise
// the deletion fails or leaves rows that still identify the person
// (Art. 5(1)(e), Art. 17(1)); and a time column a rule counts from should
// lead an index. PostgreSQL is read in the current schema and every
// schema the declaration's tables name. Datasets bound to files are not
// compared.
func Check(ctx context.Context, q Querier, d Dialect, decl *policy.Declaration, opts *CheckOptions) (*Report, error) {
	if decl == nil || !decl.Validated() {
		return nil, fmt.Errorf("schema: Check: the declaration is nil or not validated")
	}
	if opts == nil {
		opts = &CheckOptions{}
	}
	if opts.Sample < 0 {
		return nil, fmt.Errorf("schema: CheckOptions.Sample %d is negative", opts.Sample)
	}
	var schemas []string
	for i := range decl.Datasets {
		if s, _, ok := strings.Cut(decl.Datasets[i].Table, "."); ok {
			schemas = append(schemas, s)
		}
	}
	live, err := Inspect(ctx, q, d, schemas)
	if err != nil {
		return nil, err
	}
	c := &checker{decl: decl, live: live, rep: &Report{}, declared: map[*Table]*policy.Dataset{}, read: map[string]bool{}}
	c.read[live.Default] = true
	for _, s := range schemas {
		c.read[s] = true
	}
	for _, t := range live.Tables {
		if c.read[t.Schema] {
			c.rep.Tables++
			c.rep.Columns += len(t.Columns)
		}
	}
	c.datasets()
	c.foreignKeys()
	if err := c.undeclared(ctx, q, opts.Sample); err != nil {
		return nil, err
	}
	c.rep.Queries += live.Queries
	sort.SliceStable(c.rep.Findings, func(i, j int) bool {
		a, b := c.rep.Findings[i], c.rep.Findings[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.ID < b.ID
	})
	return c.rep, nil
}

type checker struct {
	decl     *policy.Declaration
	live     *Live
	rep      *Report
	declared map[*Table]*policy.Dataset
	read     map[string]bool // schemas read
}

func (c *checker) add(id string, sev policy.Severity, article, path, hint, format string, args ...any) {
	c.rep.Findings = append(c.rep.Findings, policy.Finding{ID: id, Severity: sev, Article: article, Path: path,
		Position: c.decl.Position(path), Message: fmt.Sprintf(format, args...), Hint: hint})
}

// datasets compares each dataset bound to a table with its table.
func (c *checker) datasets() {
	for i := range c.decl.Datasets {
		ds := &c.decl.Datasets[i]
		if ds.Table == "" {
			continue
		}
		p := fmt.Sprintf("datasets[%d]", i)
		t := c.live.Lookup(ds.Table)
		if t == nil {
			c.add(FindingMissing, policy.SeverityError, "Art. 5(1)(e) DSGVO", p+".table",
				"create the table, or correct table: in the declaration",
				"dataset %s is bound to table %s, which does not exist; its rules cannot run", ds.ID, ds.Table)
			continue
		}
		c.declared[t] = ds
		have := map[string]bool{}
		for _, col := range t.Columns {
			have[strings.ToLower(col.Name)] = true
		}
		known := map[string]bool{}
		need := func(path, col, what string) {
			if col == "" {
				return
			}
			known[strings.ToLower(col)] = true
			if !have[strings.ToLower(col)] {
				c.add(FindingMissing, policy.SeverityError, "Art. 5(1)(e) DSGVO, Art. 30(1)(c) DSGVO", path,
					"correct the column name in the declaration, or add the column to the table",
					"dataset %s declares %s %q, which table %s does not have", ds.ID, what, col, t.Qualified())
			}
		}
		need(p+".key", ds.Key, "the key column")
		need(p+".subject", ds.Subject, "the subject column")
		need(p+".marker", ds.Marker, "the marker column")
		for j := range ds.Time {
			need(fmt.Sprintf("%s.time[%d]", p, j), ds.Time[j].ColumnName(), "time column")
		}
		for j := range ds.Fields {
			need(fmt.Sprintf("%s.fields[%d]", p, j), ds.Fields[j].ColumnName(), "field column")
		}
		for j, col := range ds.NotPersonal {
			need(fmt.Sprintf("%s.not_personal[%d]", p, j), col, "the not-personal column")
		}
		for _, col := range t.Columns {
			if known[strings.ToLower(col.Name)] {
				continue
			}
			c.add(FindingUndeclaredColumn, policy.SeverityError, "Art. 5(1)(c) DSGVO, Art. 30(1)(c) DSGVO", p+".fields",
				fmt.Sprintf("declare %s under fields with its category and a rule for it, or list it under not_personal if it holds no personal data", col.Name),
				"column %s of table %s (dataset %s) is not declared: it is kept without a rule and missing from the record of processing", col.Name, t.Qualified(), ds.ID)
		}
		c.indexes(p, ds, t, have)
	}
}

// indexes reports the time columns rules count from that lead no index.
func (c *checker) indexes(p string, ds *policy.Dataset, t *Table, have map[string]bool) {
	seen := map[string]bool{}
	for j := range ds.Rules {
		r := &ds.Rules[j]
		names := []string{r.From}
		if r.KeepAtLeast != nil {
			names = append(names, r.KeepAtLeast.From)
		}
		for _, name := range names {
			if name == "" || seen[name] {
				continue
			}
			seen[name] = true
			col := name
			for _, tc := range ds.Time {
				if tc.Name == name {
					col = tc.ColumnName()
				}
			}
			low := strings.ToLower(col)
			if !have[low] || t.Leading[low] {
				continue
			}
			c.add(FindingUnindexed, policy.SeverityWarning, "Art. 5(1)(e) DSGVO", fmt.Sprintf("%s.rules[%d].from", p, j),
				fmt.Sprintf("CREATE INDEX %s_%s_idx ON %s (%s, %s);", strings.ReplaceAll(ds.Table, ".", "_"), col, ds.Table, col, ds.Key),
				"time column %s of table %s leads no index: every sweep of dataset %s reads the whole table", col, t.Qualified(), ds.ID)
		}
	}
}

// periodBase is a fixed time against which periods are compared.
var periodBase = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// foreignKeys reports the foreign keys into declared tables whose rows
// outlive the parent's.
func (c *checker) foreignKeys() {
	tables := make([]*Table, 0, len(c.live.Tables))
	for _, t := range c.live.Tables {
		tables = append(tables, t)
	}
	sort.Slice(tables, func(i, j int) bool { return tables[i].Qualified() < tables[j].Qualified() })
	for _, t := range tables {
		for _, fk := range t.ForeignKeys {
			parent := c.live.Tables[fk.RefSchema+"."+fk.RefTable]
			pds := c.declared[parent]
			if pds == nil || !deletes(pds) || fk.OnDelete == "CASCADE" {
				continue
			}
			pi := c.index(pds)
			p := fmt.Sprintf("datasets[%d].table", pi)
			child := c.declared[t]
			if child != nil && covers(child, pds) {
				continue
			}
			why := fmt.Sprintf("table %s is not in the declaration", t.Qualified())
			hint := fmt.Sprintf("declare %s as a dataset with rules that delete or anonymize its rows no later than %s's, or make the key ON DELETE CASCADE", t.Qualified(), pds.ID)
			if child != nil {
				why = fmt.Sprintf("dataset %s's rules do not delete or anonymize its rows no later than %s's (on the same events, after no longer periods)", child.ID, pds.ID)
				hint = fmt.Sprintf("give dataset %s rules that act no later than %s's, or make the key ON DELETE CASCADE", child.ID, pds.ID)
			}
			c.add(FindingForeignKey, policy.SeverityError, "Art. 5(1)(e) DSGVO, Art. 17(1) DSGVO", p, hint,
				"foreign key %s of %s (%s) references table %s of dataset %s, whose records are deleted; %s, so deleting a parent fails (ON DELETE %s) or leaves rows that still identify the person",
				fk.Name, t.Qualified(), strings.Join(fk.Columns, ", "), parent.Qualified(), pds.ID, why, fk.OnDelete)
		}
	}
}

func (c *checker) index(ds *policy.Dataset) int {
	for i := range c.decl.Datasets {
		if &c.decl.Datasets[i] == ds {
			return i
		}
	}
	return -1
}

// deletes reports whether a rule of ds deletes records.
func deletes(ds *policy.Dataset) bool {
	for _, r := range ds.Rules {
		if r.Delete {
			return true
		}
	}
	return false
}

// covers reports whether child's rules remove its rows no later than
// parent deletes its records: for every deleting rule of the parent, the
// child has a rule that deletes or anonymizes on the same event, or, for
// a time rule, after a period no longer than the parent's.
func covers(child, parent *policy.Dataset) bool {
	for _, pr := range parent.Rules {
		if !pr.Delete {
			continue
		}
		ok := false
		for _, cr := range child.Rules {
			if !cr.Delete && len(cr.Anonymize) == 0 {
				continue
			}
			if pr.On != "" {
				ok = ok || cr.On == pr.On
			} else if cr.On == "" {
				ok = ok || !cr.After.AddTo(periodBase, time.UTC).After(pr.After.AddTo(periodBase, time.UTC))
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// personalNames are column-name words that suggest personal data.
var personalNames = map[string]bool{
	"name": true, "vorname": true, "nachname": true, "firstname": true, "lastname": true, "surname": true, "fullname": true,
	"email": true, "mail": true, "phone": true, "telefon": true, "tel": true, "mobile": true, "mobil": true, "handy": true, "fax": true,
	"birth": true, "birthday": true, "birthdate": true, "geburtsdatum": true, "geburtstag": true, "dob": true,
	"address": true, "adresse": true, "anschrift": true, "street": true, "strasse": true, "straße": true, "plz": true, "zip": true, "postcode": true,
	"ip": true, "iban": true, "bic": true, "ssn": true, "passport": true, "ausweis": true, "steuerid": true, "taxid": true,
	"citizen": true, "customer": true, "kunde": true, "kundennummer": true, "gender": true, "geschlecht": true, "user": true, "username": true,
	"remote": true, "addr": true, "agent": true,
}

// personalName reports whether a column name looks personal: one of its
// words (split at _ and -) is a personal word, or starts like one
// ("email_address", "telefonnummer").
func personalName(col string) bool {
	for _, w := range strings.FieldsFunc(strings.ToLower(col), func(r rune) bool { return r == '_' || r == '-' || r == ' ' }) {
		if personalNames[w] {
			return true
		}
		for _, p := range []string{"email", "telefon", "phone", "geburt", "birth", "vorname", "nachname"} {
			if strings.HasPrefix(w, p) {
				return true
			}
		}
	}
	return false
}

// undeclared reports the tables of the schemas read that the declaration
// does not name and that look personal.
func (c *checker) undeclared(ctx context.Context, q Querier, sample int) error {
	tables := make([]*Table, 0, len(c.live.Tables))
	for _, t := range c.live.Tables {
		if c.declared[t] == nil && c.read[t.Schema] && !strings.HasPrefix(strings.ToLower(t.Name), "frist_") && len(t.Columns) > 0 {
			tables = append(tables, t)
		}
	}
	sort.Slice(tables, func(i, j int) bool { return tables[i].Qualified() < tables[j].Qualified() })
	for _, t := range tables {
		var names []string
		for _, col := range t.Columns {
			if personalName(col.Name) {
				names = append(names, col.Name)
			}
		}
		var values []string
		if sample > 0 {
			found, n, err := c.sample(ctx, q, t, sample)
			if err != nil {
				return err
			}
			c.rep.RowsSampled += n
			values = found
		}
		if len(names) == 0 && len(values) == 0 {
			continue
		}
		var parts []string
		if len(names) > 0 {
			parts = append(parts, "columns named like personal data: "+strings.Join(names, ", "))
		}
		if len(values) > 0 {
			parts = append(parts, "sampled values that look like "+strings.Join(values, "; "))
		}
		c.add(FindingUndeclaredTable, policy.SeverityWarning, "Art. 30(1) DSGVO, Art. 5(1)(e) DSGVO", "datasets",
			fmt.Sprintf("declare %s as a dataset with its fields and rules, or, if it holds no personal data, leave it and acknowledge this finding", t.Qualified()),
			"table %s is not in the declaration but looks personal (%s): it is kept without a rule and missing from the record of processing", t.Qualified(), strings.Join(parts, "; "))
	}
	return nil
}

// sample reads at most n rows of t and returns, per column, the kinds of
// personal data anonymize.Find sees in its text values, as "EMAIL in
// column c (3 of 100 rows)". Values themselves are never returned.
func (c *checker) sample(ctx context.Context, q Querier, t *Table, n int) ([]string, int, error) {
	cols := make([]string, len(t.Columns))
	for i, col := range t.Columns {
		cols[i] = quoteIdent(col.Name)
	}
	name := quoteIdent(t.Name)
	if c.live.Dialect == Postgres {
		name = quoteIdent(t.Schema) + "." + name
		for i := range cols {
			cols[i] += "::text"
		}
	}
	c.rep.Queries++
	rows, err := q.QueryContext(ctx, fmt.Sprintf("SELECT %s FROM %s LIMIT %d", strings.Join(cols, ", "), name, n))
	if err != nil {
		return nil, 0, fmt.Errorf("schema: sampling table %s: %w", t.Qualified(), err)
	}
	defer rows.Close()
	counts := make([]map[anonymize.Kind]int, len(cols))
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
		counts[i] = map[anonymize.Kind]int{}
	}
	read := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, read, fmt.Errorf("schema: sampling table %s: %w", t.Qualified(), err)
		}
		read++
		for i, v := range vals {
			var s string
			switch x := v.(type) {
			case string:
				s = x
			case []byte:
				s = string(x)
			default:
				continue
			}
			kinds := map[anonymize.Kind]bool{}
			for _, m := range anonymize.Find(s) {
				kinds[m.Kind] = true
			}
			for k := range kinds {
				counts[i][k]++
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, read, fmt.Errorf("schema: sampling table %s: %w", t.Qualified(), err)
	}
	var out []string
	for i, m := range counts {
		kinds := make([]anonymize.Kind, 0, len(m))
		for k := range m {
			kinds = append(kinds, k)
		}
		sort.Slice(kinds, func(a, b int) bool { return kinds[a] < kinds[b] })
		for _, k := range kinds {
			out = append(out, fmt.Sprintf("%s in column %s (%d of %d rows read)", k, t.Columns[i].Name, m[k], read))
		}
	}
	return out, read, nil
}

// quoteIdent quotes an SQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
