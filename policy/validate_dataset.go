package policy

import (
	"strings"
	"time"

	"github.com/frist-go/frist/anonymize"
)

func (v *validator) datasets() {
	seen := make(idMap, len(v.d.Datasets))
	v.ruleIDs = make([][]string, len(v.d.Datasets))
	for i := range v.d.Datasets {
		ds := &v.d.Datasets[i]
		p := idx("datasets", i)
		v.fieldNames, v.timeNames = newIndex(ds.Fields, fieldName), newIndex(ds.Time, timeColumnName)
		v.id(p, ".id", ds.ID, "dataset", seen, i)
		v.binding(p, ds)
		if len(ds.Purposes) == 0 {
			v.add(p+".purposes", "missing: the IDs of the purposes the data serves (Art. 5(1)(b))")
		}
		v.refs(p, ".purposes", ds.Purposes, "purpose", v.purposeExists)
		v.refs(p, ".recipients", ds.Recipients, "recipient", v.recipientExists)
		v.timeColumns(p, ds)
		v.fields(p, ds)
		v.notPersonal(p, ds)
		v.identifiers(p, ds)
		v.ruleIDs[i] = make([]string, len(ds.Rules))
		ids := map[string]int{}
		for j := range ds.Rules {
			v.ruleIDs[i][j] = v.rule(idx(p+".rules", j), ds, &ds.Rules[j], ids, j)
		}
	}
}

// binding checks where the records are: a table with a key column, or log
// files.
func (v *validator) binding(p string, ds *Dataset) {
	switch {
	case ds.Table != "" && ds.Files != nil:
		v.add(p+".files", "a dataset is bound either to a table or to files, not both")
	case ds.Table == "" && ds.Files == nil:
		v.add(p+".table", "missing: the table the records are in (or files: for log files)")
	}
	if ds.Table != "" {
		v.sqlIdent(p, ".table", ds.Table, true)
		if ds.Key == "" {
			v.add(p+".key", "missing: the table's primary-key column")
		}
	}
	if f := ds.Files; f != nil {
		if strings.TrimSpace(f.Dir) == "" {
			v.add(p+".files.dir", "missing: the directory of the log files")
		}
		if strings.TrimSpace(f.Pattern) == "" {
			v.add(p+".files.pattern", "missing: the file-name pattern of the log files, such as access.log*")
		}
		if !contains(fileFormats, f.Format) {
			v.add(p+".files.format", "%q is not a log format (%s)", f.Format, oneOf(fileFormats...))
		}
		if f.Malformed != "" && f.Malformed != MalformedMask && f.Malformed != MalformedDrop {
			v.add(p+".files.malformed", "%q is not a malformed-line policy (%s)", f.Malformed, oneOf(MalformedMask, MalformedDrop))
		}
		if strings.ContainsAny(f.Live, "/\\*?[") || f.Live == "." || f.Live == ".." {
			v.add(p+".files.live", "%q is not a file name in files.dir (no path separator, no wildcard)", f.Live)
		}
	}
	if ds.Key != "" {
		v.sqlIdent(p, ".key", ds.Key, false)
	}
	if ds.Subject != "" {
		v.sqlIdent(p, ".subject", ds.Subject, false)
	}
	if ds.Marker != "" {
		v.sqlIdent(p, ".marker", ds.Marker, false)
	}
}

// notPersonal checks the columns listed as holding no personal data: SQL
// identifiers of a table, each listed once and none that the dataset
// declares otherwise (a column cannot be both a field and not personal).
func (v *validator) notPersonal(p string, ds *Dataset) {
	if len(ds.NotPersonal) > 0 && ds.Table == "" {
		v.add(p+".not_personal", "only a dataset bound to a table lists columns; a log line's parts are fixed by its format")
		return
	}
	if len(ds.NotPersonal) == 0 {
		return
	}
	declared := map[string]string{}
	note := func(col, what string) {
		if col != "" {
			declared[strings.ToLower(col)] = what
		}
	}
	note(ds.Key, "the key")
	note(ds.Subject, "the subject column")
	note(ds.Marker, "the marker column")
	for _, tc := range ds.Time {
		note(tc.ColumnName(), "time column "+tc.Name)
	}
	for _, f := range ds.Fields {
		note(f.ColumnName(), "field "+f.Name)
	}
	seen := map[string]int{}
	for j, col := range ds.NotPersonal {
		q := idx(p+".not_personal", j)
		v.sqlIdent(q, "", col, false)
		low := strings.ToLower(col)
		if first, dup := seen[low]; dup {
			v.add(q, "column %q is listed twice (first at not_personal[%d])", col, first)
			continue
		}
		seen[low] = j
		if what, ok := declared[low]; ok {
			v.add(q, "column %q is %s of the dataset, which holds personal data; remove it from not_personal", col, what)
		}
	}
}

