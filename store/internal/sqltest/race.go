//go:build race

package sqltest

// raceEnabled is true when the race detector is on; the crash test then
// sweeps a tenth of the rows, as the detector slows SQLite tenfold.
const raceEnabled = true
