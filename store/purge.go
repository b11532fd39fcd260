package store

import (
	"context"
	"errors"
)

// ErrPurgeDeferred is wrapped by a Purge error that only means "not now":
// the storage was busy (readers of an old snapshot, a transaction holding
// the table) and the purge is tried again at the next sweep. The engine
// reports it without failing the sweep.
var ErrPurgeDeferred = errors.New("store: purge deferred because the storage was busy")

// Purger is an optional interface a Driver may implement, found by type
// assertion. A deleted or overwritten record can survive in the storage's
// files after the transaction that removed it has committed: in an SQLite
// write-ahead log, in the dead tuples of a PostgreSQL table. Erasure means
// the data is gone (Art. 17(1), and Art. 5(1)(e): storage limitation), so
// the retention engine calls Purge after work that deleted or anonymized
// records, once per sweep.
type Purger interface {
	// Purge removes from the backend's files what earlier batches on the
	// given datasets left behind physically, as far as the backend's
	// documentation says it can. It runs outside any batch's transaction
	// and may wait for the application's readers or writers for as long as
	// the backend documents. An error means that something may be left;
	// the engine calls Purge again at its next sweep. An error wrapping
	// ErrPurgeDeferred says the storage was busy and nothing is wrong.
	Purge(ctx context.Context, datasets []string) error
}
