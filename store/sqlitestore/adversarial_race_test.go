//go:build race

package sqlitestore_test

// adversarialSteps is the length of the adversarial test's run; the race
// detector makes each step some twenty times slower.
const adversarialSteps = 120
