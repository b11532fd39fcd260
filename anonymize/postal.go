package anonymize

// PostalPrefix generalizes a postal code to its first n letters or digits:
// with n = 2 the German "24568" becomes "24", a region of several hundred
// thousand people (the first digit names a zone, the first two a region).
// Spaces and hyphens are dropped; a code of n or fewer characters is
// already general enough and returned without separators. Input with other
// characters, or longer than 10, is an error wrapping ErrInvalidInput.
// PostalPrefix is idempotent.
func PostalPrefix(s string, n int) (string, error) {
	var buf [10]byte
	k := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c) || isASCIILetter(c):
			if k == len(buf) {
				return "", invalid("postal_code", "not a postal code: too long")
			}
			buf[k] = c
			k++
		case c == ' ' || c == '-':
		default:
			return "", invalid("postal_code", "not a postal code: unexpected character")
		}
	}
	if k == 0 {
		return "", invalid("postal_code", "not a postal code: empty")
	}
	if k > n {
		k = n
	}
	return string(buf[:k]), nil
}

var postalCodeDefinition = Definition{
	Name:   "postal_code",
	Doc:    "keep the leading digits of a postal code",
	Params: []Param{{Name: "digits", Positional: true, Default: "2", Doc: "number of leading characters kept, 1 to 5"}},
	Compile: func(a Args) (Constructor, error) {
		n, err := a.Int("digits", 1, 5)
		if err != nil {
			return nil, err
		}
		op := textOp{name: "postal_code", fn: func(s string) (string, error) { return PostalPrefix(s, n) }}
		return func(*KeyRing) (Operator, error) { return op, nil }, nil
	},
}
