//go:build race

package sqltest

// raceEnabled is true when the race detector is on; the crash test then
// sweeps fewer rows in smaller batches (crashSize).
const raceEnabled = true
