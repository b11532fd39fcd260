package anonymize

import (
	"net/netip"
	"strings"
)

// Kind is a kind of personal data that Scrub finds in free text.
type Kind uint8

// The kinds of personal data Scrub replaces, with their placeholders.
const (
	KindEmail Kind = iota + 1 // [EMAIL]: e-mail addresses
	KindPhone                 // [PHONE]: phone numbers starting with +, 00 or 0
	KindIBAN                  // [IBAN]: IBANs with a valid check sum, with or without spaces
	KindIP                    // [IP]: IPv4 and IPv6 addresses
	KindDate                  // [DATE]: calendar dates (17.05.1980, 17. Mai 1980, 1980-05-17)
	KindTaxID                 // [TAXID]: German tax IDs (Steuer-IdNr.) with a valid check digit
)

var placeholders = [...]string{"", "[EMAIL]", "[PHONE]", "[IBAN]", "[IP]", "[DATE]", "[TAXID]"}

// Placeholder returns the text that replaces data of kind k, e.g. "[EMAIL]".
func (k Kind) Placeholder() string {
	if int(k) < len(placeholders) {
		return placeholders[k]
	}
	return "[?]"
}

// String returns the placeholder without brackets, e.g. "EMAIL".
func (k Kind) String() string { return strings.Trim(k.Placeholder(), "[]") }

// Match is a piece of personal data found in a text: s[Start:End] is of
// kind Kind.
type Match struct {
	Start, End int
	Kind       Kind
}

// Scrub replaces the personal data it finds in free text with typed
// placeholders: e-mail addresses with [EMAIL], phone numbers with [PHONE],
// IBANs with [IBAN], IP addresses with [IP], calendar dates with [DATE] and
// German tax IDs with [TAXID]. Dates are replaced whatever they date, since
// a scanner cannot tell a date of birth from another date. Where a pattern
// is ambiguous the scanner errs towards removing (groups of an IBAN with a
// wrong check sum that read as a phone number are replaced); text that
// looks like a number or an address but is none as a whole ("1.2.3.4.5",
// 16 digits in groups) is left whole rather than cut into findings. Text
// without findings is returned as it is. Scrub is idempotent:
// Scrub(Scrub(s)) == Scrub(s), which the fuzz target FuzzScrub checks.
//
// Scrubbing removes the identifiers that have a recognizable form; it does
// not find names, addresses or descriptions of a person's situation, so
// scrubbed free text is in general still personal data (GDPR Recital 26).
func Scrub(s string) string {
	var b []byte
	last := 0
	scan(s, func(m Match) {
		if b == nil {
			b = make([]byte, 0, len(s))
		}
		b = append(b, s[last:m.Start]...)
		b = append(b, m.Kind.Placeholder()...)
		last = m.End
	})
	if b == nil {
		return s
	}
	b = append(b, s[last:]...)
	return string(b)
}

// Find returns the personal data Scrub would replace, in order.
func Find(s string) []Match {
	var ms []Match
	scan(s, func(m Match) { ms = append(ms, m) })
	return ms
}

// isWordByte reports bytes that continue a word: ASCII letters and digits,
// and every byte of a multi-byte UTF-8 sequence.
func isWordByte(c byte) bool { return isASCIILetter(c) || isDigit(c) || c >= 0x80 }

// endOK reports whether a numeric or address-like match may end at j: not
// inside a word and not followed by a separator that continues it.
func endOK(s string, j int) bool {
	if j >= len(s) {
		return true
	}
	c := s[j]
	if isWordByte(c) {
		return false
	}
	if (c == '.' || c == ':' || c == '-' || c == '/' || c == ',') && j+1 < len(s) && isDigit(s[j+1]) {
		return false
	}
	return true
}

