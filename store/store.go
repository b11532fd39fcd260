// Package store defines the interfaces that frist's storage backends
// implement. Application code does not call them: it hands a backend to
// retention.New, consent.New and dsar.NewService, which check their
// arguments, lock and wrap errors once, so that each backend stays small.
//
// # Three tiers
//
// The contract has three tiers, and a backend knows from the types alone
// what it must implement:
//
//  1. The required core, [Driver]: records (Process, Count, Earliest,
//     Unreadable, Records, Times, SubjectsByField, UpdateFields, Serves,
//     Purge), [Holds], [AuditLog], [Leases], remembered events
//     ([RememberedEvents]) and notifications waiting for delivery
//     ([Outbox]). Every backend implements all of it; the engine
//     never finds a part of it by type assertion, so a wrapper that embeds
//     a Driver hides nothing. An operation a backend truly cannot do
//     (store/logstore cannot change a line in place) is still a method: it
//     returns an error wrapping errors.ErrUnsupported, and a method with
//     nothing to do (Purge on a backend that leaves nothing behind,
//     Unreadable on one that holds only valid times) returns nil or 0.
//  2. Two features, each an interface of its own that the package needing
//     it takes as an argument, so that a backend without it is a compile
//     error, not a failure at run time: [ConsentStore], the consent ledger
//     taken by consent.New, and [RequestStore], data-subject requests and
//     objections taken by dsar.NewService. store/memstore,
//     store/sqlitestore and store/pgstore implement both, and
//     store/multistore does by delegating to its home backend, whose type
//     says it must.
//  3. One optional diagnostic, [IndexChecker], found by type assertion and
//     used only by retention's Plan to warn about a time column without an
//     index.
//
// # Well-formed input
//
// A backend is promised well-formed input and need check none of it:
// every name in a Batch or Selection, whether it is processed, counted or
// searched for its earliest time, is one the dataset declares (time
// columns, fields, the declared Marker), a Subject is set only on a
// dataset with a subject column, Earliest's column is a declared time
// column and Unreadable's selection has a bound, a batch either deletes or
// changes records, Apply is set exactly when Transform is, Apply and
// Audit never panic and Apply returns only Transform fields, and every
// audit entry passes audit.Entry.Validate. retention, consent and dsar
// keep the promise by checking in one place before they call a backend.
// What a backend still answers with an error is what only it can know: a
// dataset it was not configured with (ErrUnknownDataset), a record or
// hold that does not exist, a value its column cannot hold, and what it
// cannot do. A SQL backend writes identifiers only from the declaration
// it was bound to, so no name a caller passes becomes an identifier in a
// statement.
//
// Every method's contract is written in its doc comment, and package
// store/storetest turns each sentence into a subtest. A backend's own test
// is a small harness that calls storetest.Run, which runs the groups of
// every tier the backend's type implements.
//
// Keys and subjects cross this interface in their text form, as
// CAST(column AS TEXT) would give them; backends convert them back to the
// column's type so that comparisons use the application's indexes.
//
// Time is never read from a clock by a backend: every method that needs the
// current time receives it as an argument (Selection.Now, Hold.PlacedAt...).
//
// # frist's own records
//
// frist keeps its own records only as long as the declaration says
// (Art. 5(1)(e) GDPR): [ConsentStore.ExpireConsents] deletes the events of
// consents that ended before a cutoff, [RequestStore.PseudonymizeRequests]
// replaces the subject of requests closed before one by its keyed
// pseudonym, and [RequestStore.ExpireRequests] deletes closed requests and
// lifted objections. The backend is given the cutoff, never a period: the
// callers compute it from the declaration, so that a record is never
// removed before its period ends (docs/DESIGN.md, "Never early").
// [Holds.ExpireHolds] deletes holds that ended before one.
// [AuditLog.DropAudit] drops the oldest entries of the audit log whose
// period ended, a prefix at a time, and keeps a signed audit.Base from
// which the rest still verifies.
//
// What such a deletion or overwrite leaves in the backend's files is
// removed as an application record's is: the engine names the kinds of
// records changed ([OwnRecords]: consent events, requests and objections,
// remembered events, audit entries, ended holds) in the [PurgeScope] of its next call of
// [Driver.Purge], and the backend purges its own tables of those kinds as
// it purges a dataset's table (SQLite: secure deletion in every write of
// frist's and the write-ahead log truncated; PostgreSQL: the tables
// vacuumed when the operator asks).
//
// # Holds
//
// A hold protects its records from the moment PlaceHold returns, on every
// replica that shares the backend: PlaceHold and Process are serialised
// (a batch either commits before the hold is stored or sees it), and a
// stored hold counts until it is released or ends, whatever its PlacedAt
// says against a batch's Selection.Now (Hold.Active). memstore and
// logstore serialise with the lock their batches hold, SQLite with the
// write lock of a batch's BEGIN IMMEDIATE transaction, PostgreSQL with an
// advisory lock that batches hold shared and PlaceHold exclusively, so
// PlaceHold waits at most for the batches in flight.
//
// A hold and its audit entry are stored in one atomic step, as a batch
// and its entry are (docs/DESIGN.md, "Atomic batches"): PlaceHold and
// ReleaseHold take a [HoldAudit] that builds the entry, which the backend
// seals to the log's head inside the transaction that stores the change.
// No hold is in force, and no release has freed records, without the
// entry that records it, and no entry records a change that was not
// stored.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/frist-go/frist/audit"
)

