package policy

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
)

// IdentifierForm says what kind of identifier a field holds and how a
// value a data subject gives is normalised before it is compared
// (NormalizeIdentifier).
type IdentifierForm string

// The identifier forms.
const (
	// FormEmail is an e-mail address: the bare address, ASCII letters
	// lower-cased.
	FormEmail IdentifierForm = "email"
	// FormPhone is a telephone number in E.164 form: "+" and 8 to 15
	// digits.
	FormPhone IdentifierForm = "phone"
	// FormExact is any other identifier (a customer number, a citizen
	// ID), compared as given without surrounding space.
	FormExact IdentifierForm = "exact"
)

// identifierForms are the forms a declaration may use.
var identifierForms = []string{string(FormEmail), string(FormPhone), string(FormExact)}

// Identifier declares a field of a dataset that identifies the data
// subject, so that a request can be answered by what the person knows
// (Art. 12(2), 15(1)): dsar searches the field for the normalised value a
// requester gives.
type Identifier struct {
	// Field is the declared field (Field.Name) holding the identifier.
	Field string `yaml:"field" json:"field"`
	// Form is the identifier's form; values are normalised by it both when
	// the application stores them and when a requester gives one.
	Form IdentifierForm `yaml:"form" json:"form"`
	// Pseudonym, when set, names the key ring whose keyed pseudonym of the
	// normalised value the field holds instead of the value itself.
	Pseudonym string `yaml:"pseudonym,omitempty" json:"pseudonym,omitempty"`
}

// SubjectKey says how the subject column of a dataset is derived from an
// identifier: the keyed pseudonym, under the key ring Pseudonym, of the
// normalised identifier of form From. Without it the subject column holds
// the application's own ID of the person, compared as given.
type SubjectKey struct {
	From      IdentifierForm `yaml:"from" json:"from"`
	Pseudonym string         `yaml:"pseudonym" json:"pseudonym"`
}

// ErrIdentifier is returned by NormalizeIdentifier for a value that is
// not an identifier of the form; the message names the form, never the
// value.
var ErrIdentifier = errors.New("policy: not an identifier of the form")

// NormalizeIdentifier returns value in the normal form of form, the one
// applications store and compare:
//
//   - email: the bare address (no display name), ASCII letters
//     lower-cased. Only ASCII is folded: Unicode case folding maps
//     distinct addresses onto one (the Kelvin sign U+212A folds to "k"),
//     which would merge different people's records.
//   - phone: E.164, "+" and 8 to 15 digits; spaces, "-", "/", "." and
//     parentheses are dropped, a leading "00" becomes "+", and a national
//     number with a leading "0" takes the country code defaultCC (such
//     as "49"), which must then be given.
//   - exact: the value without surrounding space.
func NormalizeIdentifier(form IdentifierForm, value, defaultCC string) (string, error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return "", fmt.Errorf("%w %s: the value is empty", ErrIdentifier, form)
	}
	switch form {
	case FormEmail:
		addr, err := mail.ParseAddress(value)
		if err != nil || addr.Name != "" || addr.Address != value && "<"+addr.Address+">" != value || len(addr.Address) > 254 {
			return "", fmt.Errorf("%w email: want a bare address such as name@example.org", ErrIdentifier)
		}
		b := []byte(addr.Address)
		for i, c := range b {
			if c >= 'A' && c <= 'Z' {
				b[i] = c + 'a' - 'A'
			}
		}
		return string(b), nil
	case FormPhone:
		var digits strings.Builder
		plus := false
		for i, r := range value {
			switch {
			case r >= '0' && r <= '9':
				digits.WriteRune(r)
			case r == '+' && i == 0:
				plus = true
			case strings.ContainsRune(" -/.()", r):
			default:
				return "", fmt.Errorf("%w phone: only digits, a leading +, spaces, -, /, . and parentheses may appear", ErrIdentifier)
			}
		}
		d := digits.String()
		switch {
		case plus:
		case strings.HasPrefix(d, "00"):
			d = d[2:]
		case strings.HasPrefix(d, "0") && defaultCC != "":
			d = defaultCC + d[1:]
		default:
			return "", fmt.Errorf("%w phone: give the number with its country code, such as +49 4191 123456", ErrIdentifier)
		}
		if len(d) < 8 || len(d) > 15 || d[0] == '0' {
			return "", fmt.Errorf("%w phone: an international number has 8 to 15 digits after the + and the country code does not start with 0", ErrIdentifier)
		}
		return "+" + d, nil
	case FormExact:
		return value, nil
	}
	return "", fmt.Errorf("%w %q: the forms are %s", ErrIdentifier, form, strings.Join(identifierForms, ", "))
}

// IdentifierForms returns the forms the dataset's identifiers and subject
// key declare, each once, in declaration order.
func (ds *Dataset) IdentifierForms() []IdentifierForm {
	var out []IdentifierForm
	add := func(f IdentifierForm) {
		for _, have := range out {
			if have == f {
				return
			}
		}
		out = append(out, f)
	}
	if ds.SubjectKey != nil {
		add(ds.SubjectKey.From)
	}
	for _, id := range ds.Identifiers {
		add(id.Form)
	}
	return out
}

// identifiers checks the identifiers and subject key of ds.
func (v *validator) identifiers(p string, ds *Dataset) {
	if (len(ds.Identifiers) > 0 || ds.SubjectKey != nil) && ds.Subject == "" {
		v.add(p+".identifiers", "identifiers name the data subject's records, but the dataset has no subject column (subject:)")
	}
	for j, id := range ds.Identifiers {
		q := idx(p+".identifiers", j)
		if !v.fieldNames.has(id.Field) {
			v.add(q+".field", "%q is not a field of dataset %q", id.Field, ds.ID)
		}
		if !contains(identifierForms, string(id.Form)) {
			v.add(q+".form", "%q is not an identifier form (%s)", id.Form, oneOf(identifierForms...))
		}
		if id.Pseudonym != "" && !validRingName(id.Pseudonym) {
			v.add(q+".pseudonym", "%q is not a key ring name (letters, digits, _ and -)", id.Pseudonym)
		}
	}
	if sk := ds.SubjectKey; sk != nil {
		if !contains(identifierForms, string(sk.From)) {
			v.add(p+".subject_key.from", "%q is not an identifier form (%s)", sk.From, oneOf(identifierForms...))
		}
		if !validRingName(sk.Pseudonym) {
			v.add(p+".subject_key.pseudonym", "missing or not a key ring name: the ring whose keyed pseudonym of the identifier the subject column holds")
		}
	}
}

func validRingName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}
