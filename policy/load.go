package policy

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// MaxDeclarationSize is the largest declaration Load reads. A privacy
// declaration is a few kilobytes; anything near this size is a mistake.
const MaxDeclarationSize = 4 << 20

// LoadFile reads and validates the declaration in the YAML file at path. It
// is Load with the file's contents and path.
func LoadFile(path string) (*Declaration, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	defer f.Close()
	return Load(f, path)
}

// Load reads a declaration in YAML from r and validates it. filename is used
// in error messages and positions only.
//
// Load reports every problem at once: unknown keys (with a suggestion when
// one is close), values of the wrong type, unparsable periods and
// everything Validate checks. Each problem is an *Error with file, line,
// column, field path and reason, collected in an ErrorList that matches
// ErrInvalid. A declaration with any problem is rejected whole: Load then
// returns a nil Declaration (docs/DESIGN.md, "Rejected whole"). An error reading
// r is returned as it is, wrapped with the "policy:" prefix.
//
// The returned declaration is validated and remembers the position of every
// value, see [Declaration.Position]. YAML aliases and merge keys are
// refused, so every value has exactly one position.
//
// Problems are placed at the value they concern; a missing key is reported
// at the mapping that lacks it. Only an empty document has no position
// (Line 0); a YAML syntax error is reported at the line the parser names,
// or line 1 when the parser names none (it then concerns the first line).
func Load(r io.Reader, filename string) (*Declaration, error) {
	b, err := readDeclaration(r)
	if err != nil {
		return nil, fmt.Errorf("policy: reading %s: %w", filename, err)
	}
	if len(b) > MaxDeclarationSize {
		return nil, ErrorList{{File: filename, Line: 1, Column: 1,
			Reason: fmt.Sprintf("declaration is larger than %d bytes", MaxDeclarationSize)}}
	}
	return loadText(b, filename, false)
}

// readDeclaration reads r to its end, but at most one byte more than
// MaxDeclarationSize, into a string. It makes room at once for what r
// holds when r can tell (a file, a bytes or strings Reader), so that a
// large declaration is not copied again at every growth.
func readDeclaration(r io.Reader) (string, error) {
	var b strings.Builder
	switch r := r.(type) {
	case interface{ Len() int }:
		b.Grow(min(r.Len(), MaxDeclarationSize) + 1)
	case *os.File:
		if st, err := r.Stat(); err == nil && st.Mode().IsRegular() {
			b.Grow(int(min(st.Size(), MaxDeclarationSize)) + 1)
		}
	}
	_, err := io.Copy(&b, io.LimitReader(r, MaxDeclarationSize+1))
	return b.String(), err
}

// loadText is Load after reading; slowParse has yaml.v3 parse every
// declaration.
func loadText(b string, filename string, slowParse bool) (*Declaration, error) {
	l := &loader{file: filename, slowParse: slowParse}
	t, perr := l.parse(b)
	if perr != nil {
		return nil, ErrorList{perr}
	}
	l.t = t
	d := &Declaration{}
	l.declaration(&t.root, d)
	d.src = &source{file: filename, steps: l.steps}
	// Validate's complaints that follow from a problem the loader reported
	// are left out as Validate makes them, before it looks up where they
	// are: a declaration with a problem in every entry would otherwise
	// look up the position of as many complaints only to drop them.
	verr := d.validate(l.consequence)
	var vlist ErrorList
	if verr != nil && !errors.As(verr, &vlist) {
		// Validate returns only ErrorList; anything else is a bug worth
		// reporting rather than hiding.
		vlist = ErrorList{{File: filename, Reason: verr.Error()}}
	}
	all := append(l.errs, vlist...)
	if len(all) > 0 {
		all.sortByPosition()
		return nil, all
	}
	return d, nil
}

// loader walks a yaml.Node tree into a Declaration, collecting every problem
// and the position of every value.
type loader struct {
	file string
	// slowParse has every declaration parsed by yaml.v3, for the tests
	// that compare the two parsers.
	slowParse bool
	// t is the parsed declaration.
	t *tree
	// keys are the tables pairs finds duplicate keys of long mappings
	// with.
	keys keyTables
	errs ErrorList
	// steps are the paths of the values, with their positions.
	steps steps
	// failed lists the paths where decoding failed; Validate's complaints
	// about the same values (usually "missing") would only repeat them.
	failed []string
	// bad tells for a path whether decoding failed at it or inside it. It
	// is made from failed when Validate's first complaint is checked, in
	// its final size: a set grown one failure at a time cost a declaration
	// with a problem in every entry more per entry the more entries it
	// had.
	bad map[string]badness
}

