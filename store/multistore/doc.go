// Package multistore is a store.Driver over several backends, so that one
// declaration can bind some datasets to the application's tables and
// others to files, e.g. the contact form of
// examples/policies/stadt-amt.yaml in a database and its web-server log on
// disk ("Nach 7 Tagen werden die Protokolle des Webservers gelöscht"), and
// the retention engine still enforces all of them through one store.
// WithLogs builds that store from a declaration: its datasets bound to
// files go to one logstore.Store, everything else to the database.
//
//	st, err := multistore.New(
//		map[string]store.Driver{"access_log": logs}, // dataset ID -> backend
//		sql, // home (a multistore.Home): every other dataset, holds, audit log, leases, consent, requests
//	)
//
// # Routing
//
// Every method that names a dataset (Process, Count, Earliest, Unreadable,
// Records, Times, SubjectsByField, UpdateFields, Serves, Purge, Unindexed)
// goes to the backend routed for it, and datasets without a route go to
// the home backend. Holds, the audit log, leases, consent events, requests
// and objections live in the home backend.
//
// # One audit chain, and what is atomic
//
// Every batch is atomic with its audit entry (docs/DESIGN.md, "Atomic
// batches"). A batch on a routed backend (a rewrite of log files) and an
// entry in the home backend's log (a SQL table) cannot share a
// transaction, so the guarantee is given in two steps:
//
//  1. The routed backend processes the batch and seals its audit entry in
//     its own hash chain, atomically, as it does when used alone. That
//     entry is the record of the batch.
//  2. Multistore then appends a copy of the entry to the home log: the same
//     time, action, dataset, rule, count, subjects and policy, and a note
//     that ends with "chain <genesis> seq <n> hash <hash>", naming the
//     routed chain (by the hash of its first entry), the entry's position
//     and its hash. BatchResult.Entry is that copy, sealed in the home
//     chain, so readers of the home log see every batch in one chain.
//
// A crash between the two steps leaves the routed entry without its copy.
// The first batch on a routed backend after New that writes an entry, and
// Repair, append every missing copy (and so does the next batch when only
// the append failed), so the home log lacks a batch's entry only between a
// crash and the next such batch on that backend or call of Repair, and
// never holds an entry for a batch that did not happen. A batch appends
// the missing copies after its own batch, signed by the signer of its
// entry (audit.Entry.SignedBy), so that repaired copies are signed like
// the rest; Repair signs them with the signer it is given. Verify checks the
// whole arrangement: each chain verifies on its own (audit.Verify), every
// routed entry has exactly one copy in the home log, and every copy
// matches the entry it names. Batches on the home backend itself are
// atomic with their entry in one transaction, as without multistore.
//
// Dropping expired entries (Store.DropAudit) drops from each routed chain
// the entries whose copies fall in the home log's due prefix, then that
// prefix: every chain verifies from its own base (audit.VerifyFrom), and
// a copy of an entry at or before its chain's base, left by a crash
// between the two, is accepted; an entry without its copy never is.
//
// Within one process the copies of one routed chain are appended in the
// chain's order (batches on a routed backend are serialised). Several
// processes that share the backends may interleave their copies; repair
// finds missing copies by chain position, not by order.
//
// # Holds
//
// A hold must exclude records in the backend that processes them
// (Art. 17(3), Art. 18). PlaceHold therefore places a hold in the backend
// of its dataset, and a hold on a subject in every dataset in every
// backend (a backend whose datasets name no subject keeps it and holds
// nothing with it). ListHolds lists the holds of all backends, each once;
// ReleaseHold releases a hold wherever it is, home last. A failure part
// way leaves a hold placed in some backends, holding records there (the
// safe side); placing the same hold again finishes it, and a different
// hold under an existing ID is refused with store.ErrConflict.
//
// The consent ledger (store.ConsentStore) and data-subject requests
// (store.RequestStore) are served by the home backend, whose type (Home)
// says it has them. Remembered events live there too, beside the holds
// that caused them. UpdateFields goes to the dataset's backend and is
// audited like a batch.
package multistore
