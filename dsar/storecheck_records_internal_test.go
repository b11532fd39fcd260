package dsar

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/internal/storecheck"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/memstore"
	"github.com/frist-go/frist/store/storetest"
)

// countingRecords counts the reads of a subject's records that reach the
// backend.
type countingRecords struct {
	store.Driver
	reads int
}

func (c *countingRecords) Records(ctx context.Context, dataset, subject string, fields []string) ([]store.Record, error) {
	c.reads++
	return c.Driver.Records(ctx, dataset, subject, fields)
}

// TestAReadTheStoreIsNotPromisedNeverReachesIt: every read of a
// subject's records goes through records, which checks it
// (storecheck.Records), so a backend is never asked for a subject's
// records in a dataset without subject column or for an undeclared field.
// The service's own loops skip such datasets; the test asks directly.
//
// Seen to fail: with the storecheck.Records call removed from records,
// both reads reached the backend.
func TestAReadTheStoreIsNotPromisedNeverReachesIt(t *testing.T) {
	decl := storetest.Declaration()
	mem, err := memstore.New(decl)
	require.NoError(t, err)
	st := &countingRecords{Driver: mem}
	s := &Service{st: st}
	ctx := context.Background()
	_, err = s.records(ctx, decl.Dataset(storetest.Visits), "1001", nil)
	require.ErrorIs(t, err, storecheck.ErrMalformed)
	_, err = s.records(ctx, decl.Dataset(storetest.Bookings), "1001", []string{"service"})
	require.ErrorIs(t, err, storecheck.ErrMalformed)
	assert.Zero(t, st.reads)
	_, err = s.records(ctx, decl.Dataset(storetest.Bookings), "1001", []string{"email"})
	require.NoError(t, err)
	assert.Equal(t, 1, st.reads, "a well-formed read goes through")
}
