package pgstore

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"

	"github.com/frist-go/frist/store/internal/sqldriver"
)

// holdFence returns the key of the transaction-scoped advisory lock that
// serialises placing a hold with the batches in flight on frist's tables
// in schema (sqldriver.HoldFence). Advisory locks are per database; the
// schema in the key keeps two stores in one database from waiting for
// each other.
func holdFence(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("frist_holds\x00" + schema))
	return int64(h.Sum64())
}

// batchSetup is the first statement of a batch's transaction: JIT off for
// the transaction (as noJIT) and the hold fence taken shared, so that the
// batch's own statements, each with a snapshot taken after it, see every
// hold stored before, and PlaceHold waits for the batch to commit.
func (d dialect) batchSetup() string {
	return fmt.Sprintf("SELECT set_config('jit', 'off', true), pg_advisory_xact_lock_shared(%d)", d.fence)
}

// BeginBatch implements sqldriver.HoldFence: an ordinary READ COMMITTED
// transaction, as Begin, that holds the hold fence shared until it ends.
// Batches do not wait for each other on it; only PlaceHold takes it
// exclusively.
func (d dialect) BeginBatch(ctx context.Context, db *sql.DB) (sqldriver.Tx, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, d.batchSetup()); err != nil {
		_ = tx.Rollback()
		return nil, fmt.Errorf("taking the hold fence: %w", err)
	}
	return tx, nil
}

// FenceHolds implements sqldriver.HoldFence: the hold fence taken
// exclusively, which waits until every batch in flight has ended and
// keeps new ones from starting until tx ends.
func (d dialect) FenceHolds(ctx context.Context, tx sqldriver.Tx) error {
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", d.fence); err != nil {
		return fmt.Errorf("taking the hold fence: %w", err)
	}
	return nil
}

var _ sqldriver.HoldFence = dialect{}