// Sentinel errors. Backends return them (wrapped or not) so that callers can
// test with errors.Is.
var (
	// ErrNotFound is returned when a hold, record or request does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrHeld is returned when an operation targets a record under an active
	// legal hold or Art. 18 restriction.
	ErrHeld = errors.New("store: record is under legal hold")
	// ErrUnknownDataset is returned for a dataset the backend was not
	// configured with.
	ErrUnknownDataset = errors.New("store: unknown dataset")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("store: closed")
	// ErrConflict is returned when a write conflicts with a concurrent one
	// (an existing ID, a lease held by another owner).
	ErrConflict = errors.New("store: conflict")
	// ErrNotMigrated is returned by a backend opened read-only when
	// frist's own tables are missing or older than it needs: a read-only
	// store never creates them.
	ErrNotMigrated = errors.New("store: frist's own tables are missing or out of date")
)

// Migration says what opening a backend did to frist's own tables.
type Migration struct {
	// From and To are the schema versions before and after; From is 0
	// when the tables did not exist.
	From, To int
	// Created names the tables created, in order.
	Created []string
}

// Changed reports whether anything was created or upgraded.
func (m Migration) Changed() bool { return m.To != m.From || len(m.Created) > 0 }

// Bound restricts a selection to records whose time column holds a valid
// time in the column's representation that is not later than Cutoff. The
// engine converts rule periods into cutoffs, so a backend compares a
// column with a constant and can use an index. A value that is not a valid
// time (see Driver.Unreadable) is never selected, whatever the cutoff.
type Bound struct {
	// Column is the TimeColumn.Name of the dataset (not the SQL column).
	Column string
	Cutoff time.Time
}

// Selection describes the records a rule may process. All its conditions
// must hold for a record to be selected.
type Selection struct {
	// Dataset is the dataset, one of the backend's declaration.
	Dataset string
	// Bounds are time conditions; a record whose bound column is NULL (or
	// absent) is not selected.
	Bounds []Bound
	// Keys, when non-nil, restricts the selection to these record keys.
	Keys []string
	// Subject, when non-empty, restricts the selection to records of this
	// subject. It is set only on a dataset with a subject column.
	Subject string
	// NotNull, when non-empty, names fields (Field.Name) of which at least
	// one must be non-NULL: a nulling rule has work left exactly there.
	NotNull []string
	// Marker, when non-empty, names a column that must be NULL: a rule that
	// sets it has not yet processed the record. It is the dataset's
	// declared Marker column (policy.Dataset.Marker).
	Marker string
	// Now is the current time: for a sweep, the time it started. A hold
	// excludes a record when it is stored and neither released nor ended
	// at Now (Hold.Active); when it was placed does not matter, so a hold
	// placed after the sweep started, or by a replica whose clock is
	// ahead, excludes its records as soon as it is stored.
	Now time.Time
	// Limit bounds the number of records processed; 0 means no limit.
	Limit int
	// After, when non-nil, is the Next of an earlier batch of this
	// selection (BatchResult.Next): the backend starts behind that batch's
	// last record instead of at the beginning of the selection's order.
	// A sweep of a rule whose records stay where they are (nulled or
	// marked) then does not read the records it has processed again, and
	// costs O(due) instead of O(due²/batch). A record before that position
	// that the earlier batches left alone (held, or locked by another
	// transaction) is left for the next sweep, which starts afresh. A
	// backend that does not track positions ignores After and returns no
	// Next; a value that is not one of its own positions is an error.
	After any
}

