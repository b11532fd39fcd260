package anonymize

import "strings"

// MaskPhone replaces the subscriber part of a phone number with "***". With
// keepArea it keeps the country code and the area code, otherwise only the
// country code: "+49 5423 123456" becomes "+49 5423 ***" or "+49 ***",
// "05423/123456" becomes "05423 ***" or "***".
//
// The country code is read from a leading "+" or "00" by the ITU-T E.164
// assignments; the area code is the first group of digits when the number
// is written in groups ("(0)" trunk prefixes are skipped). A number written
// without grouping keeps its country code only, since an area code cannot
// be told from the subscriber number without a numbering plan; this errs on
// the side of removing more. Input other than digits, spaces and
// "+-/.()" , or with fewer than 5 or more than 15 digits, is an error
// wrapping ErrInvalidInput. MaskPhone is idempotent.
func MaskPhone(s string, keepArea bool) (string, error) {
	groups, intl, err := phoneGroups(s)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow(16)
	if intl {
		// The first group begins with the country code.
		first := groups[0]
		cc := countryCodeLen(first)
		if cc >= len(first) {
			groups = groups[1:]
		} else {
			groups[0] = first[cc:]
		}
		b.WriteByte('+')
		b.WriteString(first[:cc])
		b.WriteByte(' ')
	}
	if keepArea && len(groups) > 1 && groups[0] != maskedLocal {
		b.WriteString(groups[0])
		b.WriteByte(' ')
	}
	b.WriteString(maskedLocal)
	return b.String(), nil
}

// phoneGroups splits a phone number into digit groups. intl reports a
// leading "+" or "00", which is removed from the first group. A trailing
// "***" group (an already masked number) is kept as a group.
func phoneGroups(s string) (groups []string, intl bool, err error) {
	rest := strings.TrimLeft(s, " -/.()")
	if strings.HasPrefix(rest, "+") {
		intl, rest = true, rest[1:]
	} else if strings.HasPrefix(rest, "00") {
		intl, rest = true, rest[2:]
	}
	digits, masked := 0, false
	for i := 0; i < len(rest); {
		c := rest[i]
		switch {
		case isDigit(c):
			j := i
			for j < len(rest) && isDigit(rest[j]) {
				j++
			}
			g := rest[i:j]
			if masked {
				return nil, false, invalid("mask_phone", "digits after the masked part")
			}
			// "(0)" is the trunk prefix written next to a country code.
			if !(intl && g == "0" && i > 0 && rest[i-1] == '(' && j < len(rest) && rest[j] == ')') {
				groups = append(groups, g)
				digits += len(g)
			}
			i = j
		case c == '*':
			if !strings.HasPrefix(rest[i:], maskedLocal) || masked {
				return nil, false, invalid("mask_phone", "not a phone number: unexpected *")
			}
			groups = append(groups, maskedLocal)
			masked = true
			i += len(maskedLocal)
		case c == ' ' || c == '-' || c == '/' || c == '.' || c == '(' || c == ')':
			i++
		default:
			return nil, false, invalid("mask_phone", "not a phone number: unexpected character")
		}
	}
	if intl && (len(groups) == 0 || groups[0][0] == '0' || groups[0] == maskedLocal) {
		return nil, false, invalid("mask_phone", "not a phone number: no country code after + or 00")
	}
	if masked {
		if len(groups) == 0 || groups[len(groups)-1] != maskedLocal {
			return nil, false, invalid("mask_phone", "not a phone number")
		}
		if intl && len(groups) < 2 {
			return nil, false, invalid("mask_phone", "not a phone number: no country code")
		}
		return groups, intl, nil
	}
	if digits < 5 || digits > 15 {
		return nil, false, invalid("mask_phone", "not a phone number: needs 5 to 15 digits")
	}
	return groups, intl, nil
}

// countryCodeLen returns the length of the E.164 country code at the start
// of digits: 1 and 7 are one digit, the zones 2 to 9 have the two-digit
// codes listed below, all others three digits.
func countryCodeLen(digits string) int {
	if digits == "" {
		return 0
	}
	switch digits[0] {
	case '1', '7':
		return 1
	}
	if len(digits) < 2 {
		return len(digits)
	}
	switch digits[:2] {
	case "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47", "48", "49",
		"51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65", "66",
		"81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98":
		return 2
	}
	if len(digits) < 3 {
		return len(digits)
	}
	return 3
}

var maskPhoneDefinition = Definition{
	Name:   "mask_phone",
	Doc:    "replace the subscriber part of a phone number with ***",
	Params: []Param{{Name: "keep_area", Positional: true, Default: "false", Doc: "keep the area code as well as the country code (true or false)"}},
	Compile: func(a Args) (Constructor, error) {
		keep, err := a.Bool("keep_area")
		if err != nil {
			return nil, err
		}
		op := textOp{name: "mask_phone", fn: func(s string) (string, error) { return MaskPhone(s, keep) }}
		return func(*KeyRing) (Operator, error) { return op, nil }, nil
	},
}
