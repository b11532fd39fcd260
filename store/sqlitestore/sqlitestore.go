// Package sqlitestore is frist's SQLite backend, on modernc.org/sqlite
// through database/sql. It enforces a declaration directly on the
// application's own tables through the application's own *sql.DB; it never
// opens connections of its own and never alters the application's tables.
// frist's own state (holds, the audit log, leases, the schema version)
// lives in tables prefixed frist_, created by versioned migrations.
//
// # Opening the database
//
// Open the application's database with
//
//	file:app.db?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=secure_delete(1)&_txlock=immediate
//
// and use the same *sql.DB for the application and for frist:
//
//   - journal_mode(WAL) lets the booking service keep reading while a sweep
//     writes; with a rollback journal every write blocks every reader.
//   - busy_timeout(5000) makes a writer wait up to five seconds for the
//     write lock instead of failing at once with SQLITE_BUSY.
//   - _txlock=immediate makes the application's own transactions take the
//     write lock when they begin. A deferred transaction that reads first
//     and writes later fails with SQLITE_BUSY_SNAPSHOT, which busy_timeout
//     cannot help, whenever another connection (a sweep) committed in
//     between. frist's own transactions always begin with BEGIN IMMEDIATE,
//     whatever the DSN says.
//   - secure_delete(1) makes SQLite overwrite with zeros what a statement
//     deletes or moves, so that erased records leave no bytes behind in the
//     database file. frist's own transactions always run with it; but the
//     application's inserts and updates rebalance the table's pages too,
//     and without it they leave stale copies of rows in the pages' free
//     space, where no later delete reaches them.
//
// New refuses a file database that is not in WAL mode, has no busy_timeout
// or has secure_delete off (see ErrNotWAL, ErrNoBusyTimeout and
// ErrNoSecureDelete); Options.SkipPragmaCheck turns the check off for tools
// that know they are alone.
//
// # Erased means gone
//
// A record that a batch deleted or anonymized, and a row of frist's own
// tables that frist deleted or overwrote (an expired consent event, a
// closed request, a request's identifier replaced by its pseudonym, an
// erased subject's consent events, a dequeued notification's body), is
// overwritten in the database file
// as the change is checkpointed into it (every transaction of frist's runs
// with secure_delete, whatever the connection says), but the write-ahead
// log still holds the pages as they were. After every sweep that processed
// records or changed frist's own, and after one that follows a Trigger or
// an erasure, the retention engine calls Purge, which checkpoints the log
// into the file and truncates it to zero bytes. From then on neither file
// holds the erased values. Outside SQLite's reach remain the blocks a file system or an SSD
// keeps of overwritten data, backups and copies of the file, and stale
// copies written before the database used secure_delete: run VACUUM once
// after turning it on.
//
// # Time columns
//
// A time rule selects only records whose time value is a valid time in
// the column's representation (policy.TimeFormat) and at or before the
// cutoff, converted into the same representation so that SQLite compares
// a constant with the column and uses its index:
//
//   - timestamp: text in SQLite's own form, "2006-01-02 15:04:05" (a real
//     date and time), optionally with up to nine fraction digits
//     ("2006-01-02 15:04:05.123") and a suffix saying UTC ("Z", "+00:00",
//     or " +0000 UTC", which modernc.org/sqlite writes for a time.Time in
//     UTC, also with the monotonic clock reading " m=+0.001234567" that
//     time.Now() leaves in it), or a bare date "2006-01-02". Without a
//     suffix it is read as UTC, or as wall-clock time in the zone the
//     declaration gives (TimeColumn.Zone), the later instant in the hour
//     repeated when the clocks go back.
//   - timestamp with a declared zone also holds text with an offset the
//     zone has had since 1970 (Europe/Berlin: +01:00, +02:00) or UTC's, in
//     SQLite's form ("2026-03-01 09:00:00.123+01:00") or modernc.org/
//     sqlite's for a time.Time in that zone ("2026-03-01 09:00:00.123456789
//     +0100 CET", with or without " m=…"), read by the instant it names.
//     Such text sorts by its wall-clock digits, so a cutoff C reads the
//     index up to C plus the zone's largest offset (two hours for Berlin);
//     every value there up to C plus its smallest offset (or UTC's) is due
//     at a glance, and only those between are compared by their instant,
//     computed in SQL with datetime(). A sweep therefore reads its due
//     records and, beyond them, at most the records of the next two hours.
//   - unix, unix_ms: numbers of seconds or milliseconds from 1970 to 9999.
//     New refuses such a column whose declared type gives it TEXT affinity
//     (VARCHAR, TEXT): SQLite stores integers there as text, which no
//     cutoff selects.
//   - rfc3339: text in the fixed-width UTC form "2006-01-02T15:04:05Z".
//
// Every other value is never selected, whatever the cutoff, and is counted
// by Unreadable (store.Driver.Unreadable), which the engine reports at every
// sweep: an empty string, an integer or a real in a text column (they sort
// below every text value), text with an offset in a column without a
// declared zone, such as '2025-02-24 09:00:00 -0500 EST' (modernc.org/
// sqlite's form for a time.Time in New York) or '…-05:00' (it sorts by its
// wall-clock digits: hours early), or with an offset the declared zone
// never has, a 'T' between date and time in a timestamp column (hours
// late), garbage such as '03/10/2025' or '2025-02-13 99:99:99'. Write
// times in UTC, or declare the zone. A selection is the index range from
// the least valid value to the cutoff (widened as above) with the validity
// test applied to each entry in it, so a sweep reads its due records and
// the unreadable ones among them, nothing else. Earliest, Records and
// Times read each value as the selection does: a value no rule selects is
// left out of Record.Times, and Times returns an error naming its column.
//
// # Sweeps and the write lock
//
// Each batch is one short BEGIN IMMEDIATE transaction. Deletes and nulling
// first read where the batch ends, the (time, key) position of its n-th
// record, walking the index without touching the table, and then act on
// the index range up to it in one statement (DELETE ... WHERE (time, key)
// <= (?, ?)), which costs what a hand-written DELETE ... WHERE time <
// cutoff costs; Go operators read the batch, transform it and update it by
// key. Each batch of a sweep starts behind the previous one's last record
// (store.Selection.After), so a rule whose records stay in place (nulled
// or marked) does not read them again. Each batch asks once whether a
// hold on its dataset is active and
// probes holds record by record only when one is. The write transaction
// excludes every other writer, so nothing changes between those
// statements. The same lock serialises a batch with PlaceHold: a hold is
// stored either before a batch begins, and the batch sees it, or after it
// has committed (store.Holds). A sweep never holds the write lock for
// longer than one batch, and batches grow only while each stays within the
// engine's lock-time budget (retention.Options.BatchBudget).
//
// SQLite hands the write lock to no waiter in particular, and a connection
// waiting in its busy handler retries only every 100 ms once it has waited
// a quarter second; a sweep whose next batch began microseconds after the
// last one committed would take the lock again every time, and a writer
// would wait out its busy_timeout and fail with SQLITE_BUSY. So frist's
// transactions share the lock:
//
//   - frist's own writes (holds, consent events, requests, audit entries,
//     leases) ask for the lock every 100 µs instead of leaving the wait to
//     the busy handler, for as long as the connection's busy_timeout;
//   - a batch begins only after the writes of the same Store that were
//     waiting when it asked have committed (and a follow-up, such as the
//     audit entry of a request's update), and after a pause of a
//     twentieth of the last batch (0.25–2 ms), in which frist's writes
//     from another *sql.DB or process take the lock.
//
// A hold, a consent grant or a withdrawal stored during a sweep therefore
// waits at most for the batch in progress: bench/BENCHMARKS.md reports the
// worst wait during a sweep of 300k records as about one batch (a hold,
// measured when it was two writes, at most two; a hold and its audit entry
// are now one write). A write from another *sql.DB or
// process must also be scheduled within the pause: on a machine with more
// runnable work than cores it now and then misses one and waits a batch
// more (the benchmark saw 1.25 batches once at a load average of 8 on two
// cores). The application's own writes still
// wait in SQLite's busy handler and find the lock free only if they happen
// to ask in a pause; during a long sweep they may wait several batches
// (up to 3.7 s in the same benchmark, and once the whole busy_timeout of
// 5 s, failing with SQLITE_BUSY). Keep their busy_timeout at several
// seconds, and give a large backlog a sweep outside busy hours.
//
// Index each rule's time column together with the key, CREATE INDEX ON
// access_log (created_at, id) (an index on the time column alone ends in
// the rowid, which serves an INTEGER PRIMARY KEY as well).
package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/internal/sqldriver"
)

