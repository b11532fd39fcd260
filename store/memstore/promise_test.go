package memstore_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/store/internal/sqltest"
	"github.com/frist-go/frist/store/memstore"
	"github.com/frist-go/frist/store/storetest"
)

// TestABrokenPromiseIsAnErrorNotAPanic: memstore is promised well-formed
// selections (package store) and checks none of them, but a caller that
// breaks the promise gets an error, not a panic or a count of another
// time column.
//
// Seen to fail: with compile's lookups back to plain map reads, Count
// with an undeclared bound counted by the first time column and returned
// no error.
func TestABrokenPromiseIsAnErrorNotAPanic(t *testing.T) {
	st, err := memstore.New(storetest.Declaration())
	require.NoError(t, err)
	sqltest.RequireBrokenPromisesAreErrors(t, st, storetest.Bookings)
}
