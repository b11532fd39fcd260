package retention_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
)

// holdsReport returns the report of kind "holds" of a sweep.
func holdsReport(t *testing.T, rep *retention.Report) retention.RecordsReport {
	t.Helper()
	for _, rr := range rep.Records {
		if rr.Kind == "holds" {
			return rr
		}
	}
	t.Fatalf("the sweep reports no records of kind holds: %+v", rep.Records)
	return retention.RecordsReport{}
}

// storedHolds returns the IDs of every hold the store keeps, ended or not.
func storedHolds(t *testing.T, h *harness) []string {
	t.Helper()
	hs, err := h.mem.ListHolds(context.Background(), time.Time{})
	require.NoError(t, err)
	var ids []string
	for _, x := range hs {
		ids = append(ids, x.ID)
	}
	return ids
}

// TestSweepDeletesEndedHoldsOnceTheirPeriodEnded: by default an ended hold
// is kept three years from the end of the year in which it ended, in the
// controller's time zone, and then deleted by the sweep, counted from its
// release or from its Until, whichever came first; a hold still in force
// is never deleted; the deletion is reported as kind "holds", recorded in
// one records.expire entry with counts and no subject, and the holds are
// purged from the store's files.
//
// Seen to fail: with the keeper calling ExpireHolds with the sweep's start
// instead of the period's cutoff, the holds were deleted in 2024; with
// RecordPeriod.From ignored (three years from the release itself), they
// were deleted at 2027-06-01, before the end of 2027; with the Until
// ignored, the hold that ran out was kept in 2028.
func TestSweepDeletesEndedHoldsOnceTheirPeriodEnded(t *testing.T) {
	ctx := context.Background()
	loc := berlin(t)
	at := time.Date(2024, 3, 1, 12, 0, 0, 0, loc)
	h := newHarness(t, jobcenter(t), at, nil)
	released, err := h.eng.PlaceHold(ctx, retention.HoldRequest{Subject: "c-4711", Reason: store.HoldRestriction})
	require.NoError(t, err)
	ranOut, err := h.eng.PlaceHold(ctx, retention.HoldRequest{Dataset: "appointment", Key: "9", Reason: store.HoldLegalClaims, Until: time.Date(2024, 9, 1, 0, 0, 0, 0, loc)})
	require.NoError(t, err)
	inForce, err := h.eng.PlaceHold(ctx, retention.HoldRequest{Subject: "c-0815", Reason: store.HoldRestriction})
	require.NoError(t, err)
	h.clock.Set(time.Date(2024, 6, 1, 12, 0, 0, 0, loc))
	require.NoError(t, h.eng.ReleaseHold(ctx, released.ID))

	for _, now := range []time.Time{
		time.Date(2024, 12, 31, 23, 0, 0, 0, loc),
		time.Date(2027, 6, 1, 12, 0, 1, 0, loc),
		time.Date(2027, 12, 31, 23, 59, 59, 999999999, loc),
	} {
		h.clock.Set(now)
		rep, err := h.eng.Sweep(ctx)
		require.NoError(t, err)
		assert.Equal(t, retention.RecordsReport{Kind: "holds", Own: store.HoldRecords}, holdsReport(t, rep), "at %s no hold's period has ended", now)
		assert.ElementsMatch(t, []string{released.ID, ranOut.ID, inForce.ID}, storedHolds(t, h), "at %s every hold is kept", now)
	}

	before, err := h.mem.ReadAudit(ctx, 0, 0)
	require.NoError(t, err)
	h.clock.Set(time.Date(2028, 1, 1, 0, 0, 0, 0, loc))
	rep, err := h.eng.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, retention.RecordsReport{Kind: "holds", Deleted: 2, Own: store.HoldRecords}, holdsReport(t, rep))
	assert.Equal(t, []string{inForce.ID}, storedHolds(t, h), "the holds that ended in 2024 are deleted, the one in force is kept")
	active, err := h.mem.ListHolds(ctx, h.clock.Now())
	require.NoError(t, err)
	require.Len(t, active, 1)
	assert.Equal(t, inForce.ID, active[0].ID, "the hold in force still holds")

	// The sweep also dropped the audit entries of 2024: read what came
	// after the last entry before it.
	require.NotEmpty(t, before)
	after, err := h.mem.ReadAudit(ctx, before[len(before)-1].Seq, 0)
	require.NoError(t, err)
	var notes []string
	for _, e := range after {
		b, err := json.Marshal(e)
		require.NoError(t, err)
		assert.NotContains(t, string(b), "c-4711", "no audit entry names the subject")
		if e.Action == "records.expire" {
			assert.Empty(t, e.Subjects)
			assert.Equal(t, 2, e.Count)
			notes = append(notes, e.Note)
		}
	}
	assert.Equal(t, []string{"holds: 2 deleted, 0 pseudonymized"}, notes)

	// A later sweep finds nothing more to delete and writes no entry.
	h.clock.Set(time.Date(2040, 1, 1, 0, 0, 0, 0, loc))
	rep, err = h.eng.Sweep(ctx)
	require.NoError(t, err)
	assert.Zero(t, holdsReport(t, rep).Deleted)
	assert.Equal(t, []string{inForce.ID}, storedHolds(t, h), "a hold in force is never deleted, however old")
}

// TestSweepKeepsEndedHoldsForTheDeclaredPeriod: records.holds in the
// declaration sets the period, here six months from the release itself.
//
// Seen to fail: with the keeper reading the audit period
// (RecordRetention().Audit, three years from the year end) instead of
// Holds, the hold was still there at the end of the six months; with the
// cutoff one second later than EndedBefore's, it was deleted a second
// early.
func TestSweepKeepsEndedHoldsForTheDeclaredPeriod(t *testing.T) {
	ctx := context.Background()
	loc := berlin(t)
	src, err := os.ReadFile("testdata/jobcenter.yaml")
	require.NoError(t, err)
	d, err := policy.Load(strings.NewReader(string(src)+"records:\n  holds: {keep: 6mo, from: end}\n"), "jobcenter.yaml")
	require.NoError(t, err)
	require.Equal(t, policy.RecordPeriod{Keep: policy.Period{N: 6, Unit: policy.Months}, From: policy.FromEnd}, d.RecordRetention().Holds)
	h := newHarness(t, d, time.Date(2024, 3, 1, 12, 0, 0, 0, loc), nil)
	hold, err := h.eng.PlaceHold(ctx, retention.HoldRequest{Subject: "c-4711", Reason: store.HoldRestriction})
	require.NoError(t, err)
	h.clock.Set(time.Date(2024, 6, 1, 12, 0, 0, 0, loc))
	require.NoError(t, h.eng.ReleaseHold(ctx, hold.ID))

	h.clock.Set(time.Date(2024, 12, 1, 11, 59, 59, 0, loc))
	rep, err := h.eng.Sweep(ctx)
	require.NoError(t, err)
	assert.Zero(t, holdsReport(t, rep).Deleted, "a second before the six months end")
	assert.Equal(t, []string{hold.ID}, storedHolds(t, h))

	h.clock.Set(time.Date(2024, 12, 1, 12, 0, 0, 0, loc))
	rep, err = h.eng.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, holdsReport(t, rep).Deleted, "six months after the release")
	assert.Empty(t, storedHolds(t, h))
}