// Record is one record as the engine sees it.
type Record struct {
	// Key is the record's key in text form.
	Key string
	// Subject is the record's subject in text form, "" when the dataset
	// has no subject column or the value is NULL.
	Subject string
	// Fields holds field values by Field.Name for the fields an action or
	// a read asked for. Values are nil, string, int64, float64, bool,
	// []byte or time.Time.
	Fields map[string]any
	// Times holds the record's time column values by TimeColumn.Name, in
	// UTC, as Driver.Times returns them: a NULL column is absent. Only
	// Driver.Records sets it; it is nil in every other result.
	Times map[string]time.Time
}

// Action is what happens to a selected batch.
type Action struct {
	// Delete deletes the records.
	Delete bool
	// Null lists fields (Field.Name) set to NULL.
	Null []string
	// Transform lists fields whose new value Go code computes. The backend
	// reads them, calls Apply once per record and writes the result.
	Transform []string
	// Apply computes the new values of the Transform fields of one record,
	// whose Fields hold the current values of the Transform fields. It
	// returns a map from field name to new value, naming only Transform
	// fields; fields it omits keep their value. It is set exactly when
	// Transform is, and it does not panic: the caller guards it. An error
	// fails the whole batch.
	Apply func(Record) (map[string]any, error)
	// SetMarker, when non-empty, is a column set to Selection.Now on every
	// processed record. Like Selection.Marker, it must be the dataset's
	// declared Marker column.
	SetMarker string
}

// Batch is one unit of work: select, act, and record the audit entry, all
// in one transaction.
type Batch struct {
	Selection
	Action
	// Audit builds the audit entry for the records processed: count is
	// how many there were, and processed lists them, or is nil when the
	// backend reports only the count (see BatchResult.Processed). The
	// backend calls it inside the transaction, after acting and before
	// committing, seals the entry to the log's head (audit.Seal) and
	// stores it. When nothing was selected, Audit is not called and
	// nothing is stored. Audit is always set, does not panic and returns
	// only entries that pass audit.Entry.Validate: the caller guards it.
	// An error fails the whole batch.
	Audit func(processed []Record, count int) (audit.Entry, error)
}

// BatchResult reports what a batch did.
type BatchResult struct {
	// Processed are the records acted on, in processing order, with Key
	// and Subject set. On a dataset without a subject column a backend
	// may leave it nil and report only Count: such records carry nothing
	// the engine needs but their number, and a backend whose batch spans
	// millions of records (a log file) need not hold them in memory. On a
	// dataset with a subject column it always lists them, since the audit
	// entry names their subjects.
	Processed []Record
	// Count is the number of records acted on: len(Processed) when they
	// are listed, and always set.
	Count int
	// Entry is the sealed audit entry, zero when nothing was processed.
	Entry audit.Entry
	// Next, when non-nil, is the position of the batch's last record in
	// the selection's order, for Selection.After of the next batch of the
	// same selection. It is opaque: only the backend that returned it
	// reads it. nil when the backend does not track positions, and may be
	// nil after a delete, which leaves nothing a later batch would read
	// again.
	Next any
}