// sqlIdent checks an SQL identifier written at path+suffix; the path is
// built only to report a problem.
func (v *validator) sqlIdent(path, suffix, s string, schema bool) {
	if r := checkSQLIdent(s, schema); r != "" {
		v.add(path+suffix, "SQL identifier %s", r)
	}
}

func (v *validator) timeColumns(p string, ds *Dataset) {
	seen := &v.timeSet
	seen.reset(ds.Time, timeColumnName)
	var list string
	for j := range ds.Time {
		tc := &ds.Time[j]
		// A sound time column, nearly every one, is checked without
		// making its path, which only a problem needs.
		if timeColumnSound(tc) && seen.addNew(tc.Name, j) {
			continue
		}
		if list == "" {
			list = p + ".time"
		}
		q := idx(list, j)
		v.id(q, ".name", tc.Name, "time column", seen, j)
		if tc.Column != "" {
			v.sqlIdent(q, ".column", tc.Column, false)
		} else if tc.Name != "" {
			v.sqlIdent(q, ".name", tc.Name, false)
		}
		if tc.Format != "" && !contains(timeFormats, tc.Format) {
			v.add(q+".format", "%q is not a time format (%s)", tc.Format, oneOf(timeFormats...))
		}
		v.timeZone(q, tc)
	}
}

// timeColumnSound reports whether timeColumns would find nothing wrong
// with tc, but for its name being given twice.
func timeColumnSound(tc *TimeColumn) bool {
	if !isID(tc.Name) || tc.Zone != "" || tc.Format != "" && !contains(timeFormats, tc.Format) {
		return false
	}
	col := tc.Column
	if col == "" {
		col = tc.Name
	}
	return checkSQLIdent(col, false) == ""
}

// timeZone checks the zone of a time column: an IANA zone, and only on a
// timestamp column, whose values may lack an offset; unix and rfc3339
// values are always UTC.
func (v *validator) timeZone(q string, tc *TimeColumn) {
	if tc.Zone == "" {
		return
	}
	if tc.Format != "" && tc.Format != TimeNative {
		v.add(q+".zone", "a zone applies only to format %s; %s values are UTC by definition", TimeNative, tc.Format)
		return
	}
	if tc.Zone == "Local" || strings.TrimSpace(tc.Zone) != tc.Zone {
		v.add(q+".zone", "%q is not an IANA time zone such as Europe/Berlin or UTC", tc.Zone)
		return
	}
	if _, err := time.LoadLocation(tc.Zone); err != nil {
		v.add(q+".zone", "%q is not an IANA time zone such as Europe/Berlin or UTC", tc.Zone)
	}
}

func (v *validator) fields(p string, ds *Dataset) {
	seen := &v.fieldSet
	seen.reset(ds.Fields, fieldName)
	list := p + ".fields"
	for j := range ds.Fields {
		f := &ds.Fields[j]
		// A sound field, nearly every one, is checked without making its
		// path, which only a problem needs.
		if fieldSound(f) && seen.addNew(f.Name, j) {
			continue
		}
		q := idx(list, j)
		v.id(q, ".name", f.Name, "field", seen, j)
		if f.Column != "" {
			v.sqlIdent(q, ".column", f.Column, false)
		} else if f.Name != "" {
			v.sqlIdent(q, ".name", f.Name, false)
		}
		if f.Category == "" {
			v.add(q+".category", "missing: the category of personal data, such as identity, contact or online_identifier (Art. 30(1)(c))")
		}
	}
}

// fieldSound reports whether fields would find nothing wrong with f, but
// for its name being given twice.
func fieldSound(f *Field) bool {
	if f.Name == "" || !isID(f.Name) || f.Category == "" {
		return false
	}
	col := f.Column
	if col == "" {
		col = f.Name
	}
	return checkSQLIdent(col, false) == ""
}

// timeRef checks that name is a time column of ds.
func (v *validator) timeRef(path, name string, ds *Dataset) {
	if !v.timeNames.has(name) {
		names := make([]string, len(ds.Time))
		for i := range ds.Time {
			names[i] = ds.Time[i].Name
		}
		known := "the dataset declares none under time"
		if len(names) > 0 {
			known = "declared: " + strings.Join(names, ", ")
		}
		v.add(path, "%q is not a time column of dataset %q (%s)", name, ds.ID, known)
	}
}

