package policy

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

// checkText and fastText step over printable ASCII eight bytes at a time
// and count a problem's column only when they find one; they answer as
// the versions did that looked at every character, kept here as the
// reference, on texts made of the characters either treats apart, at
// every offset from the eight-byte steps, and on the declarations and
// fuzz inputs of the package. Checked by not looking for bytes above 0x7E
// in the eight-byte step (a DEL, an umlaut or an invalid byte inside one
// went unseen) and by counting the column in bytes: both failed here.
func TestTextChecksAgreeWithCheckingEveryCharacter(t *testing.T) {
	pieces := []string{"a", "key: value", " ", "\n", "\r", "\r\n", "\t", "%", "---", "...", "-", "--", ".",
		"ü", "€", "\U0001F600", "\u0085", "\u2028", "\u2029", "\uFEFF", "\x00", "\x1f", "\x7f", "\xff", "\xc3", "\ufffe",
		strings.Repeat("x", 7), strings.Repeat("y", 8), strings.Repeat("z", 9), strings.Repeat("w", 23)}
	rng := rand.New(rand.NewPCG(3, 4))
	var texts []string
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		texts = append(texts, b.String())
	}
	for _, src := range fastCorpus(t, 500) {
		texts = append(texts, string(src))
	}
	l := &loader{file: "x.yaml"}
	for _, s := range texts {
		assert.Equal(t, l.checkTextByRune(s), l.checkText(s), "%q", s)
		assert.Equal(t, fastTextByByte(s), fastText(s), "%q", s)
	}
}

func (l *loader) checkTextByRune(b string) *Error {
	line, col := 1, 1
	for i := 0; i < len(b); {
		// Printable ASCII and LF, nearly all of a declaration, take the
		// short way.
		switch c := b[i]; {
		case c >= 0x20 && c <= 0x7E:
			col++
			i++
			continue
		case c == '\n':
			line, col = line+1, 1
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(b[i:])
		var reason string
		switch {
		case r == utf8.RuneError && size <= 1:
			reason = fmt.Sprintf("invalid UTF-8 byte 0x%02x; a declaration is UTF-8 text", b[i])
		case r == 0xFEFF && i == 0:
			// A byte-order mark at the start is allowed.
		case !yamlPrintable(r):
			reason = fmt.Sprintf("character %U is not allowed in YAML", r)
		}
		if reason != "" {
			return &Error{File: l.file, Line: line, Column: col, Reason: reason}
		}
		switch {
		case r == '\r' && i+1 < len(b) && b[i+1] == '\n':
			// CR LF is one line break; the LF ends the line.
			col++
		case isBreak(r):
			line, col = line+1, 1
		default:
			col++
		}
		i += size
	}
	return nil
}

func fastTextByByte(src string) bool {
	lineStart := true
	for i := 0; i < len(src); {
		c := src[i]
		if c == '\n' {
			lineStart = true
			i++
			continue
		}
		if lineStart {
			lineStart = false
			if c == '%' || (c == '-' || c == '.') && i+2 < len(src) && src[i+1] == c && src[i+2] == c {
				return false
			}
		}
		if c >= 0x20 && c < 0x7F {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(src[i:])
		if c < utf8.RuneSelf || r == utf8.RuneError && size == 1 || !yamlPrintable(r) ||
			r == 0x85 || r == 0x2028 || r == 0x2029 {
			// Controls including tab and carriage return, and DEL.
			return false
		}
		i += size
	}
	return true
}
