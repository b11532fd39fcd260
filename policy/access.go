package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"
)

// Position is a place in a declaration file. Line and Column start at 1;
// the zero Position means "unknown" (declarations built in Go).
type Position struct {
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
}

// source records where each field path of a loaded declaration came from:
// the loader's table of paths, in which it marks the position of each
// value as it walks the YAML, in the order it meets them. Loading a valid
// declaration never asks for a position; one with a few problems, or a
// few lint findings, asks a few times, and a map of every value's path,
// filled one cache miss at a time, cost a large declaration more than all
// the rest of loading it. So the first lookups go through the table, and
// the map is built only once more are asked for, when it is the cheaper
// of the two.
type source struct {
	file  string
	steps steps
	// scans counts the lookups made by going through the table.
	scans atomic.Int32
	once  sync.Once
	pos   map[string]Position
}

// maxScans is the number of lookups that go through the table of paths
// before the map is built. Going through the table once costs about as
// much as a tenth of building the map; Position looks up a path and
// each path enclosing it until one has a position.
const maxScans = 16

// lookup returns the position recorded for exactly the path want; of several
// marked paths written the same, the last one's. It may be called from
// several goroutines at once.
func (s *source) lookup(want string) (Position, bool) {
	list := s.steps.list
	if s.scans.Load() < maxScans && s.scans.Add(1) <= maxScans {
		for i := len(list) - 1; i >= 0; i-- {
			if st := &list[i]; st.marked && s.steps.matches(path(i), want) {
				return Position{File: s.file, Line: int(st.line), Column: int(st.column)}, true
			}
		}
		return Position{}, false
	}
	s.once.Do(func() {
		paths := s.steps.all()
		s.pos = make(map[string]Position, len(list))
		for i, p := range paths {
			if st := &list[i]; st.marked {
				s.pos[p] = Position{File: s.file, Line: int(st.line), Column: int(st.column)}
			}
		}
	})
	pos, ok := s.pos[want]
	return pos, ok
}

// Position returns where the value at the field path (as in errors and
// findings: "datasets[1].rules[0].after") was written, or the zero Position
// when unknown. For a path without its own position it returns the
// position of the nearest enclosing value.
func (d *Declaration) Position(path string) Position {
	if d == nil || d.src == nil {
		return Position{}
	}
	for p := path; ; {
		if pos, ok := d.src.lookup(p); ok {
			return pos
		}
		q := parentPath(p)
		if q == p {
			return Position{File: d.src.file}
		}
		p = q
	}
}

// parentPath strips the last element of a field path.
func parentPath(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		switch p[i] {
		case '.':
			return p[:i]
		case '[':
			return p[:i]
		}
	}
	if p == "" {
		return p
	}
	return ""
}

// Location returns the controller's time zone, UTC when none is declared.
// It is valid after Validate.
func (d *Declaration) Location() *time.Location {
	if d.loc == nil {
		return time.UTC
	}
	return d.loc
}

// Hash returns the hex SHA-256 of the declaration's canonical JSON form. The
// audit log records it with each entry, so an auditor can tell which
// declaration was in force.
func (d *Declaration) Hash() string {
	b, err := json.Marshal(d)
	if err != nil {
		// The model holds only strings, numbers, booleans and slices of
		// them; Marshal cannot fail.
		panic("policy: cannot encode declaration: " + err.Error())
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Dataset returns the dataset with id, or nil.
func (d *Declaration) Dataset(id string) *Dataset {
	for i := range d.Datasets {
		if d.Datasets[i].ID == id {
			return &d.Datasets[i]
		}
	}
	return nil
}

// Purpose returns the purpose with id, or nil.
func (d *Declaration) Purpose(id string) *Purpose {
	for i := range d.Purposes {
		if d.Purposes[i].ID == id {
			return &d.Purposes[i]
		}
	}
	return nil
}

// Recipient returns the recipient with id, or nil.
func (d *Declaration) Recipient(id string) *Recipient {
	for i := range d.Recipients {
		if d.Recipients[i].ID == id {
			return &d.Recipients[i]
		}
	}
	return nil
}

// Field returns the field with name, or nil.
func (ds *Dataset) Field(name string) *Field {
	for i := range ds.Fields {
		if ds.Fields[i].Name == name {
			return &ds.Fields[i]
		}
	}
	return nil
}

// TimeColumn returns the time column with name, or nil.
func (ds *Dataset) TimeColumn(name string) *TimeColumn {
	for i := range ds.Time {
		if ds.Time[i].Name == name {
			return &ds.Time[i]
		}
	}
	return nil
}

// Rule returns the rule with id, or nil.
func (ds *Dataset) Rule(id string) *Rule {
	for i := range ds.Rules {
		if ds.Rules[i].ID == id {
			return &ds.Rules[i]
		}
	}
	return nil
}

// ColumnName returns the SQL column of the field, its Column or its Name.
func (f *Field) ColumnName() string {
	if f.Column != "" {
		return f.Column
	}
	return f.Name
}

// ColumnName returns the SQL column of the time column, its Column or its
// Name.
func (c *TimeColumn) ColumnName() string {
	if c.Column != "" {
		return c.Column
	}
	return c.Name
}

// Validated reports whether Validate succeeded on d. Engines refuse
// declarations that are not validated.
func (d *Declaration) Validated() bool { return d != nil && d.validated }

// Location returns the time zone of the column's wall-clock values
// (TimeColumn.Zone), nil when none is declared. The zone of a validated
// declaration always loads.
func (c *TimeColumn) Location() *time.Location {
	if c.Zone == "" {
		return nil
	}
	loc, err := time.LoadLocation(c.Zone)
	if err != nil {
		return nil
	}
	return loc
}