// scan calls emit for each finding, left to right, without overlaps.
func scan(s string, emit func(Match)) {
	emailRunEnd, skipUntil := -1, 0
	for i := 0; i < len(s); {
		c := s[i]
		if i < skipUntil || i > 0 && (isWordByte(s[i-1]) || s[i-1] == ']' && afterPlaceholder(s[:i])) {
			i++
			continue
		}
		end, kind := 0, Kind(0)
		switch {
		case isDigit(c) || isASCIILetter(c):
			if i >= emailRunEnd {
				j := i
				for j < len(s) && isLocalChar(s[j]) && s[j] != '@' {
					j++
				}
				emailRunEnd = j
				if j < len(s) && s[j] == '@' {
					if e := matchDomain(s, j+1); e > 0 {
						end, kind = e, KindEmail
					}
				}
			}
			if kind == 0 && isUpper(c) {
				if e := matchIBAN(s, i); e > 0 {
					end, kind = e, KindIBAN
				}
			}
			if kind == 0 && (isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				if e, run := matchIP(s, i); e > 0 {
					end, kind = e, KindIP
				} else if run > 0 {
					// Nothing inside an address-like run that is no
					// address is matched: "1.2.3.4.5" is left whole, so
					// a later pass cannot find "1.2.3.4" before a
					// placeholder.
					skipUntil = max(skipUntil, run, tokenEnd(s, i))
				}
			}
			if kind == 0 && isDigit(c) {
				if e := matchDate(s, i); e > 0 {
					end, kind = e, KindDate
				} else if e := matchTaxID(s, i); e > 0 {
					end, kind = e, KindTaxID
				} else if c == '0' {
					if e, run := matchPhone(s, i); e > 0 {
						end, kind = e, KindPhone
					} else {
						skipUntil = max(skipUntil, run)
					}
				}
			}
		case c == '+' || c == '(':
			if e, run := matchPhone(s, i); e > 0 {
				end, kind = e, KindPhone
			} else {
				skipUntil = max(skipUntil, run)
			}
		case c == ':':
			if e, run := matchIP(s, i); e > 0 {
				end, kind = e, KindIP
			} else if run > 0 {
				skipUntil = max(skipUntil, run, tokenEnd(s, i))
			}
		}
		if kind != 0 {
			// A finding at i overrides a rejected address-like run
			// starting there: the rest is scanned afresh.
			emit(Match{Start: i, End: end, Kind: kind})
			i, skipUntil = end, 0
			continue
		}
		if isDigit(c) || c == ':' || isUpper(c) && i+3 < len(s) && isUpper(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
			// Nor inside a number, address or IBAN-like token that
			// was not matched as a whole ("000000,000000" is no phone
			// number, so its second half is none either): a finding
			// there would change what a later pass sees after this
			// token, and it must decide the same way.
			skipUntil = max(skipUntil, tokenEnd(s, i))
		}
		// Skip the rest of the word: no finding starts inside it.
		i++
		for i < len(s) && isWordByte(s[i]) && isWordByte(s[i-1]) {
			i++
		}
	}
}

// afterPlaceholder reports whether s ends with a placeholder. Text right
// after one is no word start, just as it was none right after the data the
// placeholder replaced (which ended in a letter or digit); so a second pass
// decides as the first did.
func afterPlaceholder(s string) bool {
	for _, p := range placeholders[1:] {
		if strings.HasSuffix(s, p) {
			return true
		}
	}
	return false
}

// tokenEnd returns the end of the token at i: letters, digits, '.', ':'
// and '%', and '-', '/' or ',' where a digit follows.
func tokenEnd(s string, i int) int {
	j := i
	for j < len(s) {
		c := s[j]
		if isWordByte(c) || c == '.' || c == ':' || c == '%' ||
			(c == '-' || c == '/' || c == ',') && j+1 < len(s) && isDigit(s[j+1]) {
			j++
			continue
		}
		break
	}
	return j
}

// numberEnd returns the end of the digits at i joined by single
// separators that endOK treats as continuing a number.
func numberEnd(s string, i int) int {
	j := i
	for j < len(s) {
		if isDigit(s[j]) {
			j++
			continue
		}
		if j+1 < len(s) && isDigit(s[j+1]) && strings.IndexByte(".:-/,", s[j]) >= 0 {
			j++
			continue
		}
		break
	}
	return j
}

// matchDomain returns the end of a domain of at least two labels starting
// at i, the last of them at least two letters, or 0.
func matchDomain(s string, i int) int {
	labels, end, lastAlpha := 0, 0, false
	j := i
	for {
		start := j
		alpha := true
		for j < len(s) && (isASCIILetter(s[j]) || isDigit(s[j]) || s[j] == '-' || s[j] >= 0x80) {
			if !isASCIILetter(s[j]) && s[j] < 0x80 {
				alpha = false
			}
			j++
		}
		if j == start || s[start] == '-' || s[j-1] == '-' {
			break
		}
		labels++
		end, lastAlpha = j, alpha && j-start >= 2
		if j+1 < len(s) && s[j] == '.' && (isASCIILetter(s[j+1]) || isDigit(s[j+1]) || s[j+1] >= 0x80) {
			j++
			continue
		}
		break
	}
	if labels < 2 || !lastAlpha || end-i > 253 {
		return 0
	}
	return end
}

