// Package pgstore is frist's PostgreSQL backend, on
// github.com/jackc/pgx/v5/stdlib through database/sql. It enforces a
// declaration directly on the application's own tables through the
// application's own *sql.DB; it never opens connections of its own and
// never alters the application's tables. frist's own state (holds, the
// audit log, leases, the schema version) lives in tables prefixed frist_,
// created by versioned migrations under a transaction-scoped advisory lock.
//
// # Concurrency between replicas
//
//   - Batches are claimed with FOR UPDATE SKIP LOCKED, so sweepers on
//     several replicas never process a record twice and never wait for
//     each other's rows.
//   - The audit log's head is a single row read with FOR UPDATE at the end
//     of each batch's statement (a data-modifying WITH clause), so the
//     chain never forks and appends wait only for each other's commit.
//   - A batch on a dataset without a subject column costs two round trips:
//     BEGIN goes to the server together with the batch statement, which
//     returns how many records it processed and the audit head, and the
//     entry goes together with COMMIT, as one pgx batch each. This needs
//     the pgx driver's connections (it reaches them through
//     (*sql.Conn).Raw); with another driver's a batch takes the ordinary
//     five. Datasets with a subject return the processed keys and subjects
//     for the audit entry and take six.
//   - frist's transactions run with JIT compilation off (SET LOCAL, so it
//     ends with them): the planner prices a batch on a large table above
//     jit_above_cost, and compiling took 20 ms of a batch that ran for 3.
//   - A batch of a Go operator (ip_mask, pseudonym, ...) reads the claimed
//     rows, applies the operator in Go and writes them back with one
//     UPDATE for all records whose operator returned the same fields: the
//     rows are reached by ctid and the new values bound as arrays of the
//     columns' types, so a batch of 1000 records costs a few round trips,
//     not 1000. On a partitioned table, whose partitions repeat ctids,
//     each record is updated by key.
//   - A hold and the batches in flight are serialised by a
//     transaction-scoped advisory lock on frist's schema (the hold fence):
//     every batch takes it shared before its first statement, PlaceHold
//     exclusively before it stores the hold and its audit entry, in one
//     transaction. Under READ COMMITTED a batch
//     whose statement began before a hold was committed would not see it
//     and could commit afterwards; with the fence PlaceHold waits for the
//     batches in flight to commit (at most one batch each), and every
//     later batch sees the hold. Batches never wait for each other on it.
//   - Leases (store.Leases) are rows with an expiry, taken by one upsert,
//     after a read that refuses a lease another replica holds without
//     locking its row. A sweep spans many transactions, which a
//     transaction-scoped advisory lock cannot cover, and a session
//     advisory lock does not survive PgBouncer in transaction mode; a
//     lease row does, and a crashed replica's lease simply expires.
//
// # Time columns
//
// A time rule selects only values that are valid times in the column's
// representation, read from the column's catalog type at New:
//
//   - timestamptz (format timestamp or rfc3339): every value but
//     ±infinity, which sorts outside every cutoff.
//   - timestamp without time zone (or date), format timestamp: wall-clock
//     times in the zone the declaration gives (TimeColumn.Zone). Without
//     one New refuses the column, naming the dataset and the time column:
//     the values carry no zone, the application may have written them
//     under any session TimeZone, and reading them as UTC deleted rows of
//     a Los Angeles session eight hours early. The cutoff is the latest
//     wall-clock time none of whose instants is after it, so the hour
//     repeated when the clocks go back is never selected early.
//   - text (format rfc3339): only the fixed-width form
//     "2006-01-02T15:04:05Z" of a real date and time, which sorts by time
//     under every collation because its punctuation is in fixed places;
//     '2025-02-24 15:00:00' sorts before any 'T' of the same day and was
//     deleted hours early before this check.
//   - integer types (unix, unix_ms): numbers from 1970 to 9999.
//
// Any other pairing of format and type is refused at New. A selection is
// the index range from the least valid value to the cutoff plus, for
// text, a pattern test of each value in the range, so a sweep still reads
// only its due records; a value outside the valid ones is never selected
// and is counted by Unreadable (store.Driver.Unreadable), which the engine
// reports at every sweep. Keys, subjects and cutoffs are bound as text
// and cast to the column's type as the catalog reports it, so the
// application's indexes are used.
//
// # Indexes
//
// A sweep reads ORDER BY time, key LIMIT n. Index each rule's time column
// together with the key, CREATE INDEX ON bookings (starts_at, id), so that
// PostgreSQL reads each batch straight from the index; with an index on
// the time column alone it must sort every group of equal times, which is
// slow when many records share one time. Store.Unindexed reports a time
// column that leads no index.
//
// # Erased means gone
//
// PostgreSQL never overwrites a row in place. A DELETE or UPDATE that a
// batch commits leaves the old row version (the dead tuple) in the table's
// heap page, readable in the table's files, and its entries in every
// index, until VACUUM removes them. Measured on PostgreSQL 15:
//
//   - after the batch: the old values are in the heap and in the indexes;
//   - after VACUUM: no query can reach the old row or its index entries
//     any more, but their bytes stay in the free space of the heap and
//     index pages until later rows overwrite them (in a test, 108 of 200
//     erased e-mail addresses were still in the index file);
//   - after VACUUM FULL: the table and its indexes are rewritten into new
//     files and the old ones removed; no byte of the old rows is left in
//     the table's files.
//
// No VACUUM removes a row version that a transaction still open in the
// database might see: a transaction that began before the batch committed
// (on any connection, also of another application on the same database)
// keeps it, and VACUUM FULL copies it into the new files. Such rows go at
// the first purge after that transaction ends; keep transactions short.
//
// Outside every VACUUM's reach are the write-ahead log (its segments hold
// the pages, often as full-page images, until they are recycled after a
// checkpoint, and archived segments and base backups for as long as they
// are kept), replicas, and what the file system or an SSD keeps of blocks
// a removed file used.
//
// Options.Vacuum chooses what Purge, which the retention engine calls
// after a sweep that processed records or deleted or overwrote frist's own
// (expired consent events, closed requests and lifted objections, a
// pseudonymized request's identifier, a remembered event done, a
// notification delivered or given up, an erased subject's consent
// events), does with the tables it touched, the
// application's and frist's own (OwnTables):
// nothing (VacuumOff, autovacuum alone decides when dead tuples go),
// VACUUM (VacuumPlain: dead tuples and index entries become unreachable at
// once; their bytes stay until overwritten) or VACUUM FULL (VacuumFull: nothing of the
// erased rows is left in the table's files; the table is rewritten and
// locked against every read and write while that runs, which on a large
// table takes as long as copying it). Store.DeadTuples and
// Store.OwnDeadTuples report what no VACUUM has yet removed; frist plan
// shows both. Without Options.Vacuum the dead row versions of frist's own
// small tables wait for autovacuum, which by default starts on a table
// only once more than 50 rows and a fifth of it are dead. VACUUM FULL of frist's own tables locks
// consent grants and withdrawals, and requests, while it runs.
package pgstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/internal/sqldriver"
)