// badness tells what failed at a path.
type badness uint8

const (
	// failedHere: decoding the value at the path failed.
	failedHere badness = 1 << iota
	// failedWithin: decoding failed at the path or at a path inside it.
	failedWithin
)

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parse checks the bytes and parses one YAML document.
func (l *loader) parse(b string) (*tree, *Error) {
	if e := l.checkText(b); e != nil {
		return nil, e
	}
	if !l.slowParse {
		if t := parseFast(b); t != nil {
			return t, nil
		}
	}
	dec := yaml.NewDecoder(strings.NewReader(b))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: l.file, Reason: "declaration is empty"}
		}
		return nil, l.syntaxError(b, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		line := extra.Line
		if line == 0 {
			line = 1
		}
		return nil, &Error{File: l.file, Line: line, Column: 1,
			Reason: "a declaration file holds exactly one YAML document; found a second one"}
	} else if !errors.Is(err, io.EOF) {
		return nil, l.syntaxError(b, err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return nil, &Error{File: l.file, Reason: "declaration is empty"}
		}
		root = root.Content[0]
	}
	if n := makeNode(root.Kind, tagOf(root.Tag), 0, 0); isNull(&n) {
		return nil, &Error{File: l.file, Line: max(root.Line, 1), Column: max(root.Column, 1),
			Reason: "declaration is empty"}
	}
	return fromYAML(root), nil
}

// checkText rejects bytes YAML does not allow, with their position; the
// YAML parser reports these without one. It steps over printable ASCII
// eight bytes at a time and looks only at the rest: line breaks and the
// few other characters. A problem's column is counted only when there is
// one, in characters from the start of its line.
func (l *loader) checkText(b string) *Error {
	line, start := 1, 0
	for i := 0; i < len(b); {
		i = skipPrintable(b, i)
		if i >= len(b) {
			break
		}
		if b[i] == '\n' {
			line, start = line+1, i+1
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(b[i:])
		var reason string
		switch {
		case r == utf8.RuneError && size <= 1:
			reason = fmt.Sprintf("invalid UTF-8 byte 0x%02x; a declaration is UTF-8 text", b[i])
		case r == 0xFEFF && i == 0:
			// A byte-order mark at the start is allowed.
		case !yamlPrintable(r):
			reason = fmt.Sprintf("character %U is not allowed in YAML", r)
		}
		if reason != "" {
			// Every character before it on the line is valid and no
			// line break, so each is one column.
			return &Error{File: l.file, Line: line, Column: 1 + utf8.RuneCountInString(b[start:i]), Reason: reason}
		}
		// CR LF is one line break; the LF ends the line.
		if isBreak(r) && !(r == '\r' && i+1 < len(b) && b[i+1] == '\n') {
			line, start = line+1, i+size
		}
		i += size
	}
	return nil
}

// skipPrintable returns the offset of the first byte at or after i that
// is not printable ASCII (0x20 to 0x7E), or len(s).
func skipPrintable(s string, i int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(s); i += 8 {
		x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		// A byte below 0x20, or one above 0x7E.
		if (x-0x20*ones)&^x&highs != 0 || (x+ones|x)&highs != 0 {
			break
		}
	}
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x7E {
		i++
	}
	return i
}

// isBreak reports whether r ends a line the way YAML counts lines: LF, CR
// (a CR LF pair counts once), NEL, LS and PS.
func isBreak(r rune) bool {
	return r == '\n' || r == '\r' || r == 0x85 || r == 0x2028 || r == 0x2029
}

// countLines returns the number of lines in b as YAML counts them.
func countLines(b []byte) int {
	n := 1
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if isBreak(r) && !(r == '\r' && i+1 < len(b) && b[i+1] == '\n') {
			n++
		}
		i += size
	}
	return n
}

// yamlPrintable reports whether r is in the YAML 1.2 c-printable set.
func yamlPrintable(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r >= 0x20 && r <= 0x7E:
		return true
	case r == 0x85:
		return true
	case r >= 0xA0 && r <= 0xD7FF:
		return true
	case r >= 0xE000 && r <= 0xFFFD:
		return r != 0xFEFF
	case r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}

// syntaxError turns a parser error into an *Error with a line.
func (l *loader) syntaxError(b string, err error) *Error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return &Error{File: l.file, Line: max(n, 1), Reason: "invalid YAML: " + m[2]}
	}
	reason := msg
	if len(reason) > 6 && reason[:6] == "yaml: " {
		reason = reason[6:]
	}
	// The parser names no line when the problem is on the first line, and
	// for an alias to an unknown anchor; find the alias in the text.
	line := 1
	if m := unknownAnchor.FindStringSubmatch(msg); m != nil {
		if i := strings.Index(b, "*"+m[1]); i >= 0 {
			line = 1 + strings.Count(b[:i], "\n")
		}
	}
	return &Error{File: l.file, Line: line, Reason: "invalid YAML: " + reason}
}

