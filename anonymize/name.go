package anonymize

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Initials reduces a personal name to its initials: "Erika Mustermann"
// becomes "E. M.", "Anna-Lena von der Heide" becomes "A.-L. v. d. H.".
// Words are separated by spaces and hyphens; a word contributes its first
// letter. A name without any letter, or not valid UTF-8, is an error
// wrapping ErrInvalidInput. Initials is idempotent.
//
// Initials are pseudonymous at best: together with a postal code or a
// birth year they often identify a person again.
func Initials(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", invalid("initials", "not valid UTF-8")
	}
	var b strings.Builder
	b.Grow(len(s) / 2)
	letters := 0
	for _, word := range strings.Fields(s) {
		parts := strings.Split(word, "-")
		wrote := false
		for _, p := range parts {
			r, ok := firstLetter(p)
			if !ok {
				continue
			}
			if wrote {
				b.WriteByte('-')
			} else if letters > 0 {
				b.WriteByte(' ')
			}
			b.WriteRune(r)
			b.WriteByte('.')
			wrote = true
			letters++
		}
	}
	if letters == 0 {
		return "", invalid("initials", "no letters in name")
	}
	return b.String(), nil
}

func firstLetter(s string) (rune, bool) {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return r, true
		}
	}
	return 0, false
}

var initialsDefinition = Definition{
	Name: "initials",
	Doc:  "reduce a name to its initials",
	Compile: func(Args) (Constructor, error) {
		op := textOp{name: "initials", fn: Initials}
		return func(*KeyRing) (Operator, error) { return op, nil }, nil
	},
}
