package multistore_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/memstore"
	"github.com/frist-go/frist/store/multistore"
	"github.com/frist-go/frist/store/storetest"
)

// flakyHome is a home store whose AppendAudit fails while failing is set,
// as a crash between a routed batch and its copy would leave it.
type flakyHome struct {
	*memstore.Store
	failing atomic.Bool
}

var errDown = errors.New("home database unreachable")

func (f *flakyHome) AppendAudit(ctx context.Context, e audit.Entry) (audit.Entry, error) {
	if f.failing.Load() {
		return audit.Entry{}, errDown
	}
	return f.Store.AppendAudit(ctx, e)
}

// mirrored is a multistore with Visits routed to its own memstore and a
// flaky home that serves Bookings.
type mirrored struct {
	st     *multistore.Store
	home   *flakyHome
	visits *memstore.Store
}

func openMirrored(t *testing.T) *mirrored {
	t.Helper()
	decl := storetest.Declaration()
	hm, err := memstore.New(decl)
	require.NoError(t, err)
	visits, err := memstore.New(decl)
	require.NoError(t, err)
	home := &flakyHome{Store: hm}
	st, err := multistore.New(map[string]store.Driver{storetest.Visits: visits}, home)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	return &mirrored{st: st, home: home, visits: visits}
}

func (m *mirrored) visit(t *testing.T, id string, seen time.Time) {
	t.Helper()
	require.NoError(t, m.visits.Insert(context.Background(), storetest.Visits, map[string]any{
		"id": id, "seen_at": seen.UTC().Format(time.RFC3339), "ip": "198.51.100.7", "user_agent": "Mozilla/5.0",
	}))
}

// deleteVisits deletes one visit seen up to cutoff.
func deleteVisits(cutoff time.Time) store.Batch {
	return store.Batch{
		Selection: store.Selection{Dataset: storetest.Visits, Bounds: []store.Bound{{Column: "seen_at", Cutoff: cutoff}}, Now: storetest.T0, Limit: 1},
		Action:    store.Action{Delete: true},
		Audit: func(_ []store.Record, n int) (audit.Entry, error) {
			return audit.Entry{Time: storetest.T0, Action: "delete", Dataset: storetest.Visits, Rule: "test", Count: n, Note: "Art. 5(1)(e)"}, nil
		},
	}
}

// docs/DESIGN.md, "Atomic batches", across two backends: the batch is atomic with its
// entry in the routed chain, and the home log receives a copy that names
// it; a copy lost to a failure is appended with the next batch.
func TestRoutedBatchIsCopiedToTheHomeLogAndALostCopyIsRepaired(t *testing.T) {
	ctx := context.Background()
	m := openMirrored(t)
	for _, id := range []string{"a", "b", "c"} {
		m.visit(t, id, storetest.T0.Add(-time.Hour))
	}

	res, err := m.st.Process(ctx, deleteVisits(storetest.T0))
	require.NoError(t, err)
	routed, err := m.visits.ReadAudit(ctx, 0, 0)
	require.NoError(t, err)
	require.Len(t, routed, 1, "the routed backend seals the batch's entry in its own chain")
	home, err := m.home.ReadAudit(ctx, 0, 0)
	require.NoError(t, err)
	require.Len(t, home, 1)
	assert.Equal(t, home[0], res.Entry, "BatchResult.Entry is the copy sealed in the home log")
	assert.Equal(t, routed[0].Count, home[0].Count)
	assert.Equal(t, "Art. 5(1)(e); chain "+routed[0].Hash+" seq 1 hash "+routed[0].Hash, home[0].Note)
	require.NoError(t, m.st.Verify(ctx))

	// The home log is unreachable after the batch committed.
	m.home.failing.Store(true)
	_, err = m.st.Process(ctx, deleteVisits(storetest.T0))
	require.ErrorIs(t, err, multistore.ErrMirror, "a lost copy is reported")
	left, _, err := m.visits.Count(ctx, store.Selection{Dataset: storetest.Visits, Now: storetest.T0})
	require.NoError(t, err)
	assert.Equal(t, 1, left, "the batch itself is done: one of three visits is left")
	verr := m.st.Verify(ctx)
	require.ErrorIs(t, verr, multistore.ErrMirror, "Verify reports the missing copy")
	assert.Contains(t, verr.Error(), "entry 2 of the chain of [visits] has no copy")

	// The home log is back: the next batch first appends the lost copy.
	m.home.failing.Store(false)
	_, err = m.st.Process(ctx, deleteVisits(storetest.T0))
	require.NoError(t, err)
	home, err = m.home.ReadAudit(ctx, 0, 0)
	require.NoError(t, err)
	require.Len(t, home, 3)
	for i, e := range home {
		assert.Contains(t, e.Note, fmt.Sprintf(" seq %d hash ", i+1), "copies follow the routed chain's order")
	}
	require.NoError(t, m.st.Verify(ctx))
}

