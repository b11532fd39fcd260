package store

import (
	"context"
	"time"
)

// Outgoing is a notification to a recipient (Art. 19 GDPR) that could not
// be delivered when the change it tells of was made, kept to be delivered
// again (Outbox). The retention engine encodes and decodes Body; a backend
// stores it as it is.
type Outgoing struct {
	// ID is the notification's ID (a UUIDv7), the same at every attempt,
	// so that a recipient can ignore a notification it has seen. IDs sort
	// by creation.
	ID string
	// Recipient is the recipient's ID in the declaration.
	Recipient string
	// Body is the notification and what to record of each attempt. It
	// holds personal data (the subject's identifier as the recipient
	// received it, record keys, corrected values): Dequeue deletes it, and
	// Purge of RememberedRecords removes what the deletion left behind.
	Body []byte
	// Attempts is how many times delivery was tried, at least 1.
	Attempts int
	// Since is when delivery was first tried; Next is when to try again.
	Since, Next time.Time
}

// Outbox keeps the notifications to recipients that could not be
// delivered yet; it is part of the required core (Driver). The retention
// engine tries each again at its sweeps, with growing intervals, until it
// is delivered or its time runs out, and then dequeues it.
//
// Times are kept to the microsecond and returned in UTC. Returned entries
// are copies: changing them changes nothing stored. After Close every
// method returns ErrClosed.
type Outbox interface {
	// Enqueue stores o. It returns ErrConflict when an entry with o.ID
	// exists. o has an ID, a Recipient, a Body, Attempts of at least 1, a
	// Since and a Next: the caller checks it.
	Enqueue(ctx context.Context, o Outgoing) error
	// ListOutgoing returns up to limit entries (all when limit <= 0) whose
	// ID is greater than after (by byte order; "" lists from the first),
	// ordered by ID, with every field as stored. Paging with the last ID
	// returned visits every entry once.
	ListOutgoing(ctx context.Context, after string, limit int) ([]Outgoing, error)
	// Reschedule claims the entry with id for one more attempt: when its
	// Attempts is still attempts, it sets Attempts to attempts+1 and Next
	// to next and returns true; when another caller changed it first, it
	// changes nothing and returns false. Of callers that read the same
	// entry and reschedule it concurrently, exactly one gets true, so that
	// one attempt is made. It returns ErrNotFound for an unknown id.
	Reschedule(ctx context.Context, id string, attempts int, next time.Time) (bool, error)
	// Dequeue deletes the entry with id, keeping nothing of it. It returns
	// ErrNotFound for an unknown id, so that of two callers removing the
	// same entry exactly one succeeds.
	Dequeue(ctx context.Context, id string) error
}
