package logstore

import (
	"strings"
	"time"
)

// The parts of a Common or Combined Log Format line, in line order:
//
//	host ident user [time] "request" status bytes "referer" "agent"
//
// Common has the first seven, Combined all nine. Anything after the last
// part (nginx's extended formats) is kept as the line's tail.
const (
	partAddr = iota
	partIdent
	partUser
	partTime
	partRequest
	partStatus
	partBytes
	partReferer
	partAgent
	numParts
)

// Virtual columns cut out of the request part.
const (
	colPath  = numParts     // the request target without its query
	colQuery = numParts + 1 // the query string, without '?'
)

// clfColumns maps the column names a common/combined dataset may bind
// (Field.Column, defaulting to Field.Name) to a part. nginx's variable
// names and short names are both accepted.
var clfColumns = map[string]int{
	"remote_addr": partAddr, "ip": partAddr, "host": partAddr, "client_ip": partAddr,
	"ident": partIdent, "remote_user": partUser, "user": partUser,
	"request": partRequest, "path": colPath, "resource": colPath, "query": colQuery,
	"status": partStatus, "body_bytes_sent": partBytes, "bytes": partBytes,
	"http_referer": partReferer, "referer": partReferer, "referrer": partReferer,
	"http_user_agent": partAgent, "user_agent": partAgent,
}

// quoted reports whether a part is written in double quotes.
func quoted(p int) bool { return p == partRequest || p == partReferer || p == partAgent }

// clfLine is one parsed line. Parts hold the raw text between the
// delimiters (quoted parts still escaped), so that a part nobody changed
// is written back byte for byte.
type clfLine struct {
	parts     [numParts]string
	n         int // parts present: 7 (common) or 9 (combined)
	bracketed bool
	tail      string
	t         time.Time
}

// clfTimeLayout is the %t / $time_local format.
const clfTimeLayout = "02/Jan/2006:15:04:05 -0700"

// timeCache remembers the last parsed time text: consecutive log lines
// mostly share their second.
type timeCache struct {
	text string
	t    time.Time
}

func (c *timeCache) parse(s string) (time.Time, bool) {
	if s == c.text && s != "" {
		return c.t, true
	}
	t, err := time.Parse(clfTimeLayout, s)
	if err != nil {
		return time.Time{}, false
	}
	c.text, c.t = s, t
	return t, true
}

// parseCLF parses s (without its newline) as a line with want parts (7 or
// 9). It reports false for anything else.
func parseCLF(s string, want int, tc *timeCache) (clfLine, bool) {
	var l clfLine
	i := 0
	token := func() (string, bool) {
		j := strings.IndexByte(s[i:], ' ')
		if j <= 0 {
			return "", false
		}
		tok := s[i : i+j]
		i += j + 1
		return tok, true
	}
	var ok bool
	if l.parts[partAddr], ok = token(); !ok {
		return l, false
	}
	if a := l.parts[partAddr]; len(a) > 2 && a[0] == '[' && a[len(a)-1] == ']' {
		l.bracketed = true
		l.parts[partAddr] = a[1 : len(a)-1]
	}
	if l.parts[partIdent], ok = token(); !ok {
		return l, false
	}
	if l.parts[partUser], ok = token(); !ok {
		return l, false
	}
	if i >= len(s) || s[i] != '[' {
		return l, false
	}
	j := strings.IndexByte(s[i:], ']')
	if j < 0 {
		return l, false
	}
	l.parts[partTime] = s[i+1 : i+j]
	if l.t, ok = tc.parse(l.parts[partTime]); !ok {
		return l, false
	}
	i += j + 1
	quotedPart := func() (string, bool) {
		if i+1 >= len(s) || s[i] != ' ' || s[i+1] != '"' {
			return "", false
		}
		start := i + 2
		for k := start; k < len(s); k++ {
			switch s[k] {
			case '\\':
				k++
			case '"':
				i = k + 1
				return s[start:k], true
			}
		}
		return "", false
	}
	if l.parts[partRequest], ok = quotedPart(); !ok {
		return l, false
	}
	if i >= len(s) || s[i] != ' ' {
		return l, false
	}
	i++
	if l.parts[partStatus], ok = token(); !ok {
		return l, false
	}
	// The byte count ends the common format: at the end or at a space.
	j = strings.IndexByte(s[i:], ' ')
	if j < 0 {
		j = len(s) - i
	}
	if j == 0 {
		return l, false
	}
	l.parts[partBytes] = s[i : i+j]
	i += j
	l.n = 7
	if want == numParts {
		if l.parts[partReferer], ok = quotedPart(); !ok {
			return l, false
		}
		if l.parts[partAgent], ok = quotedPart(); !ok {
			return l, false
		}
		l.n = numParts
	}
	l.tail = s[i:]
	if !validStatus(l.parts[partStatus]) || !validBytes(l.parts[partBytes]) {
		return l, false
	}
	return l, true
}

