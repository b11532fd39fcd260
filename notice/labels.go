package notice

import "github.com/frist-go/frist/policy"

// The labels below name the declaration's codes in words a data subject
// reads, for documents other than the notice (the Art. 15 answer of
// package dsar) that must not show raw tokens such as "6.1.a" or
// "processor".

// CategoryLabel names a category of personal data: "Identitätsdaten",
// "contact data".
func CategoryLabel(l Language, c policy.Category) string { return categoryName(l, c) }

// BasisLabel cites a legal basis of Art. 6(1) with its meaning: "Art. 6
// Abs. 1 lit. a DSGVO (Einwilligung)".
func BasisLabel(l Language, b policy.Basis) string {
	return basisText(l, policy.LegalBasis{Basis: b}) + " (" + basisMeaning(l, b) + ")"
}

// RoleLabel names the capacity of a recipient: "Auftragsverarbeiter
// (Art. 28 DSGVO)", "public body".
func RoleLabel(l Language, r policy.RecipientRole) string { return roleName(l, r) }

// EventLabel says on which event a rule acts: "bei Stornierung", "on
// withdrawal of consent".
func EventLabel(l Language, e policy.Event) string { return eventPhrase(l, e) }

// Pick returns de or en by language.
func (l Language) Pick(de, en string) string { return l.pick(de, en) }
