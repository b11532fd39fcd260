package store

import (
	"context"
	"time"
)

// RememberedEvent remembers an event that the retention engine could not yet
// act on in full: a cancellation, a consent withdrawal or another event
// whose rule found records under a legal hold or restriction (Art. 17(3),
// Art. 18) or still inside a statutory minimum (keep_at_least,
// Art. 17(3)(b)). The engine retries it at every sweep and when a hold is
// released, processes what has become free, and removes it when nothing of
// it is left, so that "sofort gelöscht" holds from the moment the hold or
// the minimum ends.
//
// It names the records it covers by Keys, by Subject, or by both; a record
// must match every one given. It holds the subject's identifier, which is
// personal data, for as long as the event is remembered and no longer.
type RememberedEvent struct {
	// ID is a UUIDv7 assigned by the caller, so that IDs sort by creation.
	ID string
	// Dataset and Rule name the event rule (policy.Rule.ID) to run.
	Dataset string
	Rule    string
	// Event is the event's kind (a policy.Event).
	Event string
	// Keys, when non-empty, are the keys (in text form) of the records the
	// event left alone, in the order the caller gave them.
	Keys []string
	// Subject, when non-empty, is the data subject the event was about.
	Subject string
	// Purpose is the purpose a consent was withdrawn for, "" for other
	// events.
	Purpose string
	// At is when the event happened.
	At time.Time
	// RememberedAt is when the event was remembered, zero if unknown.
	RememberedAt time.Time
}

// RememberedEvents remembers events that could not yet be acted on in full;
// it is part of the required core (Driver). The retention engine retries
// them at every sweep and when a hold is released, so that an event's
// records left alone then are processed the moment they are free.
//
// Times are kept to the microsecond, the precision SQL timestamps keep,
// and returned in UTC. Returned entries are copies: changing them changes
// nothing stored. After Close every method returns ErrClosed.
type RememberedEvents interface {
	// Remember stores p. It returns ErrConflict when an entry with p.ID
	// exists and ErrUnknownDataset for a dataset the backend was not
	// configured with. p has an ID, Dataset, Rule, Event and At, and Keys
	// or a Subject: the caller checks it (see the package documentation).
	Remember(ctx context.Context, p RememberedEvent) error
	// ListRemembered returns up to limit entries (all when limit <= 0) whose
	// ID is greater than after (by byte order; "" lists from the first),
	// ordered by ID, with every field as added; Keys is nil when none were
	// given. Paging with the last ID returned visits every entry once.
	ListRemembered(ctx context.Context, after string, limit int) ([]RememberedEvent, error)
	// Forget deletes the entry with id, keeping nothing of it. It
	// returns ErrNotFound for an unknown id, so that of two callers
	// removing the same entry exactly one succeeds.
	Forget(ctx context.Context, id string) error
}