// Driver is the required core every backend implements (tier 1 of the
// package documentation): records, holds, the audit log, leases and
// remembered events. The retention engine cannot keep its promises without
// any of them, so none is optional; an operation a backend truly cannot do
// is still a method, returning an error that wraps errors.ErrUnsupported.
type Driver interface {
	// Process selects up to b.Limit records matching b.Selection that are
	// not under a hold active at b.Now (Hold.Active), applies b.Action to
	// them, and appends b.Audit(processed, count) to the audit log, all
	// atomically: after a crash either all of it happened or none of it.
	// Process and PlaceHold are serialised: a batch either commits before
	// a hold is stored, or it sees the hold and leaves the records the
	// hold covers alone, whatever the hold's PlacedAt says against b.Now.
	// Records are selected in ascending order of the first bound's
	// column, then of the key (in the key column's own order: numeric for
	// integer keys); by key alone when there are no bounds. Concurrent
	// calls with overlapping selections never process a record twice. A
	// record that no longer matches (deleted, nulled, marked) is not
	// selected again. Process never modifies columns other than those the
	// action names.
	//
	// When Apply or Audit returns an error (see Action.Apply,
	// Batch.Audit), Process returns an error and changes nothing: no
	// record is modified and no audit entry is stored. Apply and Audit run
	// while the batch is open and must not call the backend. A Selection
	// that names a dataset the backend was not configured with yields
	// ErrUnknownDataset; b is otherwise well-formed (see the package
	// documentation).
	Process(ctx context.Context, b Batch) (BatchResult, error)

	// Count returns how many records match sel (ignoring Limit), split
	// into those free to process and those under a hold active at sel.Now
	// (Hold.Active). A backend that leaves records alone for a reason of
	// its own (store/logstore: the lines of the file the server is still
	// writing) counts them as held too. sel is well-formed, as Process's
	// is: the caller checks it.
	Count(ctx context.Context, sel Selection) (free, held int, err error)

	// Earliest returns the smallest value of the time column (a
	// TimeColumn.Name) among the records matching sel whose value is a
	// valid time later than after, and false when there is none; a value
	// that is not a valid time is passed over, never an error. Holds and
	// Limit do not matter: a held record has a deadline too. It lets the
	// engine tell the next deadline of a rule. sel is well-formed and
	// column is a time column the dataset declares: the caller checks
	// them.
	Earliest(ctx context.Context, sel Selection, column string, after time.Time) (time.Time, bool, error)

	// Unreadable counts the records that match sel without its Bounds
	// and whose value in the column of sel.Bounds[0] is not NULL and not
	// a valid time in the column's representation: text in an unknown
	// form or with an offset the column's declared zone never has, a
	// number in a text column, an empty string,
	// PostgreSQL's -infinity. Such a value is never selected by a Bound,
	// whatever its cutoff, so the record is never processed by a time
	// rule; the engine reports the count at every sweep instead of leaving
	// the records silently (Art. 5(1)(e) GDPR: a record kept past its
	// period must at least be known).
	//
	// It counts every such record whose value sorts below or above every
	// valid value in the column's own order, or at or before the bound's
	// cutoff; one sorting among valid values later than the cutoff is
	// counted once the cutoff passes it, so that counting reads no more
	// than the due part of the column's index. Holds and Limit do not
	// matter. sel is well-formed and has at least one bound: the caller
	// checks it. want says in words
	// what a valid value of the column is ("SQLite text in UTC"), so that
	// a report can say what the records lack. A backend whose time
	// columns hold only valid times returns 0.
	Unreadable(ctx context.Context, sel Selection) (n int, want string, err error)

	// Records returns the records of subject in dataset with the given
	// fields (all declared fields when fields is nil), ordered by key (in
	// the key column's own order), each with its time column values in
	// Record.Times, read together with the fields: an access report,
	// which states the storage period and the concrete deadline of every
	// record (Art. 15(1)(d) GDPR), costs one read per dataset. A NULL time
	// column is absent from Times, and so is a value that is not a valid
	// time (one Unreadable counts), never an error: no rule selects the
	// record by that column either. It returns no records, not an error,
	// for an unknown subject, and ErrUnknownDataset for a dataset the
	// backend was not configured with. The dataset has a subject column
	// and the fields are declared: the caller checks them.
	Records(ctx context.Context, dataset, subject string, fields []string) ([]Record, error)

	// Times returns the time column values of the record with key, by
	// TimeColumn.Name; a NULL column is absent from the map. It returns
	// ErrNotFound when no such record exists.
	Times(ctx context.Context, dataset, key string) (map[string]time.Time, error)

	// SubjectsByField returns the distinct subjects (the subject column as
	// text, as Record.Subject gives it) of the records of dataset whose
	// field (Field.Name) holds exactly value, in ascending order; none is
	// no error. package dsar uses it to answer a request by an identifier
	// the person knows (policy.Identifier, Art. 12(2), 15(1)). It returns
	// ErrUnknownDataset for a dataset the backend was not configured
	// with. The dataset has a subject column and the field is declared:
	// the caller checks them. A backend that cannot search its records by
	// field returns an error wrapping errors.ErrUnsupported.
	SubjectsByField(ctx context.Context, dataset, field, value string) ([]string, error)

	// UpdateFields sets the fields (by Field.Name) of the record with key
	// in dataset to values and appends entry to the audit log, atomically:
	// either both happen or neither. package dsar uses it for
	// rectification (Art. 16 GDPR). It changes the record only if its
	// subject column holds subject; otherwise, or when no record has key,
	// it returns ErrNotFound and changes nothing, so that one subject's
	// request never touches another's record. It returns ErrUnknownDataset
	// for an unknown dataset and an error for a value the column cannot
	// hold; in either case nothing changes. The dataset has a subject
	// column, values names at least one declared field outside the key
	// column, and entry passes audit.Entry.Validate: the caller checks
	// them (see the package documentation). It returns the sealed entry. A
	// backend that cannot change a record in place returns an error
	// wrapping errors.ErrUnsupported and changes nothing.
	UpdateFields(ctx context.Context, dataset, key, subject string, values map[string]any, entry audit.Entry) (audit.Entry, error)

	// Serves reports whether the backend holds the records of dataset:
	// whether its methods that name the dataset can succeed. retention.New
	// refuses a declaration whose rules name a dataset the backend does
	// not serve (a dataset bound to files given to a SQL backend alone),
	// which would otherwise fail with ErrUnknownDataset at every sweep and
	// never be enforced (Art. 5(1)(e)).
	Serves(dataset string) bool

	// Purge removes from the backend's files what earlier batches on the
	// datasets of scope, and the deletions and overwrites of frist's own
	// records of the kinds in scope.Own, left behind physically, as far as
	// the backend's documentation says it can: a deleted or overwritten
	// record can survive in an SQLite write-ahead log or in the dead
	// tuples of a PostgreSQL table after its transaction committed, and
	// erasure means the data is gone (Art. 17(1), Art. 5(1)(e)), for the
	// proof of an expired consent or the identifier of a pseudonymized
	// request as much as for an application's record. The engine calls it
	// once per sweep after work that deleted or anonymized records or
	// deleted or overwrote frist's own. It runs outside any transaction of
	// frist's and may wait for the application's readers or writers for
	// as long as the backend documents. It changes no record: what is
	// stored reads the same before and after. An error means that
	// something may be left; the engine calls Purge again, with the same
	// scope, at its next sweep. An error wrapping ErrPurgeDeferred says
	// the storage was busy and nothing is wrong. A backend whose deletions
	// leave nothing behind returns nil.
	Purge(ctx context.Context, scope PurgeScope) error

	Holds
	AuditLog
	Leases
	RememberedEvents
	Outbox

	// Close releases the backend's resources (not the application's
	// *sql.DB). Calls after Close return ErrClosed.
	Close() error
}