// matchIBAN returns the end of an IBAN at i (two capital letters, two
// check digits, up to 30 letters or digits, optionally in space-separated
// groups) whose ISO 7064 MOD 97-10 check sum is valid, or 0.
func matchIBAN(s string, i int) int {
	if i+4 > len(s) || !isUpper(s[i]) || !isUpper(s[i+1]) || !isDigit(s[i+2]) || !isDigit(s[i+3]) {
		return 0
	}
	var buf [34]byte
	var ends [34]int
	n, j := 0, i
	for j < len(s) && n < len(buf) {
		c := s[j]
		if isUpper(c) || isDigit(c) {
			buf[n] = c
			n++
			ends[n-1] = j + 1
			j++
			continue
		}
		if c == ' ' && n >= 4 && j+1 < len(s) && (isUpper(s[j+1]) || isDigit(s[j+1])) {
			j++
			continue
		}
		break
	}
	for k := n; k >= 15; k-- {
		// An IBAN ends at the end of a group: before a space or the end of the run.
		e := ends[k-1]
		if e < len(s) && s[e] != ' ' && k != n {
			continue
		}
		if endOK(s, e) && ibanValid(buf[:k]) {
			return e
		}
	}
	return 0
}

func ibanValid(b []byte) bool {
	rem := 0
	add := func(c byte) {
		if isDigit(c) {
			rem = (rem*10 + int(c-'0')) % 97
		} else {
			v := int(c-'A') + 10
			rem = (rem*100 + v) % 97
		}
	}
	for _, c := range b[4:] {
		add(c)
	}
	for _, c := range b[:4] {
		add(c)
	}
	return rem == 1
}

// matchIP returns the end of an IPv4 address (four dotted decimals) or an
// IPv6 address at i, optionally with a port, or 0. When there is no
// address but the text at i looks like one (three dots or two colons
// before any trailing '.' or ':'), run is where that text ends.
func matchIP(s string, i int) (end, run int) {
	j, dots, colons := i, 0, 0
	for j < len(s) {
		c := s[j]
		switch {
		case isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F':
		case c == '.':
			dots++
		case c == ':':
			colons++
		case c == '%':
			// A zone, "%eth0"; the token may go on after it.
			j++
			for j < len(s) && (isASCIILetter(s[j]) || isDigit(s[j])) {
				j++
			}
			continue
		default:
			goto done
		}
		j++
	}
done:
	for k := j - 1; k > i && (s[k] == '.' || s[k] == ':'); k-- {
		if s[k] == '.' {
			dots--
		} else {
			colons--
		}
	}
	if dots < 3 && colons < 2 {
		return 0, 0
	}
	for end := j; end > i; end-- {
		cand := s[i:end]
		if _, err := netip.ParseAddr(cand); err == nil && endOK(s, end) {
			return end, 0
		}
		if _, err := netip.ParseAddrPort(cand); err == nil && endOK(s, end) {
			return end, 0
		}
		// Only a trailing '.' or ':' (end of a sentence) is given back.
		if c := s[end-1]; c != '.' && c != ':' {
			break
		}
	}
	return 0, j
}

var germanMonths = [...]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
	"September", "Oktober", "November", "Dezember"}

// digitsAt returns the number read from up to max digits at i and the
// count of digits read.
func digitsAt(s string, i, max int) (v, n int) {
	for n < max && i+n < len(s) && isDigit(s[i+n]) {
		v = v*10 + int(s[i+n]-'0')
		n++
	}
	return v, n
}

// matchDate returns the end of a date at i, or 0: DD.MM.YYYY (also
// D.M.YYYY), DD.MM.YY, "D. Monat YYYY" with a German month name, or
// YYYY-MM-DD (also directly followed by a "T" time).
func matchDate(s string, i int) int {
	a, na := digitsAt(s, i, 4)
	j := i + na
	if na == 4 && j < len(s) && s[j] == '-' {
		m, nm := digitsAt(s, j+1, 2)
		if nm == 2 && j+3 < len(s) && s[j+3] == '-' {
			d, nd := digitsAt(s, j+4, 2)
			e := j + 4 + nd
			if nd == 2 && validDate(a, m, d) && (endOK(s, e) || s[e] == 'T' && e+1 < len(s) && isDigit(s[e+1])) {
				return e
			}
		}
		return 0
	}
	if na < 1 || na > 2 || j >= len(s) || s[j] != '.' {
		return 0
	}
	j++
	if m, nm := digitsAt(s, j, 2); nm > 0 && j+nm < len(s) && s[j+nm] == '.' {
		y, ny := digitsAt(s, j+nm+1, 4)
		e := j + nm + 1 + ny
		if (ny == 4 || ny == 2 && na == 2 && nm == 2) && validDate(y, m, a) && endOK(s, e) {
			return e
		}
		return 0
	}
	if j < len(s) && s[j] == ' ' {
		j++
	}
	for mi, name := range germanMonths {
		if strings.HasPrefix(s[j:], name) && j+len(name) < len(s) && s[j+len(name)] == ' ' {
			y, ny := digitsAt(s, j+len(name)+1, 4)
			e := j + len(name) + 1 + ny
			if ny == 4 && validDate(y, mi+1, a) && endOK(s, e) {
				return e
			}
			return 0
		}
	}
	return 0
}