func validStatus(s string) bool {
	if s == "-" {
		return true
	}
	if len(s) != 3 {
		return false
	}
	for i := range 3 {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func validBytes(s string) bool {
	if s == "-" {
		return true
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// get returns the value of column c: nil for "-", the unescaped text
// otherwise.
func (l *clfLine) get(c int) any {
	switch c {
	case colPath, colQuery:
		_, target, _ := splitRequest(unescape(l.parts[partRequest]))
		path, query, hasQuery := strings.Cut(target, "?")
		if c == colPath {
			if path == "" {
				return nil
			}
			return path
		}
		if !hasQuery {
			return nil
		}
		return query
	}
	raw := l.parts[c]
	if raw == "-" || (quoted(c) && raw == "") && c != partRequest {
		return nil
	}
	if quoted(c) {
		return unescape(raw)
	}
	return raw
}

// set writes v (nil or text) into column c.
func (l *clfLine) set(c int, v *string) {
	switch c {
	case colPath, colQuery:
		method, target, proto := splitRequest(unescape(l.parts[partRequest]))
		path, query, hasQuery := strings.Cut(target, "?")
		if c == colPath {
			path = "-"
			if v != nil {
				path = *v
			}
		} else {
			query, hasQuery = "", v != nil
			if v != nil {
				query = *v
			}
		}
		target = path
		if hasQuery {
			target += "?" + query
		}
		l.parts[partRequest] = escape(joinRequest(method, target, proto))
		return
	}
	if v == nil {
		l.parts[c] = "-"
		if c == partAddr {
			l.bracketed = false
		}
		return
	}
	s := *v
	if quoted(c) {
		l.parts[c] = escape(s)
		return
	}
	// Unquoted parts end at a space: keep them one token.
	s = strings.ReplaceAll(s, " ", "_")
	if s == "" {
		s = "-"
	}
	l.parts[c] = s
}

// appendTo writes the line (without newline) to b.
func (l *clfLine) appendTo(b []byte) []byte {
	if l.bracketed {
		b = append(b, '[')
		b = append(b, l.parts[partAddr]...)
		b = append(b, ']')
	} else {
		b = append(b, l.parts[partAddr]...)
	}
	b = append(b, ' ')
	b = append(b, l.parts[partIdent]...)
	b = append(b, ' ')
	b = append(b, l.parts[partUser]...)
	b = append(b, " ["...)
	b = append(b, l.parts[partTime]...)
	b = append(b, "] \""...)
	b = append(b, l.parts[partRequest]...)
	b = append(b, "\" "...)
	b = append(b, l.parts[partStatus]...)
	b = append(b, ' ')
	b = append(b, l.parts[partBytes]...)
	if l.n == numParts {
		b = append(b, " \""...)
		b = append(b, l.parts[partReferer]...)
		b = append(b, "\" \""...)
		b = append(b, l.parts[partAgent]...)
		b = append(b, '"')
	}
	return append(b, l.tail...)
}

// splitRequest splits "GET /path?q HTTP/1.1" into its three words; a
// request that is not three words is all target.
func splitRequest(r string) (method, target, proto string) {
	m, rest, ok := strings.Cut(r, " ")
	if !ok {
		return "", r, ""
	}
	i := strings.LastIndexByte(rest, ' ')
	if i < 0 {
		return m, rest, ""
	}
	return m, rest[:i], rest[i+1:]
}

func joinRequest(method, target, proto string) string {
	if method == "" && proto == "" {
		return target
	}
	if proto == "" {
		return method + " " + target
	}
	return method + " " + target + " " + proto
}

// unescape undoes the backslash escapes Apache and nginx write in quoted
// parts (\" and \\; \xHH is kept as written).
func unescape(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// escape is the inverse of unescape.
func escape(s string) string {
	if !strings.ContainsAny(s, "\"\\\n") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			b.WriteByte('\\')
		case '\\':
			// A backslash that unescape would read as an escape.
			if i+1 == len(s) || s[i+1] == '"' || s[i+1] == '\\' {
				b.WriteByte('\\')
			}
		case '\n':
			b.WriteString(`\x0A`)
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
