// Package anonymize provides the operators that a privacy declaration names
// when a rule anonymizes, pseudonymizes or generalizes personal data instead
// of deleting it: IP masking, keyed pseudonyms, masking of e-mail addresses,
// phone numbers and names, free-text scrubbing, truncation of timestamps and
// birth dates, generalization of postal codes and user agents, redaction,
// nulling, and k-threshold aggregation for statistics.
//
// Every operator is a pure function of its input (and, for pseudonyms, of a
// key ring). Operators are addressed by text specs such as
//
//	ip_mask(v4=1, v6=80)
//	pseudonym(key=bookings)
//	truncate_time(day)
//	null
//
// which [Parse] checks when a declaration is loaded, so a misspelt operator
// or parameter is rejected before anything runs. [Spec.Build] turns a spec
// into an [Operator] bound to the key rings it needs.
//
// Anonymized data is no longer personal data (GDPR Recital 26) only when no
// one can be singled out; pseudonymized data still is (Art. 4(5)). The
// operators here are the technical measures of Art. 25 and Art. 32(1)(a);
// which of them anonymizes in a given context is for the declaration to
// decide, and the doc comment of each says what it does and does not
// achieve.
//
// Errors never contain the value being processed: they name the operator
// and the kind of problem, so they can be logged without leaking personal
// data.
package anonymize