// Errors New returns for a database opened without the recommended DSN.
var (
	// ErrNotWAL: the database file is not in WAL mode, so every sweep
	// batch would block the application's readers.
	ErrNotWAL = errors.New("sqlitestore: database is not in WAL mode (open it with _pragma=journal_mode(WAL))")
	// ErrNoBusyTimeout: the connection has no busy_timeout, so a write
	// that meets another fails at once with SQLITE_BUSY.
	ErrNoBusyTimeout = errors.New("sqlitestore: connection has no busy_timeout (open it with _pragma=busy_timeout(5000))")
	// ErrNoSecureDelete: the connection has secure_delete off, so the
	// application's own writes leave copies of rows in free space that
	// frist's deletions cannot reach.
	ErrNoSecureDelete = errors.New("sqlitestore: connection has secure_delete off (open it with _pragma=secure_delete(1))")
)

// Options configure a Store. A nil *Options means the defaults.
type Options struct {
	// Schema is the attached database that holds frist's own tables;
	// "" means main.
	Schema string
	// SkipPragmaCheck skips the WAL, busy_timeout and secure_delete checks
	// of New.
	SkipPragmaCheck bool
	// ReadOnly opens the store for reading only, on a connection that may
	// be read-only (mode=ro, a file without write permission): New then
	// neither creates nor upgrades frist's own tables, returns an error
	// wrapping store.ErrNotMigrated when they are missing or out of date,
	// and skips the pragma checks, which concern writers. Methods that
	// write fail with the database's own error.
	ReadOnly bool
}

