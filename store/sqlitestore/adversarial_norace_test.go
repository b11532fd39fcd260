//go:build !race

package sqlitestore_test

// adversarialSteps is the length of the adversarial test's run.
const adversarialSteps = 400