// After a crash between a routed batch and its copy, a new Store finds
// the missing copy by its position in the routed chain; Repair appends it.
func TestRepairAppendsCopiesMissingAfterACrash(t *testing.T) {
	ctx := context.Background()
	m := openMirrored(t)
	m.visit(t, "a", storetest.T0.Add(-time.Hour))
	m.visit(t, "b", storetest.T0.Add(-time.Hour))
	_, err := m.st.Process(ctx, deleteVisits(storetest.T0))
	require.NoError(t, err)
	// A batch done on the routed backend alone: the process died before
	// it could copy the entry.
	_, err = m.visits.Process(ctx, deleteVisits(storetest.T0))
	require.NoError(t, err)

	again, err := multistore.New(map[string]store.Driver{storetest.Visits: m.visits}, m.home)
	require.NoError(t, err)
	require.ErrorIs(t, again.Verify(ctx), multistore.ErrMirror)
	require.NoError(t, again.Repair(ctx, nil))
	require.NoError(t, again.Verify(ctx))
	require.NoError(t, again.Repair(ctx, nil), "Repair is idempotent")
	home, err := again.ReadAudit(ctx, 0, 0)
	require.NoError(t, err)
	assert.Len(t, home, 2, "each routed entry has exactly one copy")
}

// Verify reports a copy that does not match its entry and a copy of an
// entry that does not exist, so that the home log cannot claim a batch
// the routed chain does not hold.
func TestVerifyReportsForgedCopies(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		count int
		note  func(hash string) string
		want  string
	}{
		{"a duplicate copy", 1, func(h string) string { return "chain " + h + " seq 1 hash " + h },
			"entry 1 of the chain of [visits] has 2 copies"},
		{"a copy of an entry that does not exist", 1, func(h string) string { return "chain " + h + " seq 7 hash " + h },
			"copies entry 7 of the chain of [visits], which does not exist"},
		{"a copy of an unknown chain", 1, func(h string) string { return "chain unknown seq 1 hash " + h },
			"copies entries of chain unknown, which no routed backend holds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := openMirrored(t)
			m.visit(t, "a", storetest.T0.Add(-time.Hour))
			_, err := m.st.Process(ctx, deleteVisits(storetest.T0))
			require.NoError(t, err)
			require.NoError(t, m.st.Verify(ctx))
			routed, err := m.visits.ReadAudit(ctx, 0, 0)
			require.NoError(t, err)
			_, err = m.home.AppendAudit(ctx, audit.Entry{Time: storetest.T0, Action: "delete", Dataset: storetest.Visits, Rule: "test",
				Count: tt.count, Note: tt.note(routed[0].Hash)})
			require.NoError(t, err)
			verr := m.st.Verify(ctx)
			require.ErrorIs(t, verr, multistore.ErrMirror)
			assert.Contains(t, verr.Error(), tt.want)
		})
	}
}

// Verify compares a copy with the entry it names field by field.
func TestVerifyReportsACopyThatDiffersFromItsEntry(t *testing.T) {
	ctx := context.Background()
	m := openMirrored(t)
	m.visit(t, "a", storetest.T0.Add(-time.Hour))
	// The routed batch without multistore, then a copy with a wrong count
	// where the true copy belongs.
	_, err := m.visits.Process(ctx, deleteVisits(storetest.T0))
	require.NoError(t, err)
	routed, err := m.visits.ReadAudit(ctx, 0, 0)
	require.NoError(t, err)
	h := routed[0].Hash
	_, err = m.home.AppendAudit(ctx, audit.Entry{Time: storetest.T0, Action: "delete", Dataset: storetest.Visits, Rule: "test",
		Count: 99, Note: "Art. 5(1)(e); chain " + h + " seq 1 hash " + h})
	require.NoError(t, err)
	verr := m.st.Verify(ctx)
	require.ErrorIs(t, verr, multistore.ErrMirror)
	assert.Contains(t, verr.Error(), "its count is 99, the entry's 1")
}

