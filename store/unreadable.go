package store

import "context"

// UnreadableTimes is an optional part of a Driver whose time columns can
// hold values that are not a valid time in the column's representation:
// text in an unknown form or another zone, a number in a text column, an
// empty string, PostgreSQL's -infinity. Such a value is never selected by a
// Bound, whatever its cutoff, so the record is never processed by a time
// rule; Unreadable counts such records so that the engine can report them
// at every sweep instead of leaving them silently (Art. 5(1)(e) GDPR: a
// record kept past its period must at least be known).
//
// A backend whose time columns hold only valid times (one that refuses
// anything else on insert) need not implement it.
type UnreadableTimes interface {
	// Unreadable counts the records that match sel without its Bounds
	// and whose value in the column of sel.Bounds[0] is not NULL and not
	// a valid time. It counts every such record whose value sorts below or
	// above every valid value in the column's own order, or at or before
	// the bound's cutoff; one sorting among valid values later than the
	// cutoff is counted once the cutoff passes it, so that counting reads
	// no more than the due part of the column's index. Holds and Limit do
	// not matter. A selection without bounds is an error. want says in
	// words what a valid value of the column is ("SQLite text in UTC"),
	// so that a report can say what the records lack.
	Unreadable(ctx context.Context, sel Selection) (n int, want string, err error)
}
