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

// Errors returned by Service.
var (
	// ErrNotFound: no request has the ID.
	ErrNotFound = errors.New("dsar: request not found")
	// ErrUnverified: the requester's identity is not verified, so nothing
	// is disclosed or changed (Art. 12(6) GDPR).
	ErrUnverified = errors.New("dsar: identity not verified")
	// ErrWrongKind: the operation does not serve the request's kind (an
	// erasure carried out for an access request).
	ErrWrongKind = errors.New("dsar: operation does not match the request's kind")
	// ErrNotObjectable: an objection names a purpose that does not rest on
	// Art. 6(1)(e) or (f), to which Art. 21(1) gives no right to object.
	ErrNotObjectable = errors.New("dsar: no right to object to this purpose")
	// ErrRectification: a rectification names an undeclared dataset,
	// record or field, or a value the field cannot hold.
	ErrRectification = errors.New("dsar: invalid rectification")
)
