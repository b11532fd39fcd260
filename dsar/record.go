package dsar

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Record is the storable form of a Request: everything a store needs to
// persist it and Restore needs to rebuild it. It holds the subject's
// identifier, which is personal data; store it like the application's other
// personal data, and never log it.
type Record struct {
	ID         uuid.UUID    `json:"id"`
	Kind       Kind         `json:"kind"`
	Subject    string       `json:"subject"`
	ReceivedAt time.Time    `json:"received_at"`
	State      State        `json:"state"`
	Deadline   Deadline     `json:"deadline"`
	Extension  *Extension   `json:"extension,omitempty"`
	History    []Transition `json:"history"`
}

// Record returns the request's storable form; it shares nothing with the
// request.
func (r *Request) Record() Record {
	rec := Record{
		ID:         r.id,
		Kind:       r.kind,
		Subject:    r.subject,
		ReceivedAt: r.receivedAt,
		State:      r.state,
		Deadline:   cloneDeadline(r.deadline),
		History:    r.History(),
	}
	if r.extension != nil {
		rec.Extension = r.extension.clone()
	}
	return rec
}

func cloneDeadline(d Deadline) Deadline {
	d.Skipped = slices.Clone(d.Skipped)
	return d
}

// Restore rebuilds a request from its Record, as a store loads it. It does
// not trust the record: it replays the history through Transition and
// Extend, so a record whose history the lifecycle does not allow (a
// completion without verification, an extension told too late, times out
// of order) or whose state, extension or first entry disagree with the
// history is refused with an error wrapping ErrInvalid and the reason,
// naming the request ID but never the subject.
//
// Deadlines stored in the record are kept: a deadline once computed does not
// move when a Calendar gains a holiday later. A zero stored deadline is
// computed with opts.
func Restore(rec Record, opts *Options) (*Request, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: record of request %s: %s", ErrInvalid, rec.ID, fmt.Sprintf(format, args...))
	}
	if rec.ID.Version() != 7 {
		return nil, bad("the ID is a version %d UUID, want version 7", rec.ID.Version())
	}
	r, err := New(rec.Kind, rec.Subject, rec.ReceivedAt, &Options{
		Location: opts.location(),
		Calendar: opts.rawCalendar(),
		NewID:    func() (uuid.UUID, error) { return rec.ID, nil },
	})
	if err != nil {
		return nil, fmt.Errorf("%w: record of request %s: %w", ErrInvalid, rec.ID, err)
	}
	if !rec.Deadline.IsZero() {
		r.deadline = cloneDeadline(rec.Deadline)
	}
	if len(rec.History) == 0 || rec.History[0].From != 0 || rec.History[0].To != Received || !rec.History[0].At.Equal(rec.ReceivedAt) {
		return nil, bad("the history must start with the receipt at the time of receipt")
	}
	for i, tr := range rec.History[1:] {
		if tr.From != r.state {
			return nil, bad("history entry %d moves from %s, but the request was %s", i+1, tr.From, r.state)
		}
		if tr.To == Extended || tr.To == tr.From {
			ext := rec.Extension
			if ext == nil || !ext.ToldAt.Equal(tr.At) || strings.TrimSpace(ext.Reason) != tr.Reason {
				return nil, bad("history entry %d extends the period, but the extension does not match it", i+1)
			}
			err = r.Extend(ext.Months, ext.Reason, ext.ToldAt)
			if err == nil && r.state != tr.To {
				err = fmt.Errorf("the extension leaves the request %s, not %s", r.state, tr.To)
			}
			if err == nil && !ext.Due.IsZero() {
				// A deadline once computed does not move (see above).
				r.extension.Due = cloneDeadline(ext.Due)
				if ext.Readings != nil {
					r.extension.Readings = cloneReadings(ext.Readings)
				}
			}
		} else {
			err = r.Transition(tr.To, tr.At, tr.Reason)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: record of request %s: history entry %d: %w", ErrInvalid, rec.ID, i+1, err)
		}
	}
	if r.state != rec.State {
		return nil, bad("the state is %s, but the history ends in %s", rec.State, r.state)
	}
	if rec.Extension != nil && r.extension == nil {
		return nil, bad("the record has an extension, but the history has none")
	}
	return r, nil
}
