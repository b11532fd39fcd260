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

// Purge implements store.Driver: with Options.Vacuum set, it vacuums the
// table of each dataset, one statement each, outside any transaction (as
// VACUUM must run). Every table is tried; the errors of those that fail
// are returned together.
func (s *Store) Purge(ctx context.Context, datasets []string) error {
	if err := s.shared.Usable(); err != nil {
		return err
	}
	if s.vacuum == VacuumOff {
		return nil
	}
	stmt := "VACUUM "
	if s.vacuum == VacuumFull {
		stmt = "VACUUM (FULL) "
	}
	var errs []error
	seen := map[string]bool{}
	for _, ds := range datasets {
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
