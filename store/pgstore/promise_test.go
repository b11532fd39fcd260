package pgstore_test

import (
	"testing"

	"github.com/frist-go/frist/store/internal/sqltest"
	"github.com/frist-go/frist/store/storetest"
)

// TestABrokenPromiseIsAnErrorNotAPanic: as on SQLite, a caller that breaks
// the well-formed-input promise (package store) gets an error from the
// shared SQL code, not a nil dereference.
func TestABrokenPromiseIsAnErrorNotAPanic(t *testing.T) {
	sqltest.RequireBrokenPromisesAreErrors(t, openStore(t, storetest.Declaration()), storetest.Bookings)
}