// HoldReason cites why a record may not be erased or processed.
type HoldReason string

// The hold reasons frist knows.
const (
	// HoldLegalObligation: erasure would breach a legal obligation
	// (Art. 17(3)(b)).
	HoldLegalObligation HoldReason = "17.3.b"
	// HoldLegalClaims: the data is needed for legal claims (Art. 17(3)(e)).
	HoldLegalClaims HoldReason = "17.3.e"
	// HoldRestriction: processing is restricted at the subject's request
	// (Art. 18).
	HoldRestriction HoldReason = "18"
)

// Hold excludes records from every rule until it is released or ends.
type Hold struct {
	// ID is a UUIDv7 assigned by the caller.
	ID string
	// Dataset and Key hold one record; Subject holds every record of a
	// subject (in Dataset, or in every dataset when Dataset is empty).
	Dataset string
	Key     string
	Subject string
	Reason  HoldReason
	// Note explains the hold in words; it must not contain personal data.
	Note     string
	PlacedAt time.Time
	// Until, when non-zero, ends the hold automatically.
	Until time.Time
	// ReleasedAt is set by ReleaseHold.
	ReleasedAt time.Time
}

// Active reports whether h holds at time t: it was neither released
// (ReleasedAt) nor did it end (Until) at or before t. PlacedAt plays no
// part: a stored hold protects its records from the moment it is stored,
// even when t is earlier than PlacedAt, as it is for a sweep that started
// before the hold was placed, on a replica whose clock is behind the
// placing one's, or after that clock was set back (Art. 17(3), Art. 18(1);
// docs/DESIGN.md, "Never early").
//
// The end is read protectively: a sweep compares Until and ReleasedAt with
// its start time, so a hold that ends while a sweep runs protects its
// records until that sweep is over, and a release stamped by a replica
// whose clock is ahead frees nothing before the sweeping replica's clock
// reaches it. Until is judged on the sweeping replica's clock, as every
// deadline is: a replica whose clock runs d ahead ends a hold at most d
// before its Until, never earlier, and a hold without Until ends only
// when it is released.
func (h Hold) Active(t time.Time) bool {
	if !h.ReleasedAt.IsZero() && !t.Before(h.ReleasedAt) {
		return false
	}
	return h.Until.IsZero() || t.Before(h.Until)
}

