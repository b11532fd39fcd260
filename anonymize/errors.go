package anonymize

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Sentinel errors. Every error returned by this package wraps one of them,
// so callers can tell the kinds apart with errors.Is.
var (
	// ErrSyntax reports an operator spec that is not well formed.
	ErrSyntax = errors.New("anonymize: syntax error")
	// ErrUnknownOperator reports a spec naming no registered operator.
	ErrUnknownOperator = errors.New("anonymize: unknown operator")
	// ErrBadParameter reports a parameter that is unknown, repeated,
	// missing or out of range.
	ErrBadParameter = errors.New("anonymize: bad parameter")
	// ErrUnkeyedHash reports a request for unkeyed hashing (sha256, md5,
	// hash, ...). It is refused: see [KeyRing] for why.
	ErrUnkeyedHash = errors.New("anonymize: unkeyed hashing is not offered; use pseudonym(key=...)")
	// ErrMissingKey reports that Build was not given the key ring a spec
	// names.
	ErrMissingKey = errors.New("anonymize: missing key ring")
	// ErrWeakKey reports a key secret shorter than [MinKeySize] bytes or a
	// malformed key ID.
	ErrWeakKey = errors.New("anonymize: weak or malformed key")
	// ErrInvalidInput reports a value the operator cannot process (for
	// example a string that is not an IP address). Operators return it
	// instead of passing the value through unchanged.
	ErrInvalidInput = errors.New("anonymize: invalid input")
	// ErrUnsupportedType reports a value of a Go type the operator does not
	// accept.
	ErrUnsupportedType = errors.New("anonymize: unsupported type")
	// ErrDuplicate reports a second registration of an operator name or a
	// repeated key ID.
	ErrDuplicate = errors.New("anonymize: duplicate")
)

// SpecError describes what is wrong with an operator spec. It names the
// operator and, where there is one, the parameter, and wraps one of
// ErrSyntax, ErrUnknownOperator, ErrBadParameter or ErrUnkeyedHash.
type SpecError struct {
	Spec     string // the spec as given
	Offset   int    // byte offset into Spec where the problem is, -1 if none
	Operator string // operator name, "" when the name itself is unreadable
	Param    string // parameter name, "" when the problem is not one parameter
	Reason   string // what is wrong, in plain words
	Err      error  // the sentinel
}

// Error returns "anonymize: <operator>: parameter <p>: <reason> (in spec "...")".
func (e *SpecError) Error() string {
	var b strings.Builder
	b.WriteString("anonymize: ")
	if e.Operator != "" {
		b.WriteString(e.Operator)
		b.WriteString(": ")
	}
	if e.Param != "" {
		b.WriteString("parameter ")
		b.WriteString(e.Param)
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	b.WriteString(" (in spec ")
	b.WriteString(strconv.Quote(e.Spec))
	if e.Offset >= 0 {
		b.WriteString(" at offset ")
		b.WriteString(strconv.Itoa(e.Offset))
	}
	b.WriteString(")")
	return b.String()
}

// Unwrap returns the sentinel.
func (e *SpecError) Unwrap() error { return e.Err }

// opError wraps a sentinel with the operator name and a reason that never
// contains the processed value.
type opError struct {
	op     string
	reason string
	err    error
}

func (e *opError) Error() string {
	return "anonymize: " + e.op + ": " + e.reason
}

func (e *opError) Unwrap() error { return e.err }

func invalid(op, reason string) error {
	return &opError{op: op, reason: reason, err: ErrInvalidInput}
}

func unsupported(op string, v any) error {
	return &opError{op: op, reason: "cannot apply to a value of type " + typeName(v), err: ErrUnsupportedType}
}

// typeName names the Go type of v without formatting v itself.
func typeName(v any) string { return fmt.Sprintf("%T", v) }
