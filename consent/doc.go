// Package consent is frist's consent ledger: it records grants, refusals
// and withdrawals of consent per subject and purpose, answers whether
// processing was lawful at any moment, and makes withdrawal act at once.
//
// The ledger is append-only (store.ConsentStore): a grant records the notice
// version, the SHA-256 of the text shown, the method, who acted (the
// subject or a holder of parental responsibility) and a keyed pseudonym of
// technical evidence such as the request's IP address, so that the
// controller can demonstrate consent (Art. 7(1) GDPR). Events are never
// changed, except by [Ledger.EraseSubject], which replaces the subject by a
// keyed pseudonym and keeps the proof that consent existed and was
// withdrawn.
//
// [Ledger.Valid] answers for any time, past or present: a withdrawal acts
// for the future only (Art. 7(3)), so "was processing at time t lawful?"
// stays answerable. [Ledger.Withdraw] records the withdrawal and runs the
// declaration's on: consent_withdrawn rules through retention.Engine.Trigger
// in the same call; records that still rest on another legal basis are
// reported as retained with that basis, not deleted and not silently kept
// (Art. 17(1)(b): "where there is no other legal ground").
//
// # Order of events
//
// A subject's events for a purpose are ordered by their time, At, and the
// ledger keeps that order the order in which they were recorded, whatever
// the clocks of the replicas that recorded them say: an event dated now
// is recorded at the replica's clock, or, when the ledger already holds
// an event of the subject and purpose that would sort after it (dated
// later by a replica whose clock is ahead or before this clock was set
// back, or dated the same microsecond with a greater ID), one microsecond
// after the latest of them. So a withdrawal always ends the
// grant it follows and runs the on: consent_withdrawn rules at once, and
// a grant after a withdrawal is in force after it. Of the two readings
// (order by a sequence of the store's own, or treat a withdrawal dated
// before its grant as one at the grant's time) the ledger takes the
// second, made general: it needs nothing of a backend beyond ordering by
// At to the microsecond (store.ConsentStore), keeps Valid answering for any
// time from At alone, and dates the withdrawal at the earliest time
// consistent with the grant it ends, which ends consent as early as the
// ledger can show it (Art. 7(3)).
//
// The bound: an event's recorded time is at most d later than the
// recording replica's clock, where d is how far the clock of the replica
// that recorded the latest earlier event was ahead. A status asked for a
// time before an event's recorded time does not see it: a replica whose
// clock is d behind sees a new grant recorded by one ahead up to d late,
// as not yet in force, which is the side that protects the subject. A
// grant given with an explicit earlier At (a paper consent recorded
// later) keeps its date. The order holds between replicas that record
// one after the other; two replicas recording for the same subject and
// purpose in the same moment are ordered by their clocks.
//
// Grants for children under the purpose's minimum age (Art. 8(1), default
// 16) are refused unless a holder of parental responsibility consented and
// the controller says how that was verified (Art. 8(2)).
//
// Withdrawal must be as easy as giving consent (Art. 7(3)): signed,
// expiring withdrawal links ([Ledger.WithdrawalURL]) lead to
// [Ledger.Handler], which asks for confirmation on GET and withdraws only
// on POST, so link scanners and mail prefetchers withdraw nothing. A link
// is bound to the grant in force when it was issued: once that consent has
// ended and the subject consents again, the old link cannot end the new
// consent ([ErrLinkSuperseded]), and its page says why.
package consent
