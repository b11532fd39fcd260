package multistore_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/storetest"
)

// dropAll drops every entry before the cutoff.
func dropAll(t *testing.T, drop func(context.Context, store.AuditDrop) (store.AuditDropped, error), before time.Time) store.AuditDropped {
	t.Helper()
	s, err := audit.NewSigner("k1", bytes.Repeat([]byte{5}, 32))
	require.NoError(t, err)
	res, err := drop(context.Background(), store.AuditDrop{Before: before, Entry: audit.Entry{Time: before.Add(time.Hour)}.SignedBy(s)})
	require.NoError(t, err)
	return res
}

// Dropping the home log's expired prefix drops the routed entries whose
// copies it holds first, so that no routed entry is ever left without its
// copy; the routed chain's drop entry is copied like a batch's, and both
// chains verify from their bases, also with batches after the drop. A
// crash between the routed drop and the home drop leaves copies of
// dropped entries, which Verify accepts, and the routed drop entry without
// its copy until Repair, as after any batch; the next drop finishes.
//
// Seen to fail: without the routed drop (home only), Verify reported
// "entry 1 of the chain of [visits] has no copy in the home log"; without
// Verify's acceptance of copies at or before a chain's base, the crash
// case reported "the home log copies entry 3 of the chain of [visits],
// which does not exist".
func TestDropAuditDropsRoutedEntriesBeforeTheirCopies(t *testing.T) {
	ctx := context.Background()
	m := openMirrored(t)
	for _, id := range []string{"a", "b", "c"} {
		m.visit(t, id, storetest.T0.Add(-time.Hour))
	}
	for range 2 {
		_, err := m.st.Process(ctx, deleteVisits(storetest.T0))
		require.NoError(t, err)
	}
	_, err := m.st.AppendAudit(ctx, audit.Entry{Time: storetest.T0, Action: "hold.place"})
	require.NoError(t, err)
	require.NoError(t, m.st.Verify(ctx))

	res := dropAll(t, m.st.DropAudit, storetest.T0.Add(time.Second))
	assert.Equal(t, uint64(3), res.Last, "the two copies and the hold entry")
	routedBase, err := m.visits.AuditBase(ctx)
	require.NoError(t, err)
	assert.Equal(t, uint64(2), routedBase.Seq, "both routed entries were dropped with their copies")
	require.NoError(t, m.st.Verify(ctx))

	// A batch after the drop is copied and verifies.
	_, err = m.st.Process(ctx, deleteVisits(storetest.T0))
	require.NoError(t, err)
	require.NoError(t, m.st.Verify(ctx))

	// A crash between the routed drop and the home drop: the routed drop
	// entry's copy is missing, as after a crash after any batch, until
	// Repair or the next batch; the copies of the dropped entries are not.
	dropAll(t, m.visits.DropAudit, storetest.T0.Add(2*time.Hour))
	verr := m.st.Verify(ctx)
	require.Error(t, verr)
	assert.Contains(t, verr.Error(), "entry 5 of the chain of [visits] has no copy")
	assert.NotContains(t, verr.Error(), "which does not exist", "copies of entries the routed chain dropped are accepted")
	require.NoError(t, m.st.Repair(ctx, nil))
	require.NoError(t, m.st.Verify(ctx))
	_, err = m.st.Process(ctx, deleteVisits(storetest.T0.Add(time.Hour)))
	require.NoError(t, err, "a batch after the crash repairs nothing it should not")
	require.NoError(t, m.st.Verify(ctx))
	home, err := m.st.ReadAudit(ctx, 0, 0)
	require.NoError(t, err)
	n := len(home)
	dropAll(t, m.st.DropAudit, storetest.T0.Add(2*time.Hour))
	require.NoError(t, m.st.Verify(ctx))
	home, err = m.st.ReadAudit(ctx, 0, 0)
	require.NoError(t, err)
	assert.Less(t, len(home), n, "the next drop finishes the home log's part")
}
