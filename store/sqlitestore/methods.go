package sqlitestore

import (
	"context"
	"database/sql"
	"time"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
)

// The methods of Store run frist's shared SQL implementation on the
// SQLite dialect and batch strategy of this package.

// Process implements store.Driver.Process: it runs one batch as a range
// batch in one BEGIN IMMEDIATE transaction, which gives way to frist's
// other writers first (see "Sweeps and the write lock" in the package
// documentation), and stores the batch's audit entry in the same
// transaction, so that either both happen or neither (docs/DESIGN.md,
// "Atomic batches").
func (s *Store) Process(ctx context.Context, b store.Batch) (store.BatchResult, error) {
	return s.shared.Process(ctx, b)
}

// Count implements store.Driver.Count: how many records sel selects,
// free and under an active hold, reading only what the selection's indexed
// conditions reach.
func (s *Store) Count(ctx context.Context, sel store.Selection) (free, held int, err error) {
	return s.shared.Count(ctx, sel)
}

// Earliest implements store.Driver.Earliest: the smallest valid time of
// column later than after among the records sel selects.
func (s *Store) Earliest(ctx context.Context, sel store.Selection, column string, after time.Time) (time.Time, bool, error) {
	return s.shared.Earliest(ctx, sel, column, after)
}

// Unreadable implements store.Driver.Unreadable: it counts the records
// whose value in the first bound's column is not a valid time in the
// column's representation (see the package documentation, "Time
// columns"), which no time rule ever selects.
func (s *Store) Unreadable(ctx context.Context, sel store.Selection) (n int, want string, err error) {
	return s.shared.Unreadable(ctx, sel)
}

// Records implements store.Driver.Records: the records of subject in
// dataset with the given fields, ordered by key, each with its time
// columns read in the same statement.
func (s *Store) Records(ctx context.Context, dataset, subject string, fields []string) ([]store.Record, error) {
	return s.shared.Records(ctx, dataset, subject, fields)
}

// Times implements store.Driver.Times: the time column values of the
// record with key, or an error wrapping store.ErrNotFound.
func (s *Store) Times(ctx context.Context, dataset, key string) (map[string]time.Time, error) {
	return s.shared.Times(ctx, dataset, key)
}

// Get returns the row of dataset with key, by SQL column, and whether it
// exists: every column of the application's table as stored, bytes as a
// string, and a native time column or the marker that holds a time as a
// time.Time in UTC. With Times it makes Store a retentiontest.Store, so an
// application's tests can assert on its records directly.
func (s *Store) Get(ctx context.Context, dataset, key string) (map[string]any, bool, error) {
	return s.shared.Get(ctx, dataset, key)
}

// SubjectsByField implements store.Driver.SubjectsByField: the distinct subjects
// of the records of dataset whose field holds exactly value.
func (s *Store) SubjectsByField(ctx context.Context, dataset, field, value string) ([]string, error) {
	return s.shared.SubjectsByField(ctx, dataset, field, value)
}

// UpdateFields implements store.Driver.UpdateFields: it sets fields of the record
// with key, if it belongs to subject, and appends entry to the audit log in
// one transaction (Art. 16 GDPR).
func (s *Store) UpdateFields(ctx context.Context, dataset, key, subject string, values map[string]any, entry audit.Entry) (audit.Entry, error) {
	return s.shared.UpdateFields(ctx, dataset, key, subject, values, entry)
}

// Serves implements store.Driver.Serves: the store serves the datasets of its
// declaration that are bound to a table.
func (s *Store) Serves(dataset string) bool { return s.shared.Serves(dataset) }

// Unindexed implements store.IndexChecker: it reports whether no complete
// index of dataset's table begins with column, so that a sweep would scan
// the table.
func (s *Store) Unindexed(ctx context.Context, dataset, column string) (bool, error) {
	return s.shared.Unindexed(ctx, dataset, column)
}

// PlaceHold implements store.Holds.PlaceHold. It stores the hold and its
// audit entry in one BEGIN IMMEDIATE transaction, which waits for the
// batch in progress, so every later batch sees the hold.
func (s *Store) PlaceHold(ctx context.Context, h store.Hold, entry store.HoldAudit) (audit.Entry, error) {
	return s.shared.PlaceHold(ctx, h, entry)
}

// ReleaseHold implements store.Holds.ReleaseHold: the release and its
// audit entry commit in one transaction.
func (s *Store) ReleaseHold(ctx context.Context, id string, at time.Time, entry store.HoldAudit) (audit.Entry, error) {
	return s.shared.ReleaseHold(ctx, id, at, entry)
}

// ListHolds implements store.Holds.ListHolds: the holds active at at.
func (s *Store) ListHolds(ctx context.Context, at time.Time) ([]store.Hold, error) {
	return s.shared.ListHolds(ctx, at)
}

// ExpireHolds implements store.Holds.ExpireHolds: it deletes the holds
// that ended before endedBefore in one statement.
func (s *Store) ExpireHolds(ctx context.Context, endedBefore time.Time) (int, error) {
	return s.shared.ExpireHolds(ctx, endedBefore)
}

// AppendAudit implements store.AuditLog.AppendAudit: it seals e to the
// head of the hash chain and stores it.
func (s *Store) AppendAudit(ctx context.Context, e audit.Entry) (audit.Entry, error) {
	return s.shared.AppendAudit(ctx, e)
}

// ReadAudit implements store.AuditLog.ReadAudit. A row whose columns
// disagree with its sealed body yields an *audit.VerifyError naming it.
func (s *Store) ReadAudit(ctx context.Context, after uint64, limit int) ([]audit.Entry, error) {
	return s.shared.ReadAudit(ctx, after, limit)
}

