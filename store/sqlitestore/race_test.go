//go:build race

package sqlitestore_test

// raceEnabled shrinks the large sweeps of this package's tests under the
// race detector, which slows SQLite about tenfold.
const raceEnabled = true
