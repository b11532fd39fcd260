package store

import "errors"

// ErrPurgeDeferred is wrapped by a Purge error that only means "not now":
// the storage was busy (readers of an old snapshot, a transaction holding
// the table) and the purge is tried again at the next sweep. The engine
// reports it without failing the sweep.
var ErrPurgeDeferred = errors.New("store: purge deferred because the storage was busy")
