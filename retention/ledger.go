package retention

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/frist-go/frist/policy"
)

// Erasure is one event-driven erasure as an erasure ledger keeps it: a
// cancellation, a consent withdrawal, an Art. 17 erasure, or any other
// event whose rules delete or anonymize records.
type Erasure struct {
	// ID is a UUIDv7 assigned when the erasure is recorded.
	ID string
	// Event is the event as Trigger or EraseSubject received it, with At
	// set. An erasure by EraseSubject has Kind
	// policy.EventErasureRequested, a Subject and no Dataset.
	Event Event
	// Recorded is when the engine recorded it, on its own clock.
	Recorded time.Time
}

// Ledger is an erasure ledger: the record of every event-driven erasure,
// kept apart from the database so that it survives when the database is
// restored from a backup taken before the erasure (Art. 17(1): erased data
// must not come back). A time rule needs no ledger: a restored record
// that is past its deadline is due again, and the next sweep processes
// it. An event, such as a cancellation, happens once; without a ledger
// nothing would erase its records a second time.
//
// Package ledger implements it on a file. A Ledger holds the record keys
// and subjects it is given; an implementation must keep them only as keyed
// pseudonyms or encrypted, never in the clear (Art. 32(1)(a)).
type Ledger interface {
	// Append stores the erasure durably: when Append returns nil, the
	// erasure survives a crash of the process and of the machine. The
	// engine calls it before it touches any record of the event and does
	// not touch them when it fails.
	Append(ctx context.Context, er Erasure) error
	// Erasures calls fn with every erasure stored, in the order they were
	// appended, and stops at the first error fn returns. It returns an
	// error, and calls fn for nothing, when any part of the ledger cannot
	// be read or does not belong to the declaration and keys it was
	// opened with.
	Erasures(ctx context.Context, fn func(Erasure) error) error
}

// recordErasure appends ev to the engine's erasure ledger, if it has one,
// before anything is touched. A replayed event is not recorded again.
func (e *Engine) recordErasure(ctx context.Context, ev Event, now time.Time) error {
	if e.ledger == nil || ev.replayOf != "" {
		return nil
	}
	id, err := uuid.NewV7()
	if err != nil {
		return fmt.Errorf("retention: recording the erasure: %w", err)
	}
	if err := e.ledger.Append(ctx, Erasure{ID: id.String(), Event: ev, Recorded: now}); err != nil {
		e.log.ErrorContext(ctx, "retention: the erasure ledger refused the event; nothing was erased", "event", string(ev.Kind), "error", err)
		return fmt.Errorf("%w: %w", ErrLedger, err)
	}
	return nil
}

// ErrLedger is wrapped by the error of Trigger and EraseSubject when the
// erasure ledger (Options.Ledger) could not record the event: nothing was
// erased, and the caller may try again.
var ErrLedger = errors.New("retention: the erasure ledger could not record the event, so nothing was erased")

// ReplayReport is what Replay did.
type ReplayReport struct {
	// Erasures counts the ledger's entries.
	Erasures int
	// Processed counts the records erased again: records a restored
	// backup had brought back.
	Processed int
	// Reports has the report of every entry that erased, held or kept
	// records or failed, by ledger entry ID, in ledger order.
	Reports []ReplayedErasure
}

// ReplayedErasure is the report of one ledger entry's replay.
type ReplayedErasure struct {
	ID     string
	Event  Event
	Report *Report
	// Err is why the entry could not be replayed (e.g. no rule of the
	// declaration reacts to the event any more); the other entries are
	// replayed all the same.
	Err error
}

// Replay runs every erasure in ledger again, after the database was
// restored from a backup: each event's records that are back are erased
// as the event's rules say, with holds and statutory minimums honoured as
// at the event itself, and every batch is audited with a note naming the
// ledger entry ("on cancelled, replayed from erasure ledger entry …").
// Records still gone are not selected, so replaying twice changes nothing
// the second time; replayed events are not appended to the ledger again.
//
// Time rules need no replay: run a Sweep after the restore, and Replay.
// Replay returns the ledger's error, having erased nothing, when the
// ledger cannot be read whole (see Ledger.Erasures); an entry whose event
// cannot be run is reported in its ReplayedErasure and the others are
// replayed.
func (e *Engine) Replay(ctx context.Context, ledger Ledger) (*ReplayReport, error) {
	if ledger == nil {
		return nil, errors.New("retention: Replay needs a ledger")
	}
	var all []Erasure
	if err := ledger.Erasures(ctx, func(er Erasure) error {
		all = append(all, er)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("retention: reading the erasure ledger: %w", err)
	}
	rep := &ReplayReport{Erasures: len(all)}
	for _, er := range all {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		ev := er.Event
		ev.replayOf = er.ID
		var r *Report
		var err error
		if ev.Kind == policy.EventErasureRequested && ev.Dataset == "" {
			r, err = e.eraseSubject(ctx, ev)
		} else {
			r, err = e.Trigger(ctx, ev)
		}
		if errors.Is(err, ErrHeld) {
			err = nil // reported in r: the records stay held, and are remembered
		}
		if r != nil {
			rep.Processed += r.Processed()
		}
		if err != nil || (r != nil && (r.Processed() > 0 || r.Held() > 0)) {
			rep.Reports = append(rep.Reports, ReplayedErasure{ID: er.ID, Event: er.Event, Report: r, Err: err})
		}
	}
	e.log.InfoContext(ctx, "retention: erasure ledger replayed", "erasures", rep.Erasures, "processed", rep.Processed)
	return rep, nil
}
