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
// The built-in operators, with their parameters and defaults:
//
//	null                                  NULL (pushed down as SET col = NULL)
//	redact(text="[REDACTED]")             a constant; 0 / false for numbers and booleans
//	pseudonym(key=NAME)                   "<key id>:<base64url HMAC-SHA-256>" under key ring NAME
//	ip_mask                               IPv4 /24 and IPv6 /48 kept (see DefaultIPMask)
//	ip_mask(v4=B, v6=N)                   last B bytes of IPv4 (0-4) and last N bits of IPv6 (0-128) zeroed
//	ip_mask(v4_prefix=P, v6_prefix=Q)     first P bits of IPv4 and Q bits of IPv6 kept
//	ip_mask(level=L)                      default, google, one_byte, two_bytes, three_bytes (see IPLevel)
//	mask_email(keep_domain=true)          "***@example.org" (or "***@***")
//	mask_phone(keep_area=false)           "+49 ***" (or "+49 5423 ***")
//	initials                              "E. M."
//	scrub                                 [EMAIL] [PHONE] [IBAN] [IP] [DATE] [TAXID] in free text
//	truncate_time(unit)                   unit is hour, day, month or year
//	birth_year                            a date of birth generalized to its year
//	age_band(width=10, at=YYYY-MM-DD)     "30-39": the age on a fixed reference date
//	postal_code(digits=2)                 "24" for 24568
//	user_agent                            "Firefox 126 on Windows"
//
// The count of ip_mask(v4=...) follows Matomo's setting, which counts masked
// bytes, and that of v6 the bits zeroed, so "ip_mask(v4=1, v6=80)" is the
// default: the last IPv4 byte and the last 80 IPv6 bits zeroed.
//
// Specs are checked by [Parse] when a declaration is loaded, so a misspelt
// operator or parameter is rejected before anything runs. [Spec.Build] turns a spec
// into an [Operator] bound to the key rings it needs. Applications add
// operators of their own to a [Registry] made by [NewRegistry]; the
// package-level [Parse] knows the built-in operators only.
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
