package anonymize

import (
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Operator transforms one column value. v is nil, string, int64, float64,
// bool, []byte or time.Time (what a database column yields); nil maps to
// nil. A value the operator cannot process yields an error wrapping
// ErrInvalidInput or ErrUnsupportedType, never the value unchanged.
// Implementations are safe for concurrent use.
type Operator interface {
	Apply(v any) (any, error)
}

// OperatorFunc adapts a function to the Operator interface.
type OperatorFunc func(v any) (any, error)

// Apply calls f(v).
func (f OperatorFunc) Apply(v any) (any, error) { return f(v) }

// Constructor builds an operator from checked parameters. ring is the key
// ring named by the spec's key parameter, or nil when the operator has no
// key parameter.
type Constructor func(ring *KeyRing) (Operator, error)

// Param describes one parameter of an operator.
type Param struct {
	Name string // lower-case identifier
	// Default is used when the spec does not give the parameter; "" means
	// the parameter has no default.
	Default string
	// Required makes a spec without this parameter an error.
	Required bool
	// Positional allows the first argument of a spec to give this
	// parameter without its name, as in truncate_time(day). At most one
	// parameter of an operator, the first, may be positional.
	Positional bool
	// Key marks the parameter that names a key ring ([Spec.KeyName]).
	Key bool
	// Doc says what the parameter does, for listings.
	Doc string
}

// Definition describes an operator for a [Registry].
type Definition struct {
	Name   string  // lower-case identifier, e.g. "ip_mask"
	Doc    string  // one line saying what the operator does
	Params []Param // accepted parameters
	// Nulls marks the operator that always yields nil (see Spec.Nulls).
	Nulls bool
	// Compile checks the arguments and returns the operator's
	// constructor. It runs in Parse, so a bad parameter is reported when
	// a declaration loads. Errors should come from Args' methods or
	// Args.Errorf so that they name the operator and the parameter.
	Compile func(a Args) (Constructor, error)
}

func (d *Definition) positional() string {
	if len(d.Params) > 0 && d.Params[0].Positional {
		return d.Params[0].Name
	}
	return ""
}

func (d *Definition) param(name string) *Param {
	for i := range d.Params {
		if d.Params[i].Name == name {
			return &d.Params[i]
		}
	}
	return nil
}

// unkeyedHashes are names that suggest unkeyed hashing. They can be
// neither parsed nor registered: see KeyRing.
var unkeyedHashes = map[string]bool{
	"hash": true, "md5": true, "sha1": true, "sha224": true, "sha256": true, "sha384": true,
	"sha512": true, "sha3": true, "sha3_256": true, "sha3_512": true, "sha2": true, "blake2b": true,
	"blake2s": true, "blake3": true, "crc32": true, "crc64": true, "fnv": true, "xxhash": true,
	"murmur": true, "murmur3": true, "digest": true, "checksum": true, "hash_sha256": true,
	"sha256_hash": true, "hashed": true,
}

// Registry maps operator names to definitions. The zero Registry is empty;
// [NewRegistry] returns one holding the built-in operators, to which an
// application may add its own. A Registry is safe for concurrent use.
type Registry struct {
	mu   sync.RWMutex
	defs map[string]*Definition
}

// builtin holds the built-in operators. It is filled once, while the
// package initializes, and never changed afterwards; the package-level
// Parse and Operators use it.
var builtin = func() *Registry {
	r := &Registry{}
	for _, d := range builtinDefinitions() {
		if err := r.Register(d); err != nil {
			panic(err) // a built-in definition is wrong: a programming error caught by every test
		}
	}
	return r
}()

// NewRegistry returns a registry holding the built-in operators.
func NewRegistry() *Registry {
	r := &Registry{defs: make(map[string]*Definition, len(builtin.defs))}
	for k, d := range builtin.defs {
		r.defs[k] = d
	}
	return r
}

// Register adds an operator. It fails with ErrDuplicate if the name is
// taken, with ErrUnkeyedHash if the name suggests unkeyed hashing, and with
// ErrBadParameter if the definition is malformed.
func (r *Registry) Register(d Definition) error {
	bad := func(reason string) error {
		return &SpecError{Spec: d.Name, Offset: -1, Operator: d.Name, Reason: reason, Err: ErrBadParameter}
	}
	if !isIdent(d.Name) {
		return bad("operator name must be a lower-case identifier")
	}
	if unkeyedHashes[d.Name] {
		return &SpecError{Spec: d.Name, Offset: -1, Operator: d.Name, Reason: "unkeyed hashing cannot be registered", Err: ErrUnkeyedHash}
	}
	if d.Compile == nil {
		return bad("definition has no Compile function")
	}
	seen := map[string]bool{}
	keys := 0
	for i, p := range d.Params {
		if !isIdent(p.Name) || seen[p.Name] {
			return bad("parameter names must be distinct lower-case identifiers")
		}
		seen[p.Name] = true
		if p.Positional && i != 0 {
			return bad("only the first parameter may be positional")
		}
		if p.Key {
			keys++
		}
	}
	if keys > 1 {
		return bad("at most one parameter may name a key ring")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.defs == nil {
		r.defs = map[string]*Definition{}
	}
	if _, dup := r.defs[d.Name]; dup {
		return &SpecError{Spec: d.Name, Offset: -1, Operator: d.Name, Reason: "operator already registered", Err: ErrDuplicate}
	}
	dd := d
	dd.Params = append([]Param(nil), d.Params...)
	r.defs[d.Name] = &dd
	return nil
}

// Operators returns the names of the registered operators, sorted.
func (r *Registry) Operators() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.defs))
	for n := range r.defs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Definition returns the definition registered under name.