// Options configure a Store. A nil *Options means the defaults.
type Options struct {
	// Schema is the schema that holds frist's own tables; "" means the
	// first schema of the connection's search_path. It must exist.
	Schema string
	// ReadOnly opens the store for reading only, for a role that may hold
	// no more than SELECT: New then neither creates nor upgrades frist's
	// own tables and returns an error wrapping store.ErrNotMigrated when
	// they are missing or out of date. Methods that write fail with the
	// database's own error.
	ReadOnly bool
	// Vacuum says how Purge (store.Driver.Purge) vacuums the tables on which a
	// sweep deleted or anonymized records, and frist's own tables whose
	// records were deleted or overwritten. Default VacuumOff: autovacuum
	// alone decides. See the package documentation, "Erased means gone".
	Vacuum Vacuum
}

// Store is a store.Driver on a PostgreSQL database. It also implements
// store.ConsentStore and store.RequestStore, keeping the consent ledger,
// data-subject requests and objections in frist's own tables as it keeps
// holds, remembered events and notifications waiting for delivery,
// implements store.IndexChecker, and reads
// the application's rows for retentiontest (Get). It is safe for
// concurrent use, also by several replicas on one database.
type Store struct {
	shared *sqldriver.Store
	db     *sql.DB
	vacuum Vacuum
}

var (
	_ store.Driver       = (*Store)(nil)
	_ store.IndexChecker = (*Store)(nil)
)

// New returns a Store that enforces decl on db, the application's
// database opened with the "pgx" driver of github.com/jackc/pgx/v5/stdlib.
// decl must be validated, and every table, key, subject, time, marker and
// field column it binds must exist (New reports every mismatch at once).
// New creates or upgrades frist's own tables (Store.Migrated says what it
// did) unless Options.ReadOnly is set; it is safe to call from several
// replicas at once.
func New(db *sql.DB, decl *policy.Declaration, opts *Options) (*Store, error) {
	if opts == nil {
		opts = &Options{}
	}
	if err := opts.Vacuum.valid(); err != nil {
		return nil, err
	}
	ctx := context.Background()
	schema := opts.Schema
	if schema == "" && db != nil {
		// frist's tables go to the first schema of the search path.
		var cur sql.NullString
		if err := db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&cur); err != nil {
			return nil, fmt.Errorf("pgstore: New: reading the current schema: %w", err)
		}
		schema = cur.String
	}
	d := dialect{fence: holdFence(schema)}
	bs := &batches{d: d, addrs: map[string]string{}}
	s, err := sqldriver.New(ctx, d, db, decl, sqldriver.Config{Schema: opts.Schema, MaxArgs: 65535, ReadOnly: opts.ReadOnly, Batch: bs.run})
	if err != nil {
		return nil, err
	}
	for i := range decl.Datasets {
		ds := &decl.Datasets[i]
		if !s.Serves(ds.ID) {
			continue
		}
		name, err := s.TableName(ds.ID)
		if err == nil {
			bs.addrs[ds.ID], err = rowAddress(ctx, db, name)
		}
		if err != nil {
			return nil, fmt.Errorf("pgstore: New: dataset %q: %w", ds.ID, err)
		}
	}
	return &Store{shared: s, db: db, vacuum: opts.Vacuum}, nil
}
