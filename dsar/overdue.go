package dsar

import (
	"bytes"
	"slices"
	"time"
)

// Risk is an open request whose deadline has passed or is near.
type Risk struct {
	// Request is the request at risk.
	Request *Request
	// Due is the deadline in force (Request.Due).
	Due Deadline
	// Left is the time from the evaluation instant to Due.End; zero or
	// negative when the deadline has passed.
	Left time.Duration
}

// Overdue reports whether the deadline has passed: the period of
// Art. 12(3) GDPR, extended or not, ended at or before the evaluation
// instant.
func (r Risk) Overdue() bool { return r.Left <= 0 }

// Overdue returns the open requests (neither Completed nor Refused) among
// requests whose deadline in force ends at or before at+within: those
// overdue (Risk.Overdue) and those at risk of missing Art. 12(3) GDPR. It is
// a pure function of its arguments; nil requests are skipped and a negative
// within counts as zero. The result is ordered by deadline, earliest first,
// then by request ID.
func Overdue(requests []*Request, at time.Time, within time.Duration) []Risk {
	within = max(within, 0)
	var out []Risk
	for _, r := range requests {
		if r == nil || r.state.Final() {
			continue
		}
		due := r.Due()
		left := due.End.Sub(at)
		if left <= within {
			out = append(out, Risk{Request: r, Due: due, Left: left})
		}
	}
	slices.SortFunc(out, func(a, b Risk) int {
		if c := a.Due.End.Compare(b.Due.End); c != 0 {
			return c
		}
		return bytes.Compare(a.Request.id[:], b.Request.id[:])
	})
	return out
}