// AuditHead returns the head that frist_audit_head records, which a
// verification compares with the head of the entries it read, so that
// entries deleted from the end of the log are noticed.
func (s *Store) AuditHead(ctx context.Context) (audit.Head, error) { return s.shared.AuditHead(ctx) }

// AcquireLease implements store.Leases.AcquireLease: it takes or renews
// the lease name for owner until now+ttl, unless another owner holds it.
func (s *Store) AcquireLease(ctx context.Context, name, owner string, now time.Time, ttl time.Duration) (bool, error) {
	return s.shared.AcquireLease(ctx, name, owner, now, ttl)
}

// ReleaseLease implements store.Leases.ReleaseLease.
func (s *Store) ReleaseLease(ctx context.Context, name, owner string) error {
	return s.shared.ReleaseLease(ctx, name, owner)
}

// Remember implements store.RememberedEvents.Remember: it remembers an
// event the engine could not yet act on in full.
func (s *Store) Remember(ctx context.Context, p store.RememberedEvent) error {
	return s.shared.Remember(ctx, p)
}

// ListRemembered implements store.RememberedEvents.ListRemembered.
func (s *Store) ListRemembered(ctx context.Context, after string, limit int) ([]store.RememberedEvent, error) {
	return s.shared.ListRemembered(ctx, after, limit)
}

// Forget implements store.RememberedEvents.Forget.
func (s *Store) Forget(ctx context.Context, id string) error {
	return s.shared.Forget(ctx, id)
}

// AppendConsent implements store.ConsentStore.AppendConsent: the event and
// its audit entry commit in one transaction, or neither does.
func (s *Store) AppendConsent(ctx context.Context, ev store.ConsentEvent, entry audit.Entry) (audit.Entry, error) {
	return s.shared.AppendConsent(ctx, ev, entry)
}

// ConsentEvents implements store.ConsentStore.ConsentEvents.
func (s *Store) ConsentEvents(ctx context.Context, subject, purpose string) ([]store.ConsentEvent, error) {
	return s.shared.ConsentEvents(ctx, subject, purpose)
}

// ScanConsents implements store.ConsentStore.ScanConsents: the events of subject
// for purpose up to until, newest first, until fn returns false.
func (s *Store) ScanConsents(ctx context.Context, subject, purpose string, until time.Time, fn func(store.ConsentEvent) bool) error {
	return s.shared.ScanConsents(ctx, subject, purpose, until, fn)
}

// EraseConsentSubject implements store.ConsentStore.EraseConsentSubject: it
// replaces subject by pseudonym in every event of subject (Art. 17 GDPR).
func (s *Store) EraseConsentSubject(ctx context.Context, subject, pseudonym string) (int, error) {
	return s.shared.EraseConsentSubject(ctx, subject, pseudonym)
}

// CreateRequest implements store.RequestStore.CreateRequest.
func (s *Store) CreateRequest(ctx context.Context, r store.Request) error {
	return s.shared.CreateRequest(ctx, r)
}

// UpdateRequest implements store.RequestStore.UpdateRequest: it replaces
// the request if the stored version is r.Version.
func (s *Store) UpdateRequest(ctx context.Context, r store.Request) (int, error) {
	return s.shared.UpdateRequest(ctx, r)
}

// Request implements store.RequestStore.Request.
func (s *Store) Request(ctx context.Context, id string) (store.Request, error) {
	return s.shared.Request(ctx, id)
}

// ListRequests implements store.RequestStore.ListRequests.
func (s *Store) ListRequests(ctx context.Context, f store.RequestFilter) ([]store.Request, error) {
	return s.shared.ListRequests(ctx, f)
}

// AddObjection implements store.RequestStore.AddObjection (Art. 21 GDPR).
func (s *Store) AddObjection(ctx context.Context, o store.Objection) error {
	return s.shared.AddObjection(ctx, o)
}

// LiftObjection implements store.RequestStore.LiftObjection.
func (s *Store) LiftObjection(ctx context.Context, id string, at time.Time, reason string) error {
	return s.shared.LiftObjection(ctx, id, at, reason)
}

// ListObjections implements store.RequestStore.ListObjections.
func (s *Store) ListObjections(ctx context.Context, subject string) ([]store.Objection, error) {
	return s.shared.ListObjections(ctx, subject)
}

// Migrated reports what New did to frist's own tables: the schema
// versions before and after and the tables it created. It is the zero
// Migration for a read-only store and when the tables were current.
func (s *Store) Migrated() store.Migration { return s.shared.Migrated() }

// DB returns the application's database the store works on.
func (s *Store) DB() *sql.DB { return s.shared.DB() }

// Close implements store.Driver.Close: it marks the store closed, and
// calls after it return store.ErrClosed. It does not close the
// application's *sql.DB.
func (s *Store) Close() error { return s.shared.Close() }

// ExpireConsents implements store.ConsentStore.ExpireConsents: it deletes
// the events of every consent that ended before endedBefore.
func (s *Store) ExpireConsents(ctx context.Context, endedBefore time.Time) (int, error) {
	return s.shared.ExpireConsents(ctx, endedBefore)
}

// PseudonymizeRequests implements store.RequestStore.PseudonymizeRequests.
func (s *Store) PseudonymizeRequests(ctx context.Context, closedBefore time.Time, pseudonym func(subject string) string) (int, error) {
	return s.shared.PseudonymizeRequests(ctx, closedBefore, pseudonym)
}

// ExpireRequests implements store.RequestStore.ExpireRequests.
func (s *Store) ExpireRequests(ctx context.Context, closedBefore time.Time) (int, error) {
	return s.shared.ExpireRequests(ctx, closedBefore)
}
