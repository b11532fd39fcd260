// Package consent is frist's consent ledger: it records grants, refusals
// and withdrawals of consent per subject and purpose, answers whether
// processing was lawful at any moment, and makes withdrawal act at once.
//
// The ledger is append-only (store.Consents): a grant records the notice
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
