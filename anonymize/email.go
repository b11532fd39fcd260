package anonymize

import (
	"strings"
	"unicode/utf8"
)

// maskedLocal replaces the local part (and, if not kept, the domain) of a
// masked e-mail address. Its length does not depend on the input.
const maskedLocal = "***"

// MaskEmail replaces the local part of an e-mail address with "***" and,
// unless keepDomain is set, the domain too: "erika.mustermann@example.org"
// becomes "***@example.org" or "***@***". The domain is kept in lower
// case. Keeping the domain leaves the provider (or the employer, for a
// company domain) visible; whether that is acceptable is for the
// declaration to decide. A string that is not an e-mail address is an
// error wrapping ErrInvalidInput. MaskEmail is idempotent.
func MaskEmail(s string, keepDomain bool) (string, error) {
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return "", invalid("mask_email", "not an e-mail address: no @")
	}
	if !utf8.ValidString(s) {
		return "", invalid("mask_email", "not valid UTF-8")
	}
	local, domain := s[:at], s[at+1:]
	if !validLocal(local) {
		return "", invalid("mask_email", "not an e-mail address: malformed local part")
	}
	if !keepDomain {
		if domain != maskedLocal && !validDomain(domain) {
			return "", invalid("mask_email", "not an e-mail address: malformed domain")
		}
		return maskedLocal + "@" + maskedLocal, nil
	}
	if !validDomain(domain) {
		return "", invalid("mask_email", "not an e-mail address: malformed domain")
	}
	return maskedLocal + "@" + asciiLower(domain), nil
}

// validLocal accepts the dot-atom local parts of RFC 5322 (no quoted
// strings), up to 64 bytes.
func validLocal(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isLocalChar(s[i]) {
			return false
		}
	}
	return true
}

func isLocalChar(c byte) bool {
	if isASCIILetter(c) || isDigit(c) || c >= 0x80 {
		return true
	}
	return strings.IndexByte("!#$%&'*+/=?^_`{|}~.-", c) >= 0
}

// validDomain accepts host names of at least two labels of letters, digits
// and hyphens (or UTF-8, for internationalized names), up to 253 bytes.
func validDomain(s string) bool {
	if len(s) == 0 || len(s) > 253 {
		return false
	}
	labels := 0
	for s != "" {
		label := s
		if i := strings.IndexByte(s, '.'); i >= 0 {
			label, s = s[:i], s[i+1:]
			if s == "" {
				return false
			}
		} else {
			s = ""
		}
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(isASCIILetter(c) || isDigit(c) || c == '-' || c >= 0x80) {
				return false
			}
		}
		labels++
	}
	return labels >= 2
}

var maskEmailDefinition = Definition{
	Name:   "mask_email",
	Doc:    "replace the local part of an e-mail address (and optionally the domain) with ***",
	Params: []Param{{Name: "keep_domain", Positional: true, Default: "true", Doc: "keep the domain (true or false)"}},
	Compile: func(a Args) (Constructor, error) {
		keep, err := a.Bool("keep_domain")
		if err != nil {
			return nil, err
		}
		op := textOp{name: "mask_email", fn: func(s string) (string, error) { return MaskEmail(s, keep) }}
		return func(*KeyRing) (Operator, error) { return op, nil }, nil
	},
}

// asciiLower lowers A to Z only, so the length and validity of a name do
// not change.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if isUpper(s[i]) {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if isUpper(b[j]) {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
