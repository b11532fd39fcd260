package dsar

import "fmt"

// Kind is the right a data subject exercises with a request.
type Kind uint8

// The kinds of request, one per right of Chapter III GDPR that a request
// exercises. The zero Kind is invalid.
const (
	Access        Kind = iota + 1 // right of access, Art. 15
	Rectification                 // right to rectification, Art. 16
	Erasure                       // right to erasure, Art. 17
	Restriction                   // right to restriction of processing, Art. 18
	Portability                   // right to data portability, Art. 20
	Objection                     // right to object, Art. 21
)

var kinds = [...]struct{ name, article, de, en string }{
	Access:        {"access", "Art. 15", "Recht auf Auskunft", "Right of access"},
	Rectification: {"rectification", "Art. 16", "Recht auf Berichtigung", "Right to rectification"},
	Erasure:       {"erasure", "Art. 17", "Recht auf Löschung", "Right to erasure"},
	Restriction:   {"restriction", "Art. 18", "Recht auf Einschränkung der Verarbeitung", "Right to restriction of processing"},
	Portability:   {"portability", "Art. 20", "Recht auf Datenübertragbarkeit", "Right to data portability"},
	Objection:     {"objection", "Art. 21", "Widerspruchsrecht", "Right to object"},
}

// Kinds returns every valid Kind in the order of the GDPR's articles.
func Kinds() []Kind {
	return []Kind{Access, Rectification, Erasure, Restriction, Portability, Objection}
}

// Valid reports whether k is one of the defined kinds.
func (k Kind) Valid() bool { return k >= Access && k <= Objection }

// String returns the kind's name as ParseKind accepts it ("access"), or
// "Kind(n)" for an invalid kind.
func (k Kind) String() string {
	if !k.Valid() {
		return fmt.Sprintf("Kind(%d)", uint8(k))
	}
	return kinds[k].name
}

// Article returns the GDPR article that grants the right ("Art. 15"), or ""
// for an invalid kind.
func (k Kind) Article() string {
	if !k.Valid() {
		return ""
	}
	return kinds[k].article
}

// Title returns the right's name in German ("de") or English (any other
// language), as a notice or report shows it: "Recht auf Auskunft".
func (k Kind) Title(lang string) string {
	if !k.Valid() {
		return ""
	}
	if lang == "de" {
		return kinds[k].de
	}
	return kinds[k].en
}

// ParseKind returns the Kind named s ("access", "rectification", "erasure",
// "restriction", "portability", "objection").
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds() {
		if kinds[k].name == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("%w: unknown kind %q (want access, rectification, erasure, restriction, portability or objection)", ErrInvalid, s)
}

// MarshalText implements encoding.TextMarshaler; an invalid kind is an
// error.
func (k Kind) MarshalText() ([]byte, error) {
	if !k.Valid() {
		return nil, fmt.Errorf("%w: kind %d", ErrInvalid, uint8(k))
	}
	return []byte(k.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with ParseKind.
func (k *Kind) UnmarshalText(b []byte) error {
	v, err := ParseKind(string(b))
	if err != nil {
		return err
	}
	*k = v
	return nil
}
