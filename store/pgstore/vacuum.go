package pgstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/frist-go/frist/store"
)

// Vacuum says what Store.Purge does with a table on which a batch deleted
// or anonymized records. See the package documentation, "Erased means
// gone", for what each leaves on disk.
type Vacuum int

// The ways Purge may vacuum.
const (
	// VacuumOff leaves the tables to autovacuum.
	VacuumOff Vacuum = iota
	// VacuumPlain runs VACUUM on each table, which takes no lock that
	// blocks the application's reads and writes.
	VacuumPlain
	// VacuumFull runs VACUUM FULL on each table, which rewrites it and
	// blocks every read and write of it while it runs.
	VacuumFull
)

// ParseVacuum reads a Vacuum from its name: "off", "plain" or "full".
func ParseVacuum(s string) (Vacuum, error) {
	switch strings.ToLower(s) {
	case "off", "":
		return VacuumOff, nil
	case "plain":
		return VacuumPlain, nil
	case "full":
		return VacuumFull, nil
	}
	return VacuumOff, fmt.Errorf("pgstore: vacuum %q is not one of off, plain, full", s)
}

// String returns the name ParseVacuum reads.
func (v Vacuum) String() string {
	switch v {
	case VacuumOff:
		return "off"
	case VacuumPlain:
		return "plain"
	case VacuumFull:
		return "full"
	}
	return fmt.Sprintf("Vacuum(%d)", int(v))
}

func (v Vacuum) valid() error {
	if v < VacuumOff || v > VacuumFull {
		return fmt.Errorf("pgstore: Options.Vacuum %d is not VacuumOff, VacuumPlain or VacuumFull", int(v))
	}
	return nil
}

// OwnTables returns the names of frist's own tables that hold records of
// kind (store.OwnRecords), unqualified, as Store.OwnDeadTuples names them;
// nil for a kind this backend does not know. store.RememberedRecords are
// the remembered events and the notifications waiting for delivery, whose
// bodies hold what a recipient is told (store.Outgoing).
func OwnTables(kind store.OwnRecords) []string {
	switch kind {
	case store.ConsentRecords:
		return []string{"frist_consent_events"}
	case store.RequestRecords:
		return []string{"frist_requests", "frist_objections"}
	case store.RememberedRecords:
		return []string{"frist_pending_events", "frist_outbox"}
	case store.AuditRecords:
		return []string{"frist_audit"}
	case store.HoldRecords:
		return []string{"frist_holds"}
	}
	return nil
}

// Purge implements store.Driver: with Options.Vacuum set, it vacuums the
// table of each dataset of scope and frist's own tables that hold the
// kinds of records in scope.Own (OwnTables), one statement each, outside
// any transaction (as VACUUM must run). Every table is tried; the errors
// of those that fail are returned together. A kind it does not know is an
// error naming it, after the other tables were vacuumed.
func (s *Store) Purge(ctx context.Context, scope store.PurgeScope) error {
	if err := s.shared.Usable(); err != nil {
		return err
	}
	var errs []error
	var unknown []string
	for _, k := range scope.Own {
		if OwnTables(k) == nil {
			unknown = append(unknown, string(k))
		}
	}
	if len(unknown) > 0 {
		errs = append(errs, fmt.Errorf("pgstore: purge: frist keeps no records of kind %s", strings.Join(unknown, ", ")))
	}
	if s.vacuum == VacuumOff {
		return errors.Join(errs...)
	}
	stmt := "VACUUM "
	if s.vacuum == VacuumFull {
		stmt = "VACUUM (FULL) "
	}
	seen := map[string]bool{}
	for _, ds := range scope.Datasets {
		name, err := s.shared.TableName(ds)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if seen[name] {
			continue
		}
		seen[name] = true
		if err := s.vacuumTable(ctx, stmt+name); err != nil {
			errs = append(errs, fmt.Errorf("pgstore: vacuum of dataset %s: %w", ds, err))
		}
	}
	for _, k := range scope.Own {
		for _, t := range OwnTables(k) {
			name := s.shared.OwnTable(t)
			if seen[name] {
				continue
			}
			seen[name] = true
			if err := s.vacuumTable(ctx, stmt+name); err != nil {
				errs = append(errs, fmt.Errorf("pgstore: vacuum of frist's %s records (%s): %w", k, t, err))
			}
		}
	}
	return errors.Join(errs...)
}

// VacuumLockTimeout is how long Purge waits for the lock a VACUUM needs.
// VACUUM FULL needs the table to itself: while it waits, every query of
// the application on the table waits behind it, so it gives up soon and
// the next sweep tries again.
const VacuumLockTimeout = 2 * time.Second

// vacuumTable runs stmt on a connection of its own with lock_timeout set,
// and resets it before the connection goes back to the pool.
func (s *Store) vacuumTable(ctx context.Context, stmt string) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("SET lock_timeout = %d", VacuumLockTimeout.Milliseconds())); err != nil {
		return err
	}
	_, verr := conn.ExecContext(ctx, stmt)
	_, rerr := conn.ExecContext(context.WithoutCancel(ctx), "RESET lock_timeout")
	if rerr != nil {
		// The connection keeps a setting the application did not choose:
		// let database/sql discard it.
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	if verr != nil && strings.Contains(verr.Error(), "lock timeout") {
		return fmt.Errorf("another transaction holds the table (the lock was not granted within %v); retried at the next sweep: %w: %w", VacuumLockTimeout, store.ErrPurgeDeferred, verr)
	}
	return verr
}

// DeadTuples returns, for each dataset bound to a table, how many dead
// row versions PostgreSQL's statistics count in it: rows deleted or
// updated whose old versions are still in the table's files (see the
// package documentation, "Erased means gone"). The counts come from
// pg_stat_user_tables, which the statistics system updates with a short
// delay; a dataset without statistics yet is absent.
func (s *Store) DeadTuples(ctx context.Context, datasets []string) (map[string]int64, error) {
	out := map[string]int64{}
	for _, ds := range datasets {
		name, err := s.shared.TableName(ds)
		if err != nil {
			return nil, err
		}
		var n sql.NullInt64
		err = s.db.QueryRowContext(ctx, `SELECT n_dead_tup FROM pg_stat_user_tables WHERE relid = to_regclass($1)`, name).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("pgstore: dead tuples of dataset %s: %w", ds, err)
		}
		if n.Valid {
			out[ds] = n.Int64
		}
	}
	return out, nil
}

// OwnDeadTuples returns, for each of frist's own tables that holds records
// which are deleted or overwritten (OwnTables), how many dead row versions
// PostgreSQL's statistics count in it: expired consent events, deleted
// requests and objections, forgotten remembered events, dequeued
// notifications, and the old versions of pseudonymized requests, still in
// the tables' files until VACUUM. The keys are the unqualified table names; a table without
// statistics yet is absent. The counts arrive as DeadTuples' do.
func (s *Store) OwnDeadTuples(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	for _, k := range store.AllOwnRecords() {
		for _, t := range OwnTables(k) {
			var n sql.NullInt64
			err := s.db.QueryRowContext(ctx, `SELECT n_dead_tup FROM pg_stat_all_tables WHERE relid = to_regclass($1)`, s.shared.OwnTable(t)).Scan(&n)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("pgstore: dead tuples of %s: %w", t, err)
			}
			if n.Valid {
				out[t] = n.Int64
			}
		}
	}
	return out, nil
}
