//go:build !race

package sqltest

// raceEnabled is true when the race detector is on.
const raceEnabled = false
