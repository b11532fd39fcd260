package dsar

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/frist-go/frist/anonymize"
)

// Method is how a requester's identity was established (Art. 12(6)): a
// term of a fixed vocabulary, so that the record of it, kept for good in
// the hash-chained audit log, can never hold personal data.
type Method string

// The methods of establishing a requester's identity.
const (
	// MethodIDCard: an identity card or passport was shown and checked.
	MethodIDCard Method = "id_card_checked"
	// MethodEID: the online function of the German identity card (eID).
	MethodEID Method = "eid"
	// MethodPostalIdent: a letter to the postal address on file, or a
	// postal identification procedure.
	MethodPostalIdent Method = "postal_ident"
	// MethodLinkPossession: possession of a link the controller gave only
	// to the data subject (a signed appointment link).
	MethodLinkPossession Method = "link_possession"
	// MethodVerifiedEmail: a one-time link sent to the e-mail address on
	// file was opened.
	MethodVerifiedEmail Method = "verified_email"
)

// Methods are the methods ParseMethod accepts, in a stable order.
var Methods = []Method{MethodIDCard, MethodEID, MethodPostalIdent, MethodLinkPossession, MethodVerifiedEmail}

// ErrMethod: a method is not a term of the vocabulary, or its note holds
// what looks like personal data. The message says what was found, never
// the text.
var ErrMethod = errors.New("dsar: invalid identity-verification method")

// ParseMethod returns the method named s, or ErrMethod naming the
// vocabulary.
func ParseMethod(s string) (Method, error) {
	m := Method(strings.TrimSpace(s))
	if slices.Contains(Methods, m) {
		return m, nil
	}
	names := make([]string, len(Methods))
	for i, m := range Methods {
		names[i] = string(m)
	}
	return "", fmt.Errorf("%w: not one of %s; say more in a note that names no person", ErrMethod, strings.Join(names, ", "))
}

// maxNote bounds a note in runes.
const maxNote = 200

// CheckNote checks the optional free-text note to a method: one line of
// at most 200 characters that neither contains the subject's identifier
// nor anything anonymize.Find recognises as personal data (an e-mail
// address, even written "name (at) example (dot) org", a phone number,
// an IBAN, an IP address, a date, a tax ID), nor a document number or a
// name introduced as one ("Ausweis von …", "Personalausweis L01X00T47").
// The note is kept in the request's history, never in the audit log.
func CheckNote(note, subject string) error {
	switch {
	case note == "":
		return nil
	case utf8.RuneCountInString(note) > maxNote:
		return fmt.Errorf("%w: the note is %d characters long; at most %d", ErrMethod, utf8.RuneCountInString(note), maxNote)
	case strings.IndexFunc(note, unicode.IsControl) >= 0:
		return fmt.Errorf("%w: the note must be one line without control characters", ErrMethod)
	}
	if sub := strings.ToLower(strings.TrimSpace(subject)); sub != "" && strings.Contains(strings.ToLower(note), sub) {
		return fmt.Errorf("%w: the note contains the subject's identifier", ErrMethod)
	}
	var kinds []string
	for _, f := range anonymize.Find(deobfuscate(note)) {
		if !slices.Contains(kinds, f.Kind.String()) {
			kinds = append(kinds, f.Kind.String())
		}
	}
	if w := personalWord(note); w != "" {
		kinds = append(kinds, w)
	}
	if len(kinds) > 0 {
		return fmt.Errorf("%w: the note looks personal (%s); say how the identity was established, not whose or with which document", ErrMethod, strings.Join(kinds, ", "))
	}
	return nil
}

// deobfuscate undoes the usual spellings of e-mail addresses meant to
// slip past filters: "(at)", "[at]", " at ", "(dot)", " dot ".
func deobfuscate(s string) string {
	r := strings.NewReplacer("(at)", "@", "[at]", "@", "{at}", "@", " at ", "@", "(dot)", ".", "[dot]", ".", "{dot}", ".", " dot ", ".")
	out := r.Replace(strings.ToLower(s))
	return strings.NewReplacer(" @ ", "@", "@ ", "@", " @", "@", " . ", ".", ". ", ".", " .", ".").Replace(out)
}

// personalWord reports what in s looks personal beyond anonymize.Find: a
// token mixing letters and digits (a document number, "L01X00T47"), a
// month name next to a number ("3 Feb 1980"), a run of digits that spaces
// split (a tax ID "12 345 678 901"), or a capitalised name after "von",
// "of", "für" or "for".
func personalWord(s string) string {
	words := strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune(",;:()[]\"'", r) })
	digits := 0
	for i, w := range words {
		letters, nums := 0, 0
		for _, r := range w {
			switch {
			case unicode.IsLetter(r):
				letters++
			case unicode.IsDigit(r):
				nums++
			}
		}
		if letters > 0 && nums >= 2 {
			return "a document number"
		}
		if nums > 0 && letters == 0 {
			digits += nums
			if digits >= 6 {
				return "a number"
			}
		} else {
			digits = 0
		}
		lw := strings.ToLower(strings.Trim(w, "."))
		if isMonth(lw) && (i > 0 && hasDigit(words[i-1]) || i+1 < len(words) && hasDigit(words[i+1])) {
			return "a date"
		}
		if (lw == "von" || lw == "of" || lw == "für" || lw == "for" || lw == "vom") && i+1 < len(words) {
			if r, _ := utf8.DecodeRuneInString(words[i+1]); unicode.IsUpper(r) {
				return "a name"
			}
		}
	}
	return ""
}

func hasDigit(s string) bool { return strings.IndexFunc(s, unicode.IsDigit) >= 0 }

var months = []string{"jan", "feb", "mar", "mär", "apr", "may", "mai", "jun", "jul", "aug", "sep", "oct", "okt", "nov", "dec", "dez"}

func isMonth(w string) bool {
	if len(w) < 3 {
		return false
	}
	for _, m := range months {
		if strings.HasPrefix(w, m) && len(w) <= 9 {
			return true
		}
	}
	return false
}

// Attested is an optional interface an Identity may implement to say how
// it established the requester's identity. Service.Verify records the
// method, and the note after it, as the reason of the request's move to
// Verified in the request's history (never in the audit log).
type Attested interface {
	Attestation(ctx context.Context, req *Request) (Method, string)
}