// HoldAudit builds the audit entry of a change to a hold from h, the hold
// as the change stores it (ReleasedAt set for a release). The backend
// calls it inside the transaction that stores the change, after storing
// it and before committing, seals the entry to the log's head
// (audit.Seal) and stores it, as a batch's Audit (Batch.Audit): the change
// and its entry are stored together or neither is (docs/DESIGN.md,
// "Atomic batches"), so that the audit log accounts for every hold in
// force and every release. An error fails the change, and nothing is
// stored. It is always set, does not panic, must not call the backend,
// and returns only entries that pass audit.Entry.Validate: the caller
// guards it.
type HoldAudit func(h Hold) (audit.Entry, error)

// Holds stores legal holds and restrictions. Every change to a hold is
// stored atomically with its audit entry (HoldAudit).
type Holds interface {
	// PlaceHold stores h and appends entry(h) to the audit log in one
	// atomic step (HoldAudit), and returns the sealed entry. It returns
	// ErrConflict, storing nothing, if a hold with h.ID exists. h has an
	// ID and a reason, and names a record (Dataset and Key) or a subject:
	// retention.Engine.PlaceHold checks it.
	//
	// From the moment PlaceHold returns, no batch (Driver.Process) of this
	// or any other replica processes a record h covers until h is released
	// or ends, whatever h.PlacedAt says against the batch's Selection.Now:
	// a batch in flight while the hold is stored either commits before it
	// is stored or sees it. PlaceHold therefore waits at most for the
	// batches in flight to commit.
	PlaceHold(ctx context.Context, h Hold, entry HoldAudit) (audit.Entry, error)
	// ReleaseHold releases the hold with id at at and appends entry of
	// the released hold to the audit log in one atomic step (HoldAudit),
	// and returns the sealed entry. A hold that was released before, or
	// whose Until is not after at, has ended: ReleaseHold then changes
	// nothing, does not call entry, and returns the zero entry, so a
	// release is recorded once and keeps its first time. It returns
	// ErrNotFound for an unknown id.
	ReleaseHold(ctx context.Context, id string, at time.Time, entry HoldAudit) (audit.Entry, error)
	// ListHolds returns the holds active at the given time (Hold.Active:
	// not released and not ended at it, whenever they were placed),
	// ordered by ID.
	ListHolds(ctx context.Context, at time.Time) ([]Hold, error)
	// ExpireHolds deletes every hold that ended before endedBefore (see
	// Hold.Ended: released, or past its Until, whichever came first) and
	// returns how many it deleted. A hold still in force, released by
	// nobody and with no Until, or ended at or after endedBefore, is never
	// deleted, nor is a hold whose stored end cannot be read as a time.
	// A released or ended hold is kept as the proof that the records it
	// named were restricted (Art. 18) or kept for a reason of Art. 17(3),
	// and names a record key or a subject's identifier, so it is kept no
	// longer than the declaration says (policy.Records.Holds; Art. 5(1)(e)
	// GDPR). endedBefore is not zero: the caller computes it from the
	// declaration so that no hold is deleted before its period ends
	// (docs/DESIGN.md, "Never early").
	ExpireHolds(ctx context.Context, endedBefore time.Time) (int, error)
}

