//go:build race

package memstore_test

// raceEnabled shrinks the scale test under the race detector, which slows
// map-heavy code about tenfold.
const raceEnabled = true