// Store is a store.Driver on an SQLite database. It also implements
// store.ConsentStore and store.RequestStore, keeping the consent ledger,
// data-subject requests and objections in frist's own tables as it keeps
// holds, remembered events and notifications waiting for delivery,
// implements store.IndexChecker, and reads
// the application's rows for retentiontest (Get). It is safe for
// concurrent use, also by several processes on one database file.
type Store struct {
	shared *sqldriver.Store
	db     *sql.DB
}

var (
	_ store.Driver       = (*Store)(nil)
	_ store.IndexChecker = (*Store)(nil)
)

// New returns a Store that enforces decl on db, the application's
// database. decl must be validated, and every table, key, subject, time,
// marker and field column it binds must exist (New reports every mismatch
// at once). New creates or upgrades frist's own tables (Store.Migrated
// says what it did) unless Options.ReadOnly is set; it is safe to call from
// several processes at once.
func New(db *sql.DB, decl *policy.Declaration, opts *Options) (*Store, error) {
	if opts == nil {
		opts = &Options{}
	}
	ctx := context.Background()
	if db != nil && !opts.SkipPragmaCheck && !opts.ReadOnly {
		if err := checkPragmas(ctx, db); err != nil {
			return nil, err
		}
	}
	w := &writeLock{}
	s, err := sqldriver.New(ctx, w, db, decl, sqldriver.Config{Schema: opts.Schema, MaxArgs: 32766, ReadOnly: opts.ReadOnly, Batch: w.runBatch})
	if err != nil {
		return nil, err
	}
	return &Store{shared: s, db: db}, nil
}

// checkPragmas checks one connection for WAL mode, a busy_timeout and
// secure_delete. In-memory databases cannot use WAL and are accepted, and
// leave nothing on disk to erase.
func checkPragmas(ctx context.Context, db *sql.DB) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlitestore: %w", err)
	}
	defer conn.Close()
	var mode string
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("sqlitestore: read journal_mode: %w", err)
	}
	if m := strings.ToLower(mode); m != "wal" && m != "memory" {
		return fmt.Errorf("%w; journal_mode is %s", ErrNotWAL, mode)
	}
	var timeout int
	if err := conn.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&timeout); err != nil {
		return fmt.Errorf("sqlitestore: read busy_timeout: %w", err)
	}
	if timeout <= 0 {
		return ErrNoBusyTimeout
	}
	if strings.EqualFold(mode, "memory") {
		return nil
	}
	var secure int
	if err := conn.QueryRowContext(ctx, "PRAGMA secure_delete").Scan(&secure); err != nil {
		return fmt.Errorf("sqlitestore: read secure_delete: %w", err)
	}
	if secure != 1 {
		return ErrNoSecureDelete
	}
	return nil
}