// Ended returns when h ended: the earlier of its release (ReleasedAt) and
// its automatic end (Until), or the zero time when it has neither and so
// holds until it is released.
func (h Hold) Ended() time.Time {
	switch {
	case h.ReleasedAt.IsZero():
		return h.Until
	case h.Until.IsZero() || h.ReleasedAt.Before(h.Until):
		return h.ReleasedAt
	}
	return h.Until
}

// AuditLog stores the hash-chained audit log.
type AuditLog interface {
	// AppendAudit seals e to the head of the log (audit.Seal) and stores
	// it atomically; concurrent appends are serialised so the chain never
	// forks. It returns the sealed entry. e passes audit.Entry.Validate:
	// the caller checks it.
	AppendAudit(ctx context.Context, e audit.Entry) (audit.Entry, error)
	// ReadAudit returns up to limit entries (all when limit <= 0) with Seq
	// greater than after, in ascending Seq order, exactly as sealed: they
	// verify with audit.Verify. A backend that keeps an entry in more than
	// one form (the SQL backends: a sealed body and queryable columns)
	// returns an *audit.VerifyError of kind audit.Changed, naming the
	// entry's position, for a stored entry whose forms disagree or whose
	// body does not decode, so that verification reports the log as
	// broken there.
	//
	// After a drop (DropAudit) the entries up to the Base are gone:
	// ReadAudit(ctx, 0, limit) returns the kept entries from the one
	// after the Base, and they verify with audit.VerifyFrom from it.
	ReadAudit(ctx context.Context, after uint64, limit int) ([]audit.Entry, error)
	// AuditBase returns where the kept log begins: the audit.Base the
	// latest DropAudit stored, or the zero Base when no entry was ever
	// dropped. It is read as stored and checks nothing: verification
	// checks it (audit.NewVerifierFrom).
	AuditBase(ctx context.Context) (audit.Base, error)
	// DropAudit drops the oldest entries of the log whose retention ended
	// (Art. 5(1)(e) GDPR), as d says (see AuditDrop): the longest prefix
	// of the kept log, starting right after the Base, whose every entry
	// is due by d.Due. The first entry that is not due ends the prefix,
	// even when entries after it would be due (their Time went back
	// with a replica's clock), so what remains still chains. In one
	// atomic step, serialised with AppendAudit, it deletes the prefix,
	// stores the new Base (d.Result, signed by the signer attached to
	// d.Entry) and appends the entry that records the drop (positions
	// and count only), sealed to the head like any other: after a crash
	// either all three happened or none. It returns what it did; when no
	// entry is due it changes nothing, appends nothing and returns the
	// zero AuditDropped. A log that has no Base and does not begin at
	// position 1 is broken, and DropAudit returns an error and drops
	// nothing from it. d.Before is not zero and d.Entry passes
	// audit.Entry.Validate once made a drop entry: the caller checks
	// them.
	DropAudit(ctx context.Context, d AuditDrop) (AuditDropped, error)
}

// Leases let one replica of an application sweep at a time.
type Leases interface {
	// AcquireLease takes the lease name for owner until now+ttl. It
	// succeeds when the lease is free, expired (now is not before its
	// end), or already owner's (which extends it to now+ttl), and returns
	// false when another owner holds it.
	AcquireLease(ctx context.Context, name, owner string, now time.Time, ttl time.Duration) (bool, error)
	// ReleaseLease frees the lease if owner holds it; otherwise it does
	// nothing.
	ReleaseLease(ctx context.Context, name, owner string) error
}
