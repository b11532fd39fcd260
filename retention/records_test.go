package retention_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
)

// fakeKeeper is a RecordKeeper that records how it was called and reports
// what it is told to.
type fakeKeeper struct {
	h       *harness
	kind    string
	rep     retention.RecordsReport
	err     error
	calls   []time.Time
	leaseOK []bool // whether the sweep lease was taken when it was called
	gone    []bool // whether appointment 1 was deleted when it was called
}

func (k *fakeKeeper) ExpireRecords(ctx context.Context, now time.Time) (retention.RecordsReport, error) {
	k.calls = append(k.calls, now)
	// Another owner cannot take the lease while the sweep holds it.
	ok, err := k.h.mem.AcquireLease(ctx, "frist.retention.sweep", "other-replica", k.h.clock.Now(), time.Minute)
	if err == nil && ok {
		_ = k.h.mem.ReleaseLease(ctx, "frist.retention.sweep", "other-replica")
	}
	k.leaseOK = append(k.leaseOK, err == nil && !ok)
	_, found, _ := k.h.mem.Get(ctx, "appointment", "1")
	k.gone = append(k.gone, !found)
	k.h.clock.Advance(time.Minute) // a keeper takes time
	rep := k.rep
	rep.Kind = k.kind
	return rep, k.err
}

// TestSweepCallsRecordKeepersUnderItsLeaseAfterTheRules: every registered
// keeper is called once per sweep, with the sweep's start time (not a
// later reading of the clock), while the sweep holds its lease and after
// the time rules; its result is in Report.Records; a failing keeper is
// reported in Report.Err and the next one runs all the same; a keeper that
// changed something gets one audit entry with counts and no subject, one
// that changed nothing none; a skipped sweep calls none.
//
// Seen to fail: with keepers called before the rules, the appointment was
// still there when the keeper ran; with the keeper given e.now() instead
// of start (the clock advances during a batch), the time differed; with
// the audit entry written for every keeper, the log had three entries.
func TestSweepCallsRecordKeepersUnderItsLeaseAfterTheRules(t *testing.T) {
	at := time.Date(2024, 3, 1, 12, 0, 0, 0, berlin(t))
	h := newHarness(t, jobcenter(t), at, nil)
	h.insert(t, "appointment", map[string]any{"id": int64(1), "citizen_id": "c-4711", "starts_at": at})
	failing := &fakeKeeper{h: h, kind: "failing", err: errors.New("backend down")}
	changed := &fakeKeeper{h: h, kind: "consent", rep: retention.RecordsReport{Deleted: 3, Pseudonymized: 2}}
	idle := &fakeKeeper{h: h, kind: "requests"}
	h.eng.Keep(failing)
	h.eng.Keep(changed)
	h.eng.Keep(idle)
	h.eng.Keep(changed) // registered once
	start := at.AddDate(0, 1, 0)
	h.clock.Set(start)
	before, err := h.mem.ReadAudit(context.Background(), 0, 0)
	require.NoError(t, err)

	rep, err := h.eng.Sweep(context.Background())
	require.Error(t, err, "the failing keeper is reported")
	assert.ErrorContains(t, err, "backend down")
	assert.ErrorContains(t, rep.Err(), "failing records")
	require.Len(t, rep.Records, 5, "the three keepers, the holds and the audit log")
	assert.Equal(t, retention.RecordsReport{Kind: "holds", Own: store.HoldRecords}, rep.Records[3], "no hold ended")
	assert.Equal(t, retention.RecordsReport{Kind: "audit", Own: store.AuditRecords}, rep.Records[4], "nothing of the audit log is due")
	assert.Equal(t, "failing", rep.Records[0].Kind)
	require.Error(t, rep.Records[0].Err)
	assert.Equal(t, retention.RecordsReport{Kind: "consent", Deleted: 3, Pseudonymized: 2}, rep.Records[1])
	assert.Equal(t, retention.RecordsReport{Kind: "requests"}, rep.Records[2])
	for _, k := range []*fakeKeeper{failing, changed, idle} {
		require.Len(t, k.calls, 1, k.kind)
		assert.True(t, k.calls[0].Equal(rep.Start), "%s called with the sweep's start, got %s want %s", k.kind, k.calls[0], rep.Start)
		assert.True(t, k.leaseOK[0], "%s called under the sweep lease", k.kind)
		assert.True(t, k.gone[0], "%s called after the rules", k.kind)
	}
	after, err := h.mem.ReadAudit(context.Background(), 0, 0)
	require.NoError(t, err)
	var entries []string
	for _, e := range after[len(before):] {
		if e.Action == "records.expire" {
			assert.Empty(t, e.Subjects)
			assert.Equal(t, 5, e.Count)
			assert.True(t, e.Time.Equal(rep.Start))
			entries = append(entries, e.Note)
		}
	}
	assert.Equal(t, []string{"consent: 3 deleted, 2 pseudonymized"}, entries)

	// A skipped sweep calls no keeper.
	ok, err := h.mem.AcquireLease(context.Background(), "frist.retention.sweep", "other-replica", h.clock.Now(), time.Minute)
	require.NoError(t, err)
	require.True(t, ok)
	rep, err = h.eng.Sweep(context.Background())
	require.NoError(t, err)
	assert.True(t, rep.Skipped)
	assert.Empty(t, rep.Records)
	assert.Len(t, changed.calls, 1)
}
