package anonymize

import (
	"strconv"
	"strings"
)

// Spec is a parsed, checked operator spec such as "ip_mask(v4=1, v6=80)".
// A Spec is immutable and safe for concurrent use. Its parameters have been
// validated by the operator's definition, so [Spec.Build] can only fail for
// want of a key ring.
type Spec struct {
	def  *Definition
	args []arg // as given, in definition order
	ctor Constructor
}

// arg is one parameter as written in a spec.
type arg struct {
	name  string
	value string
}

// Name returns the operator name, e.g. "ip_mask".
func (s *Spec) Name() string { return s.def.Name }

// Nulls reports whether the operator always yields NULL, so that a backend
// may push it down as "SET col = NULL" instead of transforming values in Go.
// It is true only for the operator "null".
func (s *Spec) Nulls() bool { return s.def.Nulls }

// KeyName returns the name of the key ring the operator needs, or "" when it
// needs none.
func (s *Spec) KeyName() string {
	for _, p := range s.def.Params {
		if p.Key {
			for _, a := range s.args {
				if a.name == p.Name {
					return a.value
				}
			}
			return p.Default
		}
	}
	return ""
}

// Param returns the value of the named parameter as written in the spec,
// or its default, and whether the operator has such a parameter.
func (s *Spec) Param(name string) (string, bool) {
	for _, a := range s.args {
		if a.name == name {
			return a.value, true
		}
	}
	for _, p := range s.def.Params {
		if p.Name == name {
			return p.Default, true
		}
	}
	return "", false
}

// String returns the canonical form of the spec: the operator name, then
// the parameters that were given, in the order the operator defines them,
// as name=value (the leading positional parameter without its name), values
// quoted only where needed. Parse(s.String()) yields an equal Spec.
func (s *Spec) String() string {
	if len(s.args) == 0 {
		return s.def.Name
	}
	var b strings.Builder
	b.WriteString(s.def.Name)
	b.WriteByte('(')
	for i, a := range s.args {
		if i > 0 {
			b.WriteString(", ")
		}
		if !(i == 0 && s.def.positional() == a.name) {
			b.WriteString(a.name)
			b.WriteByte('=')
		}
		b.WriteString(quoteValue(a.value))
	}
	b.WriteByte(')')
	return b.String()
}

// Build returns the operator bound to its key ring, looked up in keys by
// [Spec.KeyName]. It fails with an error wrapping ErrMissingKey when the
// spec names a key ring that keys does not hold.
func (s *Spec) Build(keys map[string]*KeyRing) (Operator, error) {
	var ring *KeyRing
	if name := s.KeyName(); name != "" {
		ring = keys[name]
		if ring == nil {
			return nil, &opError{op: s.def.Name, reason: "no key ring named " + strconv.Quote(name), err: ErrMissingKey}
		}
	}
	return s.ctor(ring)
}

// parsed is the syntactic form of a spec before the registry checks it.
type parsed struct {
	name    string
	nameOff int
	args    []parsedArg
}

type parsedArg struct {
	name   string // "" for a positional value
	value  string
	offset int
}

// scanner reads the spec grammar:
//
//	spec  = name [ "(" [ arg { "," arg } ] ")" ]
//	arg   = [ ident "=" ] value
//	value = bare | quoted
//	bare  = 1*( letter | digit | "_" | "." | "-" | "+" | "/" | ":" | "@" )
//	quoted = Go-style double-quoted string
//
// with optional spaces between tokens.
type scanner struct {
	src string
	pos int
}

func (sc *scanner) skipSpace() {
	for sc.pos < len(sc.src) && (sc.src[sc.pos] == ' ' || sc.src[sc.pos] == '\t') {
		sc.pos++
	}
}

func isIdentStart(c byte) bool { return c >= 'a' && c <= 'z' || c == '_' }

func isIdentChar(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

func isBareChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	switch c {
	case '_', '.', '-', '+', '/', ':', '@':
		return true
	}
	return false
}

