package policy

import (
	"fmt"
	"regexp"
	"strings"
)

// MaxIdentifierLength is the longest SQL identifier a declaration may name,
// PostgreSQL's limit (NAMEDATALEN-1) in bytes.
const MaxIdentifierLength = 63

// checkSQLIdent reports why s is not a plain SQL identifier: letters,
// digits and underscores, not starting with a digit, at most 63 bytes. With
// schema, one "schema." prefix is allowed. Backends still quote every
// identifier; this check makes sure no declaration can smuggle SQL into a
// statement in the first place (docs/DESIGN.md, "Rejected whole").
func checkSQLIdent(s string, schema bool) string {
	if schema {
		if a, b, ok := strings.Cut(s, "."); ok {
			if r := checkSQLIdent(a, false); r != "" {
				return "schema " + r
			}
			if r := checkSQLIdent(b, false); r != "" {
				return r
			}
			return ""
		}
	}
	if s == "" {
		return "is empty"
	}
	if len(s) > MaxIdentifierLength {
		return fmt.Sprintf("%q is longer than %d bytes", s, MaxIdentifierLength)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case c >= '0' && c <= '9':
			if i == 0 {
				return fmt.Sprintf("%q starts with a digit", s)
			}
		default:
			what := fmt.Sprintf("%q", string(rune(c)))
			if c >= 0x80 {
				what = "non-ASCII characters"
			}
			return fmt.Sprintf("%q contains %s; an SQL identifier has only letters, digits and underscores", s, what)
		}
	}
	return ""
}

// checkID reports why s is not a usable identifier for purposes,
// recipients, datasets, time columns, fields, rules and events: a letter or
// digit, then letters, digits, "_", "-" or ".", at most 64 bytes. These
// IDs appear in audit entries and URLs, so they are kept plain.
func checkID(s string) string {
	if s == "" {
		return "is empty"
	}
	if !isID(s) {
		return fmt.Sprintf("%q is not an identifier (letters, digits, _ - and ., starting with a letter or digit, at most 64 bytes)", s)
	}
	return ""
}

// isID reports whether s is a letter or digit followed by at most 63
// letters, digits, "_", "-" or ".". Checked byte by byte: a declaration
// has an ID for every field, and a regular expression cost Validate a
// tenth of its time.
func isID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case (c == '_' || c == '-' || c == '.') && i > 0:
		default:
			return false
		}
	}
	return true
}

var countryPattern = regexp.MustCompile(`^[A-Z]{2}$`)

var sha256Pattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

var articleForm = regexp.MustCompile(`^(?:Art\.?\s*)?(6|9)\s*\(\s*([12])\s*\)\s*\(?\s*([a-j])\s*\)?$`)

// basisHint suggests the declaration's notation for a legal basis written
// the way the GDPR cites it ("6(1)(a)" → "6.1.a").
func basisHint(s string) string {
	if m := articleForm.FindStringSubmatch(strings.TrimSpace(s)); m != nil {
		return " (write " + m[1] + "." + m[2] + "." + m[3] + ")"
	}
	return ""
}

// validBasis reports whether b is one of Art. 6(1)(a)–(f).
func validBasis(b Basis) bool {
	return len(b) == 5 && b[:4] == "6.1." && b[4] >= 'a' && b[4] <= 'f'
}

// validCondition reports whether c is one of Art. 9(2)(a)–(j).
func validCondition(c SpecialCondition) bool {
	return len(c) == 5 && c[:4] == "9.2." && c[4] >= 'a' && c[4] <= 'j'
}

// validPeriod reports why p is not a usable period, or "".
func validPeriod(p Period) string {
	if p.N <= 0 || p.N > maxPeriodN {
		return fmt.Sprintf("period count %d is not between 1 and %d", p.N, maxPeriodN)
	}
	if p.Unit < Hours || p.Unit > Years {
		return fmt.Sprintf("period unit %d is not one of h, d, w, mo, y", p.Unit)
	}
	if tooLong(p) {
		return fmt.Sprintf("period %s is too long: frist enforces periods of at most %dy (%d months)", p, MaxYears, 12*MaxYears)
	}
	return ""
}

// oneOf formats the allowed values for a message.
func oneOf[T ~string](vals ...T) string {
	s := make([]string, len(vals))
	for i, v := range vals {
		s[i] = string(v)
	}
	return "one of " + strings.Join(s, ", ")
}

// contains reports whether v is in vals.
func contains[T comparable](vals []T, v T) bool {
	for _, x := range vals {
		if x == v {
			return true
		}
	}
	return false
}

var (
	roles         = []RecipientRole{RoleProcessor, RoleController, RolePublicBody, RoleJointController}
	disclosures   = []Disclosure{DisclosureRoutine, DisclosureCaseByCase}
	channelKinds  = []ChannelKind{ChannelLink, ChannelEmail, ChannelPost, ChannelPhone, ChannelInPerson, ChannelForm, ChannelOptOutCookie, ChannelCookie}
	timeFormats   = []TimeFormat{TimeNative, TimeUnix, TimeUnixMs, TimeRFC3339}
	necessities   = []CookieNecessity{StrictlyNecessary, ConsentBased}
	fileFormats   = []string{"common", "combined", "jsonl"}
	knownRights   = []Right{RightAccess, RightRectification, RightErasure, RightRestriction, RightPortability, RightObjection, RightWithdrawal, RightComplaint}
	cookieFirstPt = "first_party"
)
