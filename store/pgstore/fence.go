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
// in schema. Advisory locks are per database; the
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

// The hold fence serialises placing a hold with the batches in flight.
// Under READ COMMITTED a batch statement sees the holds committed before
// its snapshot was taken; a hold committed after that, while the batch is
// still open, is not seen, and the batch would commit after PlaceHold
// returned, processing records the hold covers. With the fence, every
// batch holds it shared from before its first statement until it ends
// (BeginBatch, Pipeline), and PlaceHold takes it exclusively before it
// stores the hold (BeginHold): PlaceHold waits for the batches in flight
// to commit, and every batch that starts later takes each snapshot after
// the hold was committed. Batches never wait for each other on it.

// BeginBatch opens a batch's transaction: an ordinary READ COMMITTED
// transaction, as Begin, that holds the hold fence shared until it ends.
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

// BeginHold opens the transaction that stores a hold, as Begin, with the
// hold fence taken exclusively, which waits until every batch in flight
// has ended and keeps new ones from starting until the transaction ends.
func (d dialect) BeginHold(ctx context.Context, db *sql.DB) (sqldriver.Tx, error) {
	tx, err := d.Begin(ctx, db)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", d.fence); err != nil {
		return nil, sqldriver.Rollback(tx, fmt.Errorf("taking the hold fence: %w", err))
	}
	return tx, nil
}

var _ sqldriver.Dialect = dialect{}
