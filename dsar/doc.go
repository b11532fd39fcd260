// Package dsar models data-subject requests under Art. 15–21 GDPR and
// computes their legal deadlines.
//
// A Request has a Kind (access, Art. 15; rectification, Art. 16; erasure,
// Art. 17; restriction, Art. 18; portability, Art. 20; objection, Art. 21)
// and moves through the States
//
//	Received → IdentityPending → Verified → InProgress → Extended → Completed | Refused
//
// by Request.Transition and Request.Extend, which refuse every move the
// lifecycle does not allow (nothing is completed for a requester whose
// identity is not verified, Art. 12(6)) and record each move in the
// request's history. Requests are identified by UUIDv7.
//
// Deadlines follow Art. 12(3): one month from receipt, extendable by two
// further months when the data subject is told within the first month,
// also while the requester's identity is still being verified. The month is
// computed as Art. 3 of Regulation (EEC, Euratom) No 1182/71 defines a
// period in months (see Due), with the public holidays of a Calendar;
// Germany returns the German one, nationwide or for a Land, and a deadline
// computed without one says so (Deadline.NoCalendar). How far an extended
// period runs is open to more than one defensible reading;
// ExtendedReadings computes each, and a Request works to the earliest, so
// that the data subject waits no longer than any reading allows.
// Overdue lists the open requests whose deadline has passed or is near.
//
// Request, the deadline functions and Overdue are pure: no storage, no
// clock. Service runs requests end to end on the retention engine's store
// (retention.Engine.Store), keeping them in a store.RequestStore:
// NewService, Open, Verify through the application's Identity, Extend, Complete, Refuse, and
// per kind Access (the Art. 15 report as JSON described by
// schema/access-report.schema.json, and as Markdown or HTML in German or
// English; it also lists the recipients told of an erasure, rectification
// or restriction, Art. 19 sentence 2, from the audit log), Portability (Art. 20, JSON and CSV), Erase (Art. 17, through
// retention.Engine.EraseSubject, sparing holds and statutory minimums, and
// consent.Ledger.EraseSubject), Rectify (Art. 16), Restrict (an Art. 18
// hold) and Object (Art. 21), with Allowed telling the application whether
// it may still process. Nothing is disclosed or changed before the
// requester is verified (Art. 12(6)); every step is audited under the
// subject's keyed pseudonym.
package dsar
