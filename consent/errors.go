package consent

import "errors"

// Sentinel errors; test for them with errors.Is. Their messages and the
// messages that wrap them never contain a subject or evidence, only
// purpose IDs, versions and norms.
var (
	// ErrNoKeys is returned by New without Options.Keys: subjects in audit
	// entries, evidence and erased events are kept only as keyed
	// pseudonyms (Art. 4(5), Art. 5(1)(c)).
	ErrNoKeys = errors.New("consent: Options.Keys is required to pseudonymise subjects and evidence")
	// ErrInvalid is returned for a call with missing or malformed
	// arguments; the message names the argument.
	ErrInvalid = errors.New("consent: invalid argument")
	// ErrUnknownPurpose is returned for a purpose the declaration does not
	// declare.
	ErrUnknownPurpose = errors.New("consent: unknown purpose")
	// ErrNotConsentBased is returned for a purpose that does not rest on
	// consent (Art. 6(1)(a)): there is nothing to grant or withdraw.
	ErrNotConsentBased = errors.New("consent: purpose does not rest on consent (Art. 6(1)(a))")
	// ErrVersion is returned, and the refusal recorded, for a grant of a
	// notice version other than the declaration's current one: consent
	// must be informed by the text in force (Art. 4(11), Art. 7(1)).
	ErrVersion = errors.New("consent: the grant is not for the declaration's current consent version")
	// ErrTextMismatch is returned, and the refusal recorded, for a grant
	// whose text hash does not match the declared consent text, so that
	// what the subject saw cannot be demonstrated (Art. 7(1)).
	ErrTextMismatch = errors.New("consent: the SHA-256 of the text shown does not match the declared consent text")
	// ErrUnderAge is returned, and the refusal recorded, for a grant by a
	// subject under the purpose's minimum age without the consent of a
	// holder of parental responsibility, its relation and how it was
	// verified (Art. 8(1), Art. 8(2)).
	ErrUnderAge = errors.New("consent: the subject is under the minimum age and no verified consent of a holder of parental responsibility is recorded (Art. 8(1))")
	// ErrNotGranted is returned by Withdraw when the subject never
	// consented to the purpose: there is nothing to withdraw.
	ErrNotGranted = errors.New("consent: no consent was granted for the purpose")
	// ErrNoLinkKeys is returned when withdrawal links are asked for
	// without Options.LinkKeys.
	ErrNoLinkKeys = errors.New("consent: Options.LinkKeys is required for withdrawal links")
	// ErrLinkInvalid is returned for a withdrawal link that is malformed,
	// signed with an unknown key or changed after signing.
	ErrLinkInvalid = errors.New("consent: the withdrawal link is invalid or was changed")
	// ErrLinkExpired is returned for a withdrawal link past its expiry.
	ErrLinkExpired = errors.New("consent: the withdrawal link has expired")
	// ErrLinkUsed is returned for a withdrawal link that was used before;
	// a link withdraws once.
	ErrLinkUsed = errors.New("consent: the withdrawal link was already used")
	// ErrLinkSuperseded is returned for a withdrawal link issued for a
	// grant that has ended, when the consent now in force rests on a later
	// grant: the link cannot end a consent given after it (Art. 7(3) lets
	// the subject withdraw, not whoever kept an old link).
	ErrLinkSuperseded = errors.New("consent: the withdrawal link was issued for an earlier consent and cannot end the consent given since")
)
