package policy

import (
	"cmp"
	"errors"
	"slices"
	"strconv"
	"strings"
)

// ErrInvalid is matched by every error that Load, LoadFile and Validate
// return for a declaration that is wrong (errors.Is(err, ErrInvalid)), as
// opposed to a file that cannot be read.
var ErrInvalid = errors.New("policy: invalid declaration")

// Error is one problem in a declaration: where it is and what is wrong.
//
// Path is the field path in the Go model, always filled ("" only for a
// problem with the document as a whole): "datasets[1].rules[0].after".
// File, Line and Column are filled for declarations loaded from YAML; Line
// and Column start at 1. Line is 0 only when the input has no position to
// point at (an empty file) or for declarations built in Go.
type Error struct {
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	Path   string `json:"path"`
	Reason string `json:"reason"`

	// err is the underlying cause, if any (an anonymize.SpecError).
	err error
}

// Error formats the problem as "file:line:col: path: reason", leaving out
// the parts that are unknown.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(":")
	}
	if e.Line > 0 {
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteString(":")
		if e.Column > 0 {
			b.WriteString(strconv.Itoa(e.Column))
			b.WriteString(":")
		}
	}
	if b.Len() > 0 {
		b.WriteString(" ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// Is reports whether target is ErrInvalid.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

// Unwrap returns the underlying cause, such as an error of package
// anonymize wrapping anonymize.ErrUnkeyedHash, or nil.
func (e *Error) Unwrap() error { return e.err }

// Position returns where the problem is.
func (e *Error) Position() Position {
	return Position{File: e.File, Line: e.Line, Column: e.Column}
}

// ErrorList is every problem found in a declaration. Load and Validate
// return a non-empty ErrorList, never a partial result; a declaration with
// any problem is rejected whole (docs/DESIGN.md, "Rejected whole").
type ErrorList []*Error

// Error prints one problem per line.
func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "policy: no errors"
	case 1:
		return l[0].Error()
	}
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap returns the individual errors, so that errors.As finds an *Error
// and errors.Is finds ErrInvalid.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// sortByPosition orders the list by file position, keeping the order of
// errors at the same place. The loader finds problems in file order, so a
// list that is in order already, checked in one pass, is left as it is.
func (l ErrorList) sortByPosition() {
	if slices.IsSortedFunc(l, comparePositions) {
		return
	}
	slices.SortStableFunc(l, comparePositions)
}

// comparePositions orders errors by line, then column.
func comparePositions(a, b *Error) int {
	if c := cmp.Compare(a.Line, b.Line); c != 0 {
		return c
	}
	return cmp.Compare(a.Column, b.Column)
}

// errorsAt collects problems and fills their positions from a loaded
// declaration's source map.
type errorsAt struct {
	d    *Declaration
	list ErrorList
	// skip, when not nil, leaves out the problems for which it returns
	// true, before their position is looked up.
	skip func(path, reason string) bool
	// skipped is set when skip left a problem out.
	skipped bool
}

// add records a problem and returns it, or nil when skip leaves it out.
func (c *errorsAt) add(path, reason string) *Error {
	if c.skip != nil && c.skip(path, reason) {
		c.skipped = true
		return nil
	}
	e := &Error{Path: path, Reason: reason}
	if c.d != nil && c.d.src != nil {
		pos := c.d.Position(path)
		e.File, e.Line, e.Column = pos.File, pos.Line, pos.Column
	}
	c.list = append(c.list, e)
	return e
}
