// Package logstore is a store.Driver over directories of web-server access
// logs, as nginx and Apache write them: Common and Combined Log Format, or
// JSON lines, in plain and gzip-compressed rotated files (access.log.1,
// access.log.2.gz). It lets the retention engine enforce the promises
// privacy notices make about server logs, such as "Nach 7 Tagen werden die
// Protokolle des Webservers gelöscht" (examples/policies/stadt-amt.yaml;
// Art. 5(1)(c) and (e)).
//
// # Binding
//
// A dataset with files: {dir, pattern, format} in the declaration belongs
// to this package; datasets bound to tables are not its own and yield
// store.ErrUnknownDataset. Names starting with ".frist-" never match a
// pattern.
//
//	datasets:
//	  - id: access_log
//	    files: {dir: /var/log/nginx, pattern: "access.log*", format: combined}
//	    marker: anonymized_at
//	    time: {requested_at: time_local}
//	    fields:
//	      ip: {column: remote_addr, category: online_identifier}
//	      user_agent: {column: http_user_agent, category: device}
//	    rules:
//	      - {after: 7d, from: requested_at, anonymize: {ip: "ip_mask(v4=1, v6=80)"}}
//	      - {after: 7d, from: requested_at, delete: true}
//
// In common and combined logs a field's column names a part of the line:
// remote_addr (also ip, host, client_ip), remote_user (user), request,
// path and query (the request target without and after its '?'), status,
// body_bytes_sent (bytes), http_referer (referer) and http_user_agent
// (user_agent; combined only). Every time column reads the request time
// [time] of the line, whatever its name. The client address may be IPv4,
// IPv6, bracketed IPv6 or IPv4-mapped IPv6; a "-" part is NULL; quoted
// parts may hold escaped quotes. Such lines name no subject, so subject:
// is refused.
//
// In JSON lines each line is an object, and columns are member names; time
// columns are RFC 3339 text (or nginx's $time_local form) for timestamp
// and rfc3339, seconds (nginx's $msec) for unix, milliseconds for unix_ms.
// A JSON-lines dataset may name a key member (key:, e.g. nginx's
// $request_id) and a subject member (subject:, e.g. an account ID in an
// application log); then it takes part in holds and requests like a table.
//
// # Records and keys
//
// A record is a line. Its key is the key member's value when the dataset
// names one; otherwise it is "<file>:<line>", the file name and the 1-based
// line number, e.g. "access.log.2.gz:1734". Such a key is valid only until
// the file is rewritten or rotated: a deletion renumbers the lines after
// it, and rotation renames the file. Do not store it.
//
// # Rules
//
// A rule never touches the live file, the one the server writes (the
// pattern's unrotated name, or files.live): its due lines are counted as
// held (Count) until rotation makes them processable, so rotate at least as
// often as the shortest period. Every other file is rewritten: its new
// version goes to a temporary file in the same directory, compressed if
// the file was, and is fsynced and renamed over the old one, and the
// directory is fsynced, so a crash leaves either the old or the new file,
// never a torn one. A file whose every line is deleted is removed as a
// whole.
//
// The rule that anonymizes or nulls the client address (the field bound
// to remote_addr; in JSON lines the first online_identifier field) also
// replaces every other IP address in the line with [IP]: in the request
// and its query, the referrer, the user and trailing parts (in JSON lines:
// every member frist does not read itself), so that an address in a URL
// does not survive its period. The user agent is left alone.
//
// A line that does not parse in its format is malformed. It inherits the
// time of the line before it (the file's modification time when no line
// before it parses), a delete rule deletes it, and an anonymizing rule
// handles it by the binding's files.malformed policy: "mask" (the default)
// keeps it with every IP address in it replaced by [IP], "drop" deletes
// it. A malformed line is never kept with an address in it once its rule
// ran. Malformed lines are reported to Options.Logger by file and count.
//
// A line longer than MaxLineLength (1 MiB) is overlong: only its head is
// read into memory, and the rest is streamed. It is malformed, but its
// time is the request time at its start in a common or combined log (else
// the time of the line before it), and because its rest cannot be searched
// for addresses in bounded memory,
// every rule that is due on it deletes it, an anonymizing rule too, and
// reports it to Options.Logger ("overlong lines deleted", by file and
// count): it is never kept with an address in it past its rule's period,
// and never dropped without a report. A line that is not due is kept byte
// for byte.
//
// A rule whose operators keep a value (ip_mask) needs the dataset's
// marker: in JSON lines it is a member set to the batch's time; in common
// and combined logs, which have no room for it, it is a watermark in the
// index: every line of the file up to the rule's cutoff is processed. The
// watermark follows a file that is renamed by rotation; a file that is
// recompressed outside frist loses it and its lines are selected again
// (ip_mask is idempotent, so they do not change, but they are counted
// again). A batch restricted to keys cannot set a watermark
// (ErrUnsupported).
//
// # Batches and their cost
//
// A rewrite costs the whole file, however few of its lines are due, so a
// batch does not stop at Selection.Limit lines: it takes the files that
// hold selected lines, oldest first, acts on every selected line of each,
// and stops after the file with which it reaches Limit (it takes every
// such file when Limit is 0). Within the batch records are in order of the
// first bound's time, then key. The retention engine, which continues
// while batches come back full, thus sweeps every due file.
//
// A sweep reads only files that can hold due lines: the index
// .frist-index.json in each log directory remembers, per file, the oldest
// and newest time of each time column, the number of lines and of
// malformed lines, and the watermarks; it is written atomically and an
// entry is rebuilt when the file's size, modification time or inode
// changes. Files are streamed line by line through fixed buffers; no file
// is held in memory, and a line is read, rewritten, counted and forgotten.
// A line is held whole only up to MaxLineLength, so a sweep's memory does
// not follow line length either (BenchmarkOverlongLinePeakHeap).
// On a dataset without a subject member (every common or combined log) the
// batch result reports only the number of lines (store.BatchResult.Count),
// so a batch's memory does not grow with the size of the files. A
// JSON-lines dataset with a subject member lists one record per processed
// line, compactly, because its audit entry names the subjects.
//
// # Files that cannot be read
//
// A rotated file that cannot be read to its end (empty, a truncated or
// corrupt gzip stream, a read error) is left alone by every rule: it is
// neither rewritten nor removed, so none of its lines is deleted silently,
// and the dataset's other files are processed as usual. Unreadable
// (store.Driver.Unreadable) counts such files, and the retention engine
// reports them under the rule and its time column at every sweep and plan
// until the file changes (its size, modification time or inode), when it
// is read again.
//
// # Audit log, journal, holds, remembered events, outbox and leases
//
// The state directory (Options.StateDir, by default the first files
// dataset's directory) holds .frist-audit.jsonl, the hash-chained audit
// log, one sealed entry per line, appended and fsynced. Each batch's entry
// names the dataset, the rule and the number of lines, and its note lists
// the files touched with their line counts; it never holds a line, an
// address or a URL. Once entries are dropped (Store.DropAudit), the file's
// first line is the signed base, {"base":{...}}, and the new file, base,
// kept entries and the drop's entry, is written aside, fsynced and
// renamed over the old one, so a crash leaves one or the other whole.
//
// A batch and its audit entry are one atomic step (docs/DESIGN.md, "Atomic
// batches") through the journal .frist-journal.json: once every new file
// version is complete and fsynced and the entry is sealed, the journal
// naming the renames and the entry is written atomically; then the files
// are renamed, the entry appended and the journal removed. New rolls a
// journal it finds forward (renames what is not renamed yet, appends the
// entry unless the log already ends with it) and removes temporary files
// no journal names. So after a crash either the rewrite and its entry both
// happened, or neither did and the lines are still due for the next sweep.
// New finishes a journal only when its entry follows the log's head or is
// the entry the log holds at its position; a journal whose position holds
// another entry fails New, naming the journal, before anything is renamed.
//
// # A commit that fails part way
//
// A commit (a batch, a hold change, a drop, an append, a change of the
// outbox) can fail part way without a crash: the disk is full, a rename or
// an fsync fails. The files
// may then be ahead of what the Store keeps in memory (a journal written,
// a file renamed, an entry appended whose fsync failed) or behind it (half
// an entry's line written), and sealing the next entry to the head in
// memory would break the chain. So the Store then reads its state
// directory again, exactly as New does, before it returns the error: it
// cuts a torn line off the audit log, reads the head, the base, the
// holds and the outbox, and finishes the journal, if one was written, or removes the
// temporary files of one that was not. The error wraps the failure and
// says whether the commit is stored: every commit whose journal (for a
// drop, the new log; for the outbox, the notification's new file) reached
// its place, and every Dequeue whose removal took effect, is finished and
// stored; none before it is, and nothing of it is visible. An append that fails cuts
// what it wrote off again, so its entry is not in the log (should the cut
// fail too, the reading again decides, and the error says which). While
// the state directory cannot be read again (the disk is still full), the
// Store refuses every write with an error wrapping ErrFailed, and tries
// again at each write; reads answer from what it last read. The next
// write after the disk recovers, or the next New, finishes the work.
//
// The Store heals itself rather than staying failed until it is opened
// again because the two do the same (reading again is New's recovery, run
// under the Store's lock, which keeps every other write out), and a Store
// that stays failed would leave every later sweep of a long-running
// process failing after a disk was full for a moment: due lines would
// wait for an operator (docs/DESIGN.md, "Never early": never stuck). A
// failed fsync is taken at its word only so far: what the kernel reports
// as written after it is what the Store reads again; whether a failed
// fsync lost pages that a later read still shows is beyond what any
// program over the page cache can tell.
//
// Holds live in .frist-holds.json. Placing or releasing a hold goes
// through the journal like a batch: the new holds file is written aside
// and fsynced, the journal names it and the hold's sealed audit entry,
// and then the file is renamed and the entry appended, so after a crash
// the hold change and its entry both happened or neither did; New reads
// the holds once it has rolled a journal forward. A hold on a
// record of a dataset with "<file>:<line>" keys holds the whole file (its
// key may also be the bare file name): rewriting the file would renumber
// its lines and move the hold to another line. This is the useful hold
// for logs anyway: a file kept as evidence of an attack (Art. 17(3)(e)).
// Subject holds apply only to JSON-lines datasets with a subject member.
// ExpireHolds rewrites the file atomically, without the holds that ended
// before its cutoff; the old file's blocks are the file system's until
// reused.
//
// Remembered events (store.RememberedEvents: a cancellation or withdrawal
// whose lines are under a hold or still in the live file, which the
// retention engine retries at every sweep and when a hold is released)
// live in the directory .frist-remembered, one JSON file per event named
// by the SHA-256 of its ID. Remembering an event writes its file as a
// batch writes a log file (a temporary file, fsynced, renamed into place,
// the directory fsynced), so a crash leaves the whole event or none, and
// New removes the temporary file of a write it interrupted; forgetting it
// removes the file. One file per event keeps both steps at one small
// write, however many events are remembered, and a forgotten event leaves
// nothing behind: the subject's identifier it names, personal data, is in
// the state directory only while the event is remembered (Art. 5(1)(e)).
// What the file system does with the freed blocks of a removed file is
// outside the Store's reach, as it is for a database's freed pages. New
// reads every event once, and a file that does not decode fails New,
// naming it, rather than an event being forgotten silently. A Store opened
// read-only lists the events as New found them and writes nothing.
//
// Notifications to recipients that could not be delivered (store.Outbox,
// Art. 19) live in the directory .frist-outbox, one JSON file per
// notification named by the SHA-256 of its ID, holding its ID, recipient,
// body (in base64, so that every byte of it survives), attempts and the
// times of its first and next attempt (UTC, to the microsecond). Enqueue
// and Reschedule write that one file as a batch writes a log file (a
// temporary file, fsynced, renamed into place, the directory fsynced) and
// Dequeue removes it and fsyncs the directory, before each returns: a
// crash leaves the old file or the new one whole, New removes the
// temporary file of a write it interrupted, and a change costs the same
// however many notifications wait (a Reschedule cost 0.9-1.4 times a
// durable write of the one notification alone with 10 of 1 KiB waiting,
// 0.95-1.5 times with 1,000; BenchmarkOutboxReschedule). A change that fails part way is read again
// from the files, as a commit that fails part way is (above), and its
// error says whether it is stored. Dequeue leaves nothing of the
// notification, so its body, which holds personal data, is in no file of
// the state directory once Dequeue returns; the removed file's blocks are
// the file system's until reused, as for every removed file. New reads
// every file once; a file that does not decode, holds a field it does not
// know or an incomplete notification, is not the file of its ID, or is
// not a notification's file at all fails New, naming the file, rather
// than a notification being dropped silently. A Store opened read-only
// lists the notifications as New found them and writes nothing.
// Reschedule compares and sets under the Store's lock, so of callers with
// the same attempts exactly one wins.
//
// One process at a time opens a state directory (an flock on
// .frist-lock, which Close releases, even while a child process the
// program started meanwhile still holds a copy of the file); leases therefore live in memory and order the sweepers of
// that process, and the holds, remembered events and outbox a Store keeps in
// memory are those on disk: no other writer changes them. Of two callers
// forgetting the same event, exactly one succeeds. Rotation while a batch runs is detected (the file's
// identity is checked before the rename) and fails the batch with
// store.ErrConflict, to be retried at the next sweep; there is a short
// window between that check and the rename, so schedule sweeps away from
// logrotate's run.
package logstore
