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
// the home backend. Holds go to the backends whose records they hold (see
// Holds below). The audit log, leases, consent events, requests and
// objections live in the home backend.
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
// ReleaseHold releases a hold wherever it is.
//
// Each backend stores a hold change atomically with its audit entry in its
// own chain (store.Holds), and a routed backend's entry is then copied to
// the home log, as a batch's is: a hold on a subject in every dataset is
// recorded in the home log once per backend, by the home backend's own
// entry and a copy of each routed one. The backends are reached in one
// order, routed ones first and home last, for placing and releasing alike,
// and the next is reached only when the one before stored the change, so
// home's own entry is written only once every routed backend holds (or has
// released) the hold, and no log ever records a change a backend did not
// store. What a failure or a crash between backends leaves:
//
//   - between two backends: the hold placed (or released) in the backends
//     already reached, each change with its entry in that backend's chain,
//     and not in the others. A partly placed hold holds records where it is
//     placed (the safe side) and is listed; a partly released one stays in
//     force in home and the backends not reached, and is listed. Placing
//     the same hold again finishes it, writing entries only where it was
//     missing, and a different hold under an existing ID is refused with
//     store.ErrConflict; releasing it again finishes the release, and the
//     backends that had released it write nothing.
//   - between a routed backend's change and its copy: the change and its
//     entry in the routed chain, the copy missing from the home log until
//     the next batch on that backend or Repair appends it, as for a batch
//     (PlaceHold and ReleaseHold then return an error wrapping ErrMirror).
//
// The consent ledger (store.ConsentStore) and data-subject requests
// (store.RequestStore) are served by the home backend, whose type (Home)
// says it has them. Remembered events live there too, beside the holds
// that caused them. UpdateFields goes to the dataset's backend and is
// audited like a batch.
package multistore