func (sc *scanner) ident() string {
	start := sc.pos
	if sc.pos < len(sc.src) && isIdentStart(sc.src[sc.pos]) {
		sc.pos++
		for sc.pos < len(sc.src) && isIdentChar(sc.src[sc.pos]) {
			sc.pos++
		}
	}
	return sc.src[start:sc.pos]
}

func (sc *scanner) errorf(op, param, reason string) *SpecError {
	return &SpecError{Spec: sc.src, Offset: sc.pos, Operator: op, Param: param, Reason: reason, Err: ErrSyntax}
}

// parseSyntax splits a spec into name and arguments.
func parseSyntax(src string) (*parsed, *SpecError) {
	sc := &scanner{src: src}
	sc.skipSpace()
	p := &parsed{nameOff: sc.pos}
	p.name = sc.ident()
	if p.name == "" {
		return nil, sc.errorf("", "", "expected an operator name (lower-case letters, digits and _)")
	}
	sc.skipSpace()
	if sc.pos == len(src) {
		return p, nil
	}
	if src[sc.pos] != '(' {
		return nil, sc.errorf(p.name, "", "expected \"(\" or end of spec after the operator name")
	}
	sc.pos++
	sc.skipSpace()
	if sc.pos < len(src) && src[sc.pos] == ')' {
		sc.pos++
		return p, sc.end(p.name)
	}
	for {
		sc.skipSpace()
		a := parsedArg{offset: sc.pos}
		save := sc.pos
		if id := sc.ident(); id != "" {
			sc.skipSpace()
			if sc.pos < len(src) && src[sc.pos] == '=' {
				sc.pos++
				sc.skipSpace()
				a.name = id
			} else {
				sc.pos = save
			}
		}
		v, err := sc.value(p.name, a.name)
		if err != nil {
			return nil, err
		}
		a.value = v
		p.args = append(p.args, a)
		sc.skipSpace()
		if sc.pos == len(src) {
			return nil, sc.errorf(p.name, "", "missing \")\"")
		}
		switch src[sc.pos] {
		case ',':
			sc.pos++
		case ')':
			sc.pos++
			return p, sc.end(p.name)
		default:
			return nil, sc.errorf(p.name, a.name, "expected \",\" or \")\" after a parameter value")
		}
	}
}

func (sc *scanner) end(op string) *SpecError {
	sc.skipSpace()
	if sc.pos != len(sc.src) {
		return sc.errorf(op, "", "unexpected text after \")\"")
	}
	return nil
}

func (sc *scanner) value(op, param string) (string, *SpecError) {
	if sc.pos == len(sc.src) {
		return "", sc.errorf(op, param, "missing value")
	}
	if sc.src[sc.pos] == '"' {
		end := sc.pos + 1
		for end < len(sc.src) && sc.src[end] != '"' {
			if sc.src[end] == '\\' {
				end++
			}
			end++
		}
		if end >= len(sc.src) {
			return "", sc.errorf(op, param, "unterminated quoted value")
		}
		v, err := strconv.Unquote(sc.src[sc.pos : end+1])
		if err != nil {
			return "", sc.errorf(op, param, "malformed quoted value")
		}
		sc.pos = end + 1
		return v, nil
	}
	start := sc.pos
	for sc.pos < len(sc.src) && isBareChar(sc.src[sc.pos]) {
		sc.pos++
	}
	if sc.pos == start {
		return "", sc.errorf(op, param, "missing value (quote values containing other characters)")
	}
	return sc.src[start:sc.pos], nil
}

// quoteValue writes v bare when the grammar allows it, quoted otherwise.
func quoteValue(v string) string {
	if v == "" {
		return `""`
	}
	for i := 0; i < len(v); i++ {
		if !isBareChar(v[i]) {
			return strconv.Quote(v)
		}
	}
	return v
}
