package sqlitestore_test

import (
	"testing"

	"github.com/frist-go/frist/store/internal/sqltest"
	"github.com/frist-go/frist/store/storetest"
)

// TestABrokenPromiseIsAnErrorNotAPanic: the SQL backends are promised
// well-formed selections (package store) and check none of them, but a
// caller that breaks the promise gets an error, not a nil dereference.
//
// Seen to fail: without the time-column lookups in sqldriver's check,
// Earliest and Unreadable panicked on the undeclared column.
func TestABrokenPromiseIsAnErrorNotAPanic(t *testing.T) {
	sqltest.RequireBrokenPromisesAreErrors(t, openStore(t, storetest.Declaration()), storetest.Bookings)
}
