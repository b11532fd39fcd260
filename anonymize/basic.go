package anonymize

import (
	"strconv"
	"time"
)

// Null is the operator that replaces every value with nil (SQL NULL). Its
// spec, "null", is the only one for which Spec.Nulls reports true.
type Null struct{}

// Apply returns nil.
func (Null) Apply(any) (any, error) { return nil, nil }

// DefaultRedaction is the text that redact writes by default.
const DefaultRedaction = "[REDACTED]"

// Redact replaces every non-nil value with a constant that does not depend
// on the input: Text for strings and []byte, zero for numbers, false for
// booleans. A time.Time cannot be redacted to a constant without inventing
// a date; it is an error (use null or truncate_time).
type Redact struct {
	Text string
}

// Apply returns the redaction constant for v's type.
func (r Redact) Apply(v any) (any, error) {
	switch v.(type) {
	case nil:
		return nil, nil
	case string:
		return r.Text, nil
	case []byte:
		return []byte(r.Text), nil
	case int64:
		return int64(0), nil
	case int:
		return 0, nil
	case float64:
		return float64(0), nil
	case bool:
		return false, nil
	case time.Time:
		return nil, &opError{op: "redact", reason: "a timestamp has no constant redaction; use null or truncate_time", err: ErrUnsupportedType}
	}
	return nil, unsupported("redact", v)
}

// Pseudonymize is the operator that replaces a value with its keyed
// pseudonym under Ring (see KeyRing.Pseudonym). Strings and []byte are
// pseudonymized as they are; integers in decimal, so the pseudonym of
// int64(42) equals that of "42"; booleans, floats and timestamps are
// refused as too small a space to hide in or too unlike an identifier.
// The result is always a string.
type Pseudonymize struct {
	Ring *KeyRing
}

// Apply returns the pseudonym of v.
func (p Pseudonymize) Apply(v any) (any, error) {
	if p.Ring == nil {
		return nil, &opError{op: "pseudonym", reason: "no key ring", err: ErrMissingKey}
	}
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		return p.Ring.Pseudonym(x), nil
	case []byte:
		return p.Ring.Pseudonym(string(x)), nil
	case int64:
		var b [20]byte
		return p.Ring.Pseudonym(string(strconv.AppendInt(b[:0], x, 10))), nil
	case int:
		var b [20]byte
		return p.Ring.Pseudonym(string(strconv.AppendInt(b[:0], int64(x), 10))), nil
	}
	return nil, unsupported("pseudonym", v)
}

func builtinDefinitions() []Definition {
	return []Definition{
		{
			Name:  "null",
			Doc:   "replace the value with NULL",
			Nulls: true,
			Compile: func(Args) (Constructor, error) {
				return func(*KeyRing) (Operator, error) { return Null{}, nil }, nil
			},
		},
		{
			Name:   "redact",
			Doc:    "replace the value with a constant (text for strings, zero for numbers)",
			Params: []Param{{Name: "text", Positional: true, Default: DefaultRedaction, Doc: "replacement text"}},
			Compile: func(a Args) (Constructor, error) {
				r := Redact{Text: a.String("text")}
				return func(*KeyRing) (Operator, error) { return r, nil }, nil
			},
		},
		{
			Name:   "pseudonym",
			Doc:    "replace the value with its keyed HMAC-SHA-256 pseudonym \"<key id>:<mac>\"",
			Params: []Param{{Name: "key", Positional: true, Required: true, Key: true, Doc: "name of the key ring"}},
			Compile: func(a Args) (Constructor, error) {
				if !isIdent(a.String("key")) && !validKeyID(a.String("key")) {
					return nil, a.Errorf("key", "must name a key ring (letters, digits, '-', '_', '.')")
				}
				return func(r *KeyRing) (Operator, error) { return Pseudonymize{Ring: r}, nil }, nil
			},
		},
		ipMaskDefinition,
		maskEmailDefinition,
		maskPhoneDefinition,
		initialsDefinition,
		scrubDefinition,
		truncateTimeDefinition,
		birthYearDefinition,
		ageBandDefinition,
		postalCodeDefinition,
		userAgentDefinition,
	}
}