// TestTheHomeCopyOfASignedEntryIsSignedToo: sealing detaches the signer
// from the routed entry, so the copy in the home log is signed only if
// Process keeps the signer of the batch's entry for it.
//
// Seen to fail: with appendCopy given no signer, the home copy had no Sig.
func TestTheHomeCopyOfASignedEntryIsSignedToo(t *testing.T) {
	ctx := context.Background()
	m := openMirrored(t)
	m.visit(t, "v1", storetest.T0.Add(-48*time.Hour))
	signer, err := audit.NewSigner("k1", make([]byte, 32))
	require.NoError(t, err)
	b := deleteVisits(storetest.T0)
	entry := b.Audit
	b.Audit = func(p []store.Record, n int) (audit.Entry, error) {
		e, err := entry(p, n)
		return e.SignedBy(signer), err
	}
	res, err := m.st.Process(ctx, b)
	require.NoError(t, err)
	keys := audit.Keys{"k1": signer.PublicKey().Key}
	assert.NoError(t, keys.CheckSignature(res.Entry.Sig, []byte(res.Entry.Hash)), "the home copy is signed")
	routed, err := m.visits.ReadAudit(ctx, 0, 0)
	require.NoError(t, err)
	require.Len(t, routed, 1)
	assert.NoError(t, keys.CheckSignature(routed[0].Sig, []byte(routed[0].Hash)), "the routed entry is signed")
}

// signedDeleteVisits is deleteVisits with its entry signed by signer, as the
// retention engine signs every entry.
func signedDeleteVisits(cutoff time.Time, signer *audit.Signer) store.Batch {
	b := deleteVisits(cutoff)
	entry := b.Audit
	b.Audit = func(p []store.Record, n int) (audit.Entry, error) {
		e, err := entry(p, n)
		return e.SignedBy(signer), err
	}
	return b
}

// TestCopiesRepairedAfterACrashAreSignedToo: after a crash between a
// routed batch and its copy, the copy appended later (by the next batch of
// a new Store, or by Repair) is signed like every other entry, so that a
// verifier that requires signatures (frist audit verify --keys) does not
// report the repaired log as broken.
//
// Seen to fail: with Process repairing before its batch, as it did, the
// repaired copy of entry 2 had no Sig ("changed: ... not signed"), and with
// Repair given no signer so had the copy of entry 3.
func TestCopiesRepairedAfterACrashAreSignedToo(t *testing.T) {
	ctx := context.Background()
	m := openMirrored(t)
	for _, id := range []string{"a", "b", "c", "d"} {
		m.visit(t, id, storetest.T0.Add(-time.Hour))
	}
	signer, err := audit.NewSigner("k1", make([]byte, 32))
	require.NoError(t, err)
	keys := audit.Keys{"k1": signer.PublicKey().Key}
	verifySigned := func(t *testing.T, st *multistore.Store, want int) {
		t.Helper()
		home, err := st.ReadAudit(ctx, 0, 0)
		require.NoError(t, err)
		require.Len(t, home, want)
		v := audit.NewVerifier(audit.Head{}, nil)
		v.RequireSignatures(keys, 0)
		for _, e := range home {
			require.NoError(t, v.Add(e), "entry %d of the home log", e.Seq)
		}
		require.NoError(t, st.Verify(ctx))
	}

	_, err = m.st.Process(ctx, signedDeleteVisits(storetest.T0, signer))
	require.NoError(t, err)
	// The process dies after the routed batch, before its copy.
	_, err = m.visits.Process(ctx, signedDeleteVisits(storetest.T0, signer))
	require.NoError(t, err)

	// A new Store: its first batch appends the lost copy and its own.
	again, err := multistore.New(map[string]store.Driver{storetest.Visits: m.visits}, m.home)
	require.NoError(t, err)
	res, err := again.Process(ctx, signedDeleteVisits(storetest.T0, signer))
	require.NoError(t, err)
	assert.Contains(t, res.Entry.Note, " seq 3 hash ", "BatchResult.Entry is the copy of the batch's own entry")
	verifySigned(t, again, 3)

	// Another crash, and an operator's Repair with the engine's signer.
	_, err = m.visits.Process(ctx, signedDeleteVisits(storetest.T0, signer))
	require.NoError(t, err)
	third, err := multistore.New(map[string]store.Driver{storetest.Visits: m.visits}, m.home)
	require.NoError(t, err)
	require.NoError(t, third.Repair(ctx, signer))
	verifySigned(t, third, 4)
}
