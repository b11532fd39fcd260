// Package retention enforces the retention rules of a privacy declaration:
// every record gets a deadline from its rules, and the Engine meets every
// deadline on time, exactly once, never early, never on a held record, and
// with an audit entry for every batch (Art. 5(1)(e), Art. 5(2), Art. 17,
// Art. 18).
//
// # Deadlines
//
// A rule counted from a time column gives a record the deadline D = the
// time value plus the rule's period, computed with calendar semantics in
// the controller's time zone (policy.Period: "2w" is 14 calendar days, "1mo"
// a calendar month). The engine may process the record from D − lead on,
// where lead defaults to two sweep intervals within the early window below,
// so that with a running sweeper nothing is late; a statutory minimum
// (keep_at_least) is a hard lower bound. A rule triggered by an event (on: cancelled,
// consent_withdrawn, ...) has D = the time of the event. Deadlines computes
// all of this for one record without a store, answering "when will this
// appointment be deleted?".
//
// Deadlines grow with the trigger time: where the calendar is not
// monotone (a month clamped to its last day, the hour repeated when
// daylight saving ends) the deadline moves later, never earlier, so that a
// sweep can select every due record by comparing the indexed time column
// with one constant cutoff (docs/DESIGN.md, "Sweeps cost what is due").
//
// # The early window
//
// The engine never acts on a record of a time rule more than the rule's
// bound B before its deadline (docs/DESIGN.md, "Never early"):
//
//	B = policy.Period.MaxLead(Engine.Interval())
//	  = max(1% of the period, min(one sweep interval, a tenth of the period))
//
// where the period counts with its shortest length (a day of 23 hours, a
// month of 28 days, a year of 365 days). A record is so kept for at least
// 99% of its declared period, or 90% where the period is so short that
// sweeps one interval apart are more than 1% of it, and it is never
// processed at or before the time its period counts from: an appointment
// is never deleted before it has taken place.
//
// Deadlines are read on the sweeping replica's clock (Options.Now): a
// replica whose clock runs d ahead acts up to d earlier still, and one
// whose clock runs behind acts later. d is not part of B; keep the
// replicas' clocks synchronised (NTP keeps them within milliseconds).
//
// A rule's lead is its declared lead, or else two intervals capped at B.
// To meet every deadline, a sweeper one interval apart needs a lead of at
// least one interval. New therefore refuses, naming the rule and by how
// much, a declared lead above B, a declared lead shorter than the interval,
// and an interval above B (ErrIntervalTooLong). The interval is set in
// one place, the engine's Options, and the Scheduler takes its schedule
// from the engine, so the sweeps cannot be further apart than the deadlines
// assume: it sweeps every Options.Interval, or on the cron spec
// Options.Schedule, whose interval is then its longest gap, measured in
// elapsed time in the spec's zone over the coming year, daylight-saving
// changes included (ScheduleGap).
//
// At the default interval of one minute every rule of 200 minutes or more
// gets a lead of two minutes, and a rule of one hour a lead of one minute.
// Sparser schedules suit longer rules only: "@daily" in Europe/Berlin, with
// one 25-hour gap a year, suits rules of at least 11 days (14 days, not
// 7), and "0 3 * * 1" (169 hours) rules of at least 71 days.
//
// # The Engine
//
// Engine.Sweep processes all due records in bounded batches through the
// store's Process, each batch atomic with its audit entry; it is
// cutoff-based and idempotent, so the first sweep after downtime catches up.
// Engine.Plan is the dry run. Engine.Trigger runs the rules of an event
// immediately: cancelling an appointment deletes it, withdrawing consent
// deletes all of the subject's bookings for that purpose. Engine.PlaceHold
// and Engine.ReleaseHold manage legal holds and restrictions, which every
// operation honours (see Holds). A Scheduler runs Sweep on the engine's
// schedule.
//
// Whoever received the erased data is told (Art. 19 GDPR): after a rule
// erased or anonymized records of a dataset whose recipients receive
// every record (policy.Recipient.Routine), the engine calls
// Options.Notifier for each of them, per data subject for an event's
// erasure and at most once a day (TimeRuleTellEvery), with the rule's
// cutoff, for a time rule's, and
// records each outcome in the audit log and RuleReport.Told, NotTold and
// LeftToController. An event is remembered before it acts and forgotten
// once its recipients were told, so that a crash repeats a notification
// rather than losing it (notify.go). A notification the Notifier could not
// deliver is kept in the store's outbox and tried again by later sweeps,
// for RetryTellingFor, before it is left to the controller (outbox.go,
// Report.Outbox); package dsar keeps its own failed ones there too
// (Engine.TellLater).
//
// frist's own records are kept as the declaration's records block says
// (Art. 5(1)(e) GDPR): consent.New and dsar.NewService register a
// RecordKeeper with Engine.Keep, and every Sweep calls the keepers under
// its lease, after the time rules, with its start time; Report.Records
// says what each did, and each that changed something writes one audit
// entry with counts and no subject. The holds and the audit log need no
// keeper registered: every Sweep then deletes the holds that ended so long
// ago that policy.Records.Holds has run out (store.Holds.ExpireHolds; a
// hold in force is never deleted), reported as the records of kind
// "holds", and drops the audit entries whose period (policy.Records.Audit)
// has ended, oldest first, in atomic drops of at most 10,000 entries that
// each store a signed base and record themselves (store.AuditLog.DropAudit),
// reported as the records of kind "audit".
//
// # Holds
//
// A hold (Art. 17(3)(b) and (e), Art. 18(1)) protects the records it
// covers from the moment Engine.PlaceHold returns: on every replica, in
// every sweep, also one that is already running. The store serialises
// placing a hold with its batches (store.Holds): a batch in flight either
// commits before the hold is stored, and PlaceHold waits for it, or sees
// the hold and leaves its records alone. When the hold was placed does
// not matter against the time a sweep started, so neither a hold placed
// between two batches of a sweep, nor one placed by a replica whose clock
// is ahead of the sweeper's, nor a clock set back after the hold was
// placed lets a batch process a held record.
//
// A hold ends when it is released or at its Until. A sweep compares both
// with the time it started, never a later reading, so a hold that ends
// while a sweep runs protects its records until that sweep is over, and
// lead never shortens a hold. Until is read on the sweeping replica's
// clock, as every deadline is: a replica whose clock runs d ahead ends a
// hold at most d before its Until, never earlier (docs/DESIGN.md, "Never
// early"); a hold without Until ends only when it is released. PlaceHold
// waits at most for the batches in flight, each bounded by
// Options.BatchBudget.
//
// Placing and releasing a hold are each one atomic step with their audit
// entries, "hold.place" and "hold.release" (store.Holds; docs/DESIGN.md,
// "Atomic batches"): no hold is in force, and no release has freed
// records, without the entry that records it, so the audit log accounts
// for every hold; when the entry cannot be stored, nothing changes and
// the call returns the error.
//
// A time rule processes only records whose time value is a valid time in
// the column's representation and at or before the rule's cutoff; Sweep,
// Plan, Trigger and the store's Count and Earliest agree on which those
// are. A record whose time value cannot be read (text in an unknown form
// or with an offset the column's declared zone never has, a number in a
// text column, see store.Driver.Unreadable)
// is never processed on a guess and never stops the rule: the sweep
// processes every other due record, and the report
// (RuleReport.Unreadable), the plan and Observer.Unreadable name its
// dataset, rule, column and count, without keys, at every sweep until the
// value is corrected.
//
// Time is read only through Options.Now. Logs, errors, reports and audit
// entries carry dataset and rule IDs, counts and keyed pseudonyms, never
// keys, subjects or field values (docs/DESIGN.md, "Pseudonyms only").
package retention
