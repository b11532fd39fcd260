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
// further months when the data subject is told within the first month. The
// month is computed as Art. 3 of Regulation (EEC, Euratom) No 1182/71
// defines a period in months (see Due), with the public holidays of a
// Calendar; Germany returns the German one, nationwide or for a Land.
// Overdue lists the open requests whose deadline has passed or is near.
//
// Everything in this package is pure: no storage, no clock, no network.
// Still to come, in the same package and without changing what is here: a
// Service that persists requests in the application's database (frist_
// tables) with a context-first API, an identity-verification interface the
// application implements, the access report of Art. 15 (as JSON, Markdown
// and HTML, in German and English), the portability export of Art. 20,
// erasure through the retention engine with the exceptions of Art. 17(3),
// rectification, Art. 18 restriction holds, and Art. 21 objections. The
// service's Overdue will load the open requests and call Overdue.
package dsar
