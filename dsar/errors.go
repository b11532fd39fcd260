package dsar

import "errors"

// Errors returned by this package. They are sentinels for errors.Is; the
// returned errors wrap them with the details (request ID, states, dates),
// never with the subject or any other personal data.
var (
	// ErrIllegalTransition: the state machine does not allow the change
	// (for instance completing a request whose requester is not verified).
	ErrIllegalTransition = errors.New("dsar: illegal state transition")
	// ErrReasonRequired: a refusal or an extension lacks its reason
	// (Art. 12(3) sentence 3 and Art. 12(4) GDPR).
	ErrReasonRequired = errors.New("dsar: reason required")
	// ErrExtension: an extension under Art. 12(3) sentence 2 GDPR is not
	// allowed (too long, told too late, or already extended).
	ErrExtension = errors.New("dsar: extension not allowed")
	// ErrTime: a time is missing or earlier than one already recorded.
	ErrTime = errors.New("dsar: invalid time")
	// ErrInvalid: a request is built from invalid input (unknown kind,
	// missing subject).
	ErrInvalid = errors.New("dsar: invalid request")
	// ErrUnknownLand: a Land code is not one of the sixteen Länder.
	ErrUnknownLand = errors.New("dsar: unknown Land")
	// ErrCalendar: a Calendar declares so many consecutive days off that no
	// working day ends the period.
	ErrCalendar = errors.New("dsar: calendar has no working day")
)
