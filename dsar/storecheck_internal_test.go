package dsar

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/internal/storecheck"
)

// TestAnIncompleteRequestIsNeverHandedToTheStore: toStore, the one way a
// request reaches store.RequestStore.CreateRequest and UpdateRequest,
// checks it (storecheck.Request), so the store is never handed a request
// without subject, or one due before it was received. This was the storetest contract
// "CreateRequest refuses a request missing a field and stores nothing";
// a request the package builds always has them, so the test takes them
// away.
//
// Seen to fail: with the storecheck.Request call removed from toStore,
// each request came back without an error.
func TestAnIncompleteRequestIsNeverHandedToTheStore(t *testing.T) {
	received := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for name, take := range map[string]func(*Request){
		"no subject":            func(r *Request) { r.subject = "" },
		"due before it arrived": func(r *Request) { r.receivedAt = r.receivedAt.AddDate(1, 0, 0) },
	} {
		r, err := New(Access, "1001", received, &Options{Location: berlin(t), Calendar: calFor(t, NordrheinWestfalen)})
		require.NoError(t, err)
		_, err = toStore(r)
		require.NoError(t, err, "a request the package built is complete")
		take(r)
		_, err = toStore(r)
		require.ErrorIs(t, err, storecheck.ErrMalformed, name)
	}
}