// rule checks one retention rule and returns its ID after defaulting.
// Problems with the rule as a whole are reported at the field that would
// fix them (after, on, delete, anonymize), so that a value the loader could
// not read is not reported twice.
func (v *validator) rule(p string, ds *Dataset, r *Rule, ids map[string]int, j int) string {
	hasAfter := r.After != (Period{})
	switch {
	case hasAfter && r.On != "":
		v.add(p+".on", "a rule runs either after a period (after, from) or on an event (on), not both")
	case !hasAfter && r.On == "":
		v.add(p+".after", "missing: when the rule runs: after: <period> with from: <time column>, or on: <event>")
	}
	if hasAfter {
		if msg := validPeriod(r.After); msg != "" {
			v.add(p+".after", "%s", msg)
		}
		if r.From == "" {
			v.add(p+".from", "missing: the time column the period %s counts from", r.After)
		}
	}
	if r.From != "" {
		if r.On != "" {
			v.add(p+".from", "an event rule (on) counts from no time column; a statutory minimum names its own keep_at_least.from")
		} else {
			v.timeRef(p+".from", r.From, ds)
		}
	}
	if r.On != "" {
		if msg := checkID(string(r.On)); msg != "" {
			v.add(p+".on", "event %s", msg)
		}
	}
	switch {
	case r.Delete && len(r.Anonymize) > 0:
		v.add(p+".anonymize", "a rule either deletes or anonymizes, not both; write two rules")
	case !r.Delete && len(r.Anonymize) == 0:
		v.add(p+".delete", "missing: what the rule does: delete: true or anonymize: {field: operator}")
	}
	if len(r.Anonymize) > 0 {
		v.anonymize(p+".anonymize", ds, r.Anonymize)
	}
	if m := r.KeepAtLeast; m != nil {
		q := p + ".keep_at_least"
		if m.Period == (Period{}) {
			v.add(q+".period", "missing: the statutory minimum period, such as \"6y from year end\"")
		} else if msg := validPeriod(m.Period); msg != "" {
			v.add(q+".period", "%s", msg)
		}
		if strings.TrimSpace(m.Norm) == "" {
			v.add(q+".norm", "missing: the provision that imposes the minimum, such as § 147 AO")
		}
		switch {
		case m.From != "":
			v.timeRef(q+".from", m.From, ds)
		case r.From == "" && r.On != "":
			v.add(q+".from", "missing: the time column the minimum counts from (an event rule has no from of its own)")
		}
	}
	if r.Lead < 0 {
		v.add(p+".lead", "lead %s is negative", r.Lead)
	}
	id := r.ID
	if id == "" {
		id = r.DefaultID()
	}
	if r.ID != "" {
		if msg := checkID(r.ID); msg != "" {
			v.add(p+".id", "rule %s", msg)
			return id
		}
	}
	if first, dup := ids[id]; dup {
		v.add(p+".id", "rule id %q is already used by rule %d of this dataset; give one of them an id", id, first)
	} else {
		ids[id] = j
	}
	return id
}

// anonymize checks the field operations of a rule: each names a declared
// field once and a valid operator. An operator that does not null the field
// needs the dataset's marker column, because otherwise the engine cannot
// tell processed records from due ones (docs/DESIGN.md, "Sweeps cost what is due").
func (v *validator) anonymize(p string, ds *Dataset, ops []FieldOp) {
	seen := map[string]bool{}
	for k, fo := range ops {
		q := idx(p, k)
		switch {
		case fo.Field == "":
			v.add(q+".field", "missing: the field to anonymize")
		case !v.fieldNames.has(fo.Field):
			v.add(q+".field", "%q is not a field of dataset %q; declare it under fields", fo.Field, ds.ID)
		case seen[fo.Field]:
			v.add(q+".field", "field %q is anonymized twice in this rule", fo.Field)
		case ds.Key != "" && strings.EqualFold(fieldColumn(ds, fo.Field), ds.Key):
			v.add(q+".field", "field %q is stored in the key column %q of dataset %q, which no rule may change: the engine finds records by their key; anonymize another column or delete the record", fo.Field, ds.Key, ds.ID)
		}
		seen[fo.Field] = true
		if strings.TrimSpace(fo.Op) == "" {
			v.add(q+".op", "missing: the operator, such as null or \"ip_mask(v4=1, v6=80)\"")
			continue
		}
		spec, err := anonymize.Parse(fo.Op)
		if err != nil {
			v.addErr(q+".op", strings.TrimPrefix(err.Error(), "anonymize: "), err)
			continue
		}
		if !spec.Nulls() && ds.Marker == "" {
			v.add(q+".op", "operator %s keeps a value, so dataset %q needs a marker column to tell processed records from due ones (add marker: <column>); only null needs none", spec.Name(), ds.ID)
		}
	}
}

// fieldColumn returns the SQL column of the declared field name of ds, ""
// when there is none.
func fieldColumn(ds *Dataset, name string) string {
	for i := range ds.Fields {
		if ds.Fields[i].Name == name {
			return ds.Fields[i].ColumnName()
		}
	}
	return ""
}
