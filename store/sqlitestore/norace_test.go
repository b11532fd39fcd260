//go:build !race

package sqlitestore_test

// raceEnabled is true when the race detector is on.
const raceEnabled = false