func validDate(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m-1]
	if m == 2 && (y%4 == 0 && y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return d <= days
}

// matchTaxID returns the end of a German tax identification number at i
// (11 digits, written together or as "12 345 678 901"), or 0. The number
// must satisfy § 139b AO's format: no leading zero, one digit of the first
// ten repeated two or three times, the others at most once, and a valid
// ISO 7064 MOD 11,10 check digit.
func matchTaxID(s string, i int) int {
	var d [11]byte
	j := i
	if _, n := digitsAt(s, i, 12); n == 11 {
		copy(d[:], s[i:i+11])
		j = i + 11
	} else if n == 2 {
		// 2-3-3-3 grouping.
		k := 0
		for g, size := range [...]int{2, 3, 3, 3} {
			if g > 0 {
				if j >= len(s) || s[j] != ' ' {
					return 0
				}
				j++
			}
			if _, n := digitsAt(s, j, size+1); n != size {
				return 0
			}
			copy(d[k:], s[j:j+size])
			k += size
			j += size
		}
	} else {
		return 0
	}
	if !endOK(s, j) || !taxIDValid(d) {
		return 0
	}
	return j
}

func taxIDValid(d [11]byte) bool {
	if d[0] == '0' {
		return false
	}
	var count [10]int
	for _, c := range d[:10] {
		count[c-'0']++
	}
	repeated := 0
	for _, n := range count {
		switch {
		case n == 2 || n == 3:
			repeated++
		case n > 3:
			return false
		}
	}
	if repeated != 1 {
		return false
	}
	product := 10
	for _, c := range d[:10] {
		sum := (int(c-'0') + product) % 10
		if sum == 0 {
			sum = 10
		}
		product = sum * 2 % 11
	}
	check := 11 - product
	if check == 10 {
		check = 0
	}
	return int(d[10]-'0') == check
}

// matchPhone returns the end of a phone number at i: it starts with "+",
// "0" or "(", holds 6 to 15 digits, and separates digit groups with up to
// three of " -/()"; or 0. When digits at i are not a phone number, run is
// the end of the digit groups read, so that no finding is made inside them
// that a later pass would decide differently.
func matchPhone(s string, i int) (end, run int) {
	j := i
	if s[j] == '(' {
		j++
	}
	plus := j < len(s) && s[j] == '+'
	if plus {
		j++
	}
	if j >= len(s) || !isDigit(s[j]) || !plus && s[j] != '0' {
		return 0, 0
	}
	digits := 0
	for j < len(s) {
		if isDigit(s[j]) {
			k := j
			for k < len(s) && isDigit(s[k]) {
				k++
			}
			if digits+k-j > 15 {
				return 0, k
			}
			digits += k - j
			j, end = k, k
			continue
		}
		k := j
		for k < len(s) && k-j < 3 && strings.IndexByte(" -/()", s[k]) >= 0 {
			k++
		}
		if k == j || k >= len(s) || !isDigit(s[k]) {
			break
		}
		j = k
	}
	if digits < 6 {
		return 0, end
	}
	// A closing parenthesis right after the last digit belongs to it.
	if end < len(s) && s[end] == ')' && strings.IndexByte(s[i:end], '(') >= 0 && strings.Count(s[i:end], "(") > strings.Count(s[i:end], ")") {
		end++
	}
	if !endOK(s, end) {
		return 0, numberEnd(s, end)
	}
	return end, 0
}

var scrubDefinition = Definition{
	Name: "scrub",
	Doc:  "replace e-mail addresses, phone numbers, IBANs, IP addresses, dates and tax IDs in free text with placeholders",
	Compile: func(Args) (Constructor, error) {
		op := textOp{name: "scrub", fn: func(s string) (string, error) { return Scrub(s), nil }}
		return func(*KeyRing) (Operator, error) { return op, nil }, nil
	},
}