var unknownAnchor = regexp.MustCompile(`unknown anchor '(.*)' referenced`)

// consequence reports whether a problem Validate found follows from one
// the loader already reported: it concerns a value that could not be read
// or one inside it, or it says something is missing from a mapping in
// which something could not be read.
func (l *loader) consequence(path, reason string) bool {
	if len(l.failed) == 0 {
		return false
	}
	if l.bad == nil {
		l.bad = make(map[string]badness, 2*len(l.failed))
		for _, p := range l.failed {
			l.markBad(p)
		}
	}
	if l.bad[""]&failedHere != 0 {
		return true
	}
	missing := strings.HasPrefix(reason, "missing")
	parent := parentPath(path)
	// The enclosing paths, outermost first: where nothing failed within
	// one, nothing failed at any path inside it either.
	for i := 1; i < len(path); i++ {
		if path[i] != '.' && path[i] != '[' {
			continue
		}
		switch v := l.bad[path[:i]]; {
		case v&failedHere != 0:
			return true
		case v&failedWithin == 0:
			return false
		case missing && i == len(parent):
			return true
		}
	}
	return l.bad[path]&failedHere != 0
}

// markBad records that decoding failed at path, and within every path
// enclosing it.
func (l *loader) markBad(path string) {
	enclosing(path, func(p string) bool {
		v := l.bad[p]
		switch {
		case len(p) == len(path):
			l.bad[p] = v | failedHere | failedWithin
		case v&failedWithin == 0:
			l.bad[p] = v | failedWithin
		}
		// Where something failed within already, so it did within every
		// path enclosing it.
		return v&failedWithin == 0
	})
}

// enclosing calls fn with path and with every path enclosing it, innermost
// first, until fn returns false: for "datasets[0].fields.ip" those are
// "datasets[0].fields", "datasets[0]" and "datasets". A path encloses
// another that continues it with "." or "[".
func enclosing(path string, fn func(p string) bool) {
	if !fn(path) {
		return
	}
	for i := len(path) - 1; i > 0; i-- {
		if (path[i] == '.' || path[i] == '[') && !fn(path[:i]) {
			return
		}
	}
}

// fail records a decoding problem with the value at p, at node n.
// Validate's complaints about that value or anything inside it are not
// repeated.
func (l *loader) fail(n *node, p path, format string, args ...any) {
	l.failAt(n, l.pathString(p), format, args...)
}

// failAt is fail with the path written out.
func (l *loader) failAt(n *node, path, format string, args ...any) {
	l.problemAt(n, path, format, args...)
	l.failed = append(l.failed, path)
	if l.bad != nil {
		l.markBad(path)
	}
}

// problem records a decoding problem at node n that leaves the value at
// p usable (a key the mapping cannot have).
func (l *loader) problem(n *node, p path, format string, args ...any) {
	l.problemAt(n, l.pathString(p), format, args...)
}

// problemAt is problem with the path written out.
func (l *loader) problemAt(n *node, path, format string, args ...any) {
	l.errs = append(l.errs, &Error{File: l.file, Line: max(int(n.Line), 1), Column: int(n.column()),
		Path: path, Reason: fmt.Sprintf(format, args...)})
}

// mark records that the value at p was written at node n.
func (l *loader) mark(n *node, p path) {
	st := &l.steps.list[p]
	st.line, st.column, st.marked = n.Line, n.column(), true
}

// deref refuses aliases; it returns nil when n cannot be used.
func (l *loader) deref(n *node, path path) *node {
	if n.kind() == yaml.AliasNode {
		l.fail(n, path, "YAML aliases (*%s) are not supported in a declaration; write the value out", l.value(n))
		return nil
	}
	return n
}

func isNull(n *node) bool {
	return n.kind() == yaml.ScalarNode && n.tag() == tagNull
}

// value returns a scalar's text, or an alias's anchor name.
func (l *loader) value(n *node) string { return l.t.value(n) }

// content returns a collection's children.
func (l *loader) content(n *node) []node { return l.t.content(n) }

// kind names what a node is, for "expected X, got Y" messages.
func (l *loader) kind(n *node) string {
	switch n.kind() {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.tag() {
		case tagInt, tagFloat:
			return "the number " + l.value(n)
		case tagBool:
			return l.value(n)
		case tagNull:
			return "nothing"
		}
		return strconv.Quote(l.value(n))
	}
	return "an alias"
}