func (r *Registry) Definition(name string) (Definition, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	d, ok := r.defs[name]
	if !ok {
		return Definition{}, false
	}
	dd := *d
	dd.Params = append([]Param(nil), d.Params...)
	return dd, true
}

// Parse parses and checks an operator spec against the built-in operators.
// See [Registry.Parse].
func Parse(spec string) (*Spec, error) { return builtin.Parse(spec) }

// Operators returns the names of the built-in operators, sorted.
func Operators() []string { return builtin.Operators() }

// Parse parses an operator spec and checks it against the operator's
// definition. Errors are *SpecError values naming the operator and the
// parameter; a spec asking for unkeyed hashing fails with an error wrapping
// ErrUnkeyedHash.
func (r *Registry) Parse(spec string) (*Spec, error) {
	p, serr := parseSyntax(spec)
	if serr != nil {
		return nil, serr
	}
	fail := func(off int, param, reason string, err error) (*Spec, error) {
		return nil, &SpecError{Spec: spec, Offset: off, Operator: p.name, Param: param, Reason: reason, Err: err}
	}
	if unkeyedHashes[p.name] {
		return fail(p.nameOff, "", "unkeyed hashing is refused: a hash of an IP address, phone number or e-mail "+
			"address is reversed by hashing every candidate; use pseudonym(key=...)", ErrUnkeyedHash)
	}
	r.mu.RLock()
	d := r.defs[p.name]
	r.mu.RUnlock()
	if d == nil {
		return fail(p.nameOff, "", "unknown operator; known: "+strings.Join(r.Operators(), ", "), ErrUnknownOperator)
	}
	given := make(map[string]parsedArg, len(p.args))
	for i, a := range p.args {
		name := a.name
		if name == "" {
			if i != 0 || d.positional() == "" {
				return fail(a.offset, "", "value without a parameter name; write name=value", ErrBadParameter)
			}
			name = d.positional()
		}
		if d.param(name) == nil {
			return fail(a.offset, name, "unknown parameter; "+paramList(d), ErrBadParameter)
		}
		if _, dup := given[name]; dup {
			return fail(a.offset, name, "given twice", ErrBadParameter)
		}
		a.name = name
		given[name] = a
	}
	s := &Spec{def: d}
	for _, prm := range d.Params {
		if a, ok := given[prm.Name]; ok {
			s.args = append(s.args, arg{name: prm.Name, value: a.value})
		} else if prm.Required {
			return fail(-1, prm.Name, "required", ErrBadParameter)
		}
	}
	ctor, err := d.Compile(Args{spec: spec, def: d, given: given})
	if err != nil {
		return nil, err
	}
	s.ctor = ctor
	return s, nil
}

func paramList(d *Definition) string {
	if len(d.Params) == 0 {
		return "the operator takes no parameters"
	}
	names := make([]string, len(d.Params))
	for i, p := range d.Params {
		names[i] = p.Name
	}
	return "accepted: " + strings.Join(names, ", ")
}

func isIdent(s string) bool {
	if s == "" || !isIdentStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isIdentChar(s[i]) {
			return false
		}
	}
	return true
}

// Args gives an operator's Compile function the parameters of a spec.
type Args struct {
	spec  string
	def   *Definition
	given map[string]parsedArg
}

// Has reports whether the spec gave the parameter explicitly.
func (a Args) Has(name string) bool {
	_, ok := a.given[name]
	return ok
}

// String returns the parameter's value, or its default.
func (a Args) String(name string) string {
	if v, ok := a.given[name]; ok {
		return v.value
	}
	if p := a.def.param(name); p != nil {
		return p.Default
	}
	return ""
}

// Errorf returns a *SpecError wrapping ErrBadParameter that names the
// operator and the parameter.
func (a Args) Errorf(name, reason string) error {
	off := -1
	if v, ok := a.given[name]; ok {
		off = v.offset
	}
	return &SpecError{Spec: a.spec, Offset: off, Operator: a.def.Name, Param: name, Reason: reason, Err: ErrBadParameter}
}

// Int returns the parameter as an integer in [lo, hi].
func (a Args) Int(name string, lo, hi int) (int, error) {
	s := a.String(name)
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, a.Errorf(name, "must be an integer from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi)+", not "+strconv.Quote(s))
	}
	return n, nil
}

// Bool returns the parameter as a boolean ("true" or "false").
func (a Args) Bool(name string) (bool, error) {
	switch s := a.String(name); s {
	case "true":
		return true, nil
	case "false":
		return false, nil
	default:
		return false, a.Errorf(name, "must be true or false, not "+strconv.Quote(s))
	}
}

// Choice returns the parameter, which must be one of choices.
func (a Args) Choice(name string, choices ...string) (string, error) {
	s := a.String(name)
	for _, c := range choices {
		if s == c {
			return s, nil
		}
	}
	return "", a.Errorf(name, "must be one of "+strings.Join(choices, ", ")+", not "+strconv.Quote(s))
}
