package logstore_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/store/internal/sqltest"
	"github.com/frist-go/frist/store/logstore"
	"github.com/frist-go/frist/store/storetest"
)

// TestABrokenPromiseIsAnErrorNotAPanic: logstore is promised well-formed
// selections (package store) and checks none of them, but a caller that
// breaks the promise gets an error, not a panic.
//
// Seen to fail: without the guards in check and Unreadable, Unreadable
// panicked slicing an empty Bounds and dereferencing the undeclared
// column.
func TestABrokenPromiseIsAnErrorNotAPanic(t *testing.T) {
	st, err := logstore.New(filesDeclaration(storetest.Declaration(), t.TempDir()), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	sqltest.RequireBrokenPromisesAreErrors(t, st, storetest.Bookings)
}
