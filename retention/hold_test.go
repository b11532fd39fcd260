package retention_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/memstore"
)

// TestHoldsExcludeRecordsFromSweeps pins Art. 17(3)(b), (e) and Art. 18:
// a record under an active hold is never processed; once the hold is
// released or ends, the next sweep catches up.
func TestHoldsExcludeRecordsFromSweeps(t *testing.T) {
	loc := berlin(t)
	appointment := time.Date(2024, 3, 1, 12, 0, 0, 0, loc)
	due := appointment.AddDate(0, 0, 14)
	ctx := context.Background()
	tests := []struct {
		name string
		hold retention.HoldRequest
		// act runs between the first and second sweep after the deadline.
		act            func(t *testing.T, h *harness, id string)
		heldAfterwards bool
	}{
		{
			name:           "a hold on the record",
			hold:           retention.HoldRequest{Dataset: "appointment", Key: "1", Reason: store.HoldLegalClaims, Note: "Widerspruchsverfahren"},
			heldAfterwards: true,
		},
		{
			name:           "a hold on the subject in the dataset",
			hold:           retention.HoldRequest{Dataset: "appointment", Subject: "c-1", Reason: store.HoldRestriction},
			heldAfterwards: true,
		},
		{
			name:           "a hold on the subject in every dataset",
			hold:           retention.HoldRequest{Subject: "c-1", Reason: store.HoldLegalObligation},
			heldAfterwards: true,
		},
		{
			name: "a released hold",
			hold: retention.HoldRequest{Dataset: "appointment", Key: "1", Reason: store.HoldLegalClaims},
			act: func(t *testing.T, h *harness, id string) {
				require.NoError(t, h.eng.ReleaseHold(ctx, id))
			},
		},
		{
			name: "a hold that has ended",
			hold: retention.HoldRequest{Dataset: "appointment", Key: "1", Reason: store.HoldRestriction, Until: due.AddDate(0, 0, 3)},
			act: func(t *testing.T, h *harness, id string) {
				h.clock.Set(due.AddDate(0, 0, 3))
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, jobcenter(t), appointment, nil)
			h.insert(t, "appointment", map[string]any{"id": int64(1), "citizen_id": "c-1", "starts_at": appointment})
			h.insert(t, "appointment", map[string]any{"id": int64(2), "citizen_id": "c-2", "starts_at": appointment})
			hold, err := h.eng.PlaceHold(ctx, tt.hold)
			require.NoError(t, err)
			h.clock.Set(due.AddDate(0, 0, 1))
			rep := h.sweep(t)
			assert.True(t, h.exists(t, "appointment", "1"), "a held record is not deleted")
			assert.False(t, h.exists(t, "appointment", "2"), "holds exclude only what they name")
			rr := rep.Rule("appointment", "delete_after_appointment")
			assert.Equal(t, 1, rr.Held)
			assert.Equal(t, 1, rr.Processed)
			if tt.act != nil {
				tt.act(t, h, hold.ID)
			}
			h.sweep(t)
			assert.Equal(t, tt.heldAfterwards, h.exists(t, "appointment", "1"))
			h.verifyAudit(t)
		})
	}
}

func TestPlaceHoldRefusesInvalidRequests(t *testing.T) {
	h := newHarness(t, jobcenter(t), time.Date(2024, 3, 1, 12, 0, 0, 0, berlin(t)), nil)
	tests := []struct {
		name string
		req  retention.HoldRequest
		says string
	}{
		{"no reason", retention.HoldRequest{Dataset: "appointment", Key: "1"}, "reason is missing"},
		{"a reason the law does not give", retention.HoldRequest{Dataset: "appointment", Key: "1", Reason: "6.1.f"}, `reason "6.1.f" is not one of 17.3.b`},
		{"neither record nor subject", retention.HoldRequest{Dataset: "appointment", Reason: store.HoldRestriction}, "names a record (dataset and key) or a subject"},
		{"a key without its dataset", retention.HoldRequest{Key: "1", Reason: store.HoldRestriction}, "names the key's dataset"},
		{"a key and a subject", retention.HoldRequest{Dataset: "appointment", Key: "1", Subject: "c-1", Reason: store.HoldRestriction}, "not both"},
		{"an end in the past", retention.HoldRequest{Dataset: "appointment", Key: "1", Reason: store.HoldRestriction, Until: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)}, "is not in the future"},
		{"an unknown dataset", retention.HoldRequest{Dataset: "bookings", Key: "1", Reason: store.HoldRestriction}, `"bookings"`},
		{"a subject in a dataset without subjects", retention.HoldRequest{Dataset: "access_log", Subject: "c-1", Reason: store.HoldRestriction}, "has no subject column"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := h.eng.PlaceHold(context.Background(), tt.req)
			require.ErrorIs(t, err, retention.ErrInvalidHold)
			assert.Contains(t, err.Error(), tt.says)
		})
	}
	holds, err := h.mem.ListHolds(context.Background(), h.clock.Now())
	require.NoError(t, err)
	assert.Empty(t, holds, "a refused hold is not stored")
}

func TestHoldChangesAreAuditedByPseudonymOnly(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, jobcenter(t), time.Date(2024, 3, 1, 12, 0, 0, 0, berlin(t)), nil)
	hold, err := h.eng.PlaceHold(ctx, retention.HoldRequest{Subject: "erika.mustermann@example.org", Reason: store.HoldLegalClaims, Note: "Klage anhängig"})
	require.NoError(t, err)
	h.clock.Advance(time.Hour)
	require.NoError(t, h.eng.ReleaseHold(ctx, hold.ID))
	require.NoError(t, h.eng.ReleaseHold(ctx, hold.ID), "releasing twice is harmless")
	err = h.eng.ReleaseHold(ctx, "0190b0c4-0000-7000-8000-000000000000")
	assert.ErrorIs(t, err, retention.ErrHoldNotFound)

	entries := h.verifyAudit(t)
	require.Len(t, entries, 2, "one entry to place, one to release, none for the second release")
	assert.Equal(t, "hold.place", entries[0].Action)
	assert.Equal(t, "hold.release", entries[1].Action)
	for _, e := range entries {
		assert.Equal(t, []string{auditKey.Pseudonym("erika.mustermann@example.org")}, e.Subjects)
		assert.Contains(t, e.Note, hold.ID)
		assert.Contains(t, e.Note, "Art. 17(3)(e)")
		assert.NotContains(t, e.Note, "Klage", "the free-text note stays with the hold")
		assert.NotContains(t, strings.Join(e.Subjects, " "), "erika")
	}
}

// TestAFailingRuleDoesNotBlockTheOthers pins that a failing batch is
// reported on its rule, the sweep goes on, and the next sweep retries.
func TestAFailingRuleDoesNotBlockTheOthers(t *testing.T) {
	loc := berlin(t)
	at := time.Date(2024, 3, 1, 12, 0, 0, 0, loc)
	h := newHarness(t, jobcenter(t), at, nil)
	h.insert(t, "access_log", map[string]any{"id": int64(1), "requested_at": at, "ip": "192.0.2.44", "user_agent": "Firefox"})
	h.insert(t, "access_log", map[string]any{"id": int64(2), "requested_at": at, "ip": "not an address: erika@example.org", "user_agent": "Firefox"})
	h.insert(t, "appointment", map[string]any{"id": int64(1), "citizen_id": "c-1", "starts_at": at})
	h.rec.setFail("delete_after_appointment", errors.New("disk full"))
	h.clock.Set(at.AddDate(0, 1, 0))

	rep, err := h.eng.Sweep(context.Background())
	require.Error(t, err, "Sweep returns the rules' failures together with the report")
	require.NotNil(t, rep)
	failed := rep.Rule("appointment", "delete_after_appointment")
	assert.ErrorContains(t, failed.Err, "disk full")
	assert.Equal(t, 1, failed.Failed)
	assert.Equal(t, 1, failed.Overdue, "the appointment is past its deadline and still there")

	masked := rep.Rule("access_log", "mask_ip")
	var opErr *retention.OperatorError
	require.ErrorAs(t, masked.Err, &opErr, "an operator failing on one value fails its batch")
	assert.Equal(t, "ip", opErr.Field)
	assert.NotContains(t, masked.Err.Error(), "erika", "errors never quote the value")
	assert.NotContains(t, h.logs.String(), "erika", "logs never quote the value")
	assert.Equal(t, 2, rep.Rule("access_log", "drop_agent").Processed, "the other rules went on")
	assert.Equal(t, 3, rep.Overdue(), "the appointment and both access-log records of the failed batch")

	// The application repairs the value, the store recovers: the next
	// sweep retries and finishes.
	require.NoError(t, h.mem.Update(context.Background(), "access_log", "2", map[string]any{"ip": "198.51.100.7"}))
	h.rec.setFail("delete_after_appointment", nil)
	h.clock.Advance(time.Minute)
	rep = h.sweep(t)
	assert.Equal(t, 1, rep.Rule("appointment", "delete_after_appointment").Processed)
	assert.Equal(t, 2, rep.Rule("access_log", "mask_ip").Processed)
	assert.NoError(t, rep.Err())
	h.verifyAudit(t)
}

// countingStore is a memstore that counts the calls of Count.
type countingStore struct {
	*memstore.Store
	counts int
}

func (c *countingStore) Count(ctx context.Context, sel store.Selection) (int, int, error) {
	c.counts++
	return c.Store.Count(ctx, sel)
}

// TestSweepCountsHeldRecordsOnlyWhereAHoldApplies pins that a sweep whose
// batches processed records counts held records only for datasets a hold
// it lists applies to, and still reports them there.
func TestSweepCountsHeldRecordsOnlyWhereAHoldApplies(t *testing.T) {
	ctx := context.Background()
	loc := berlin(t)
	at := time.Date(2024, 3, 1, 12, 0, 0, 0, loc)
	h := newHarness(t, jobcenter(t), at, nil)
	cs := &countingStore{Store: h.mem}
	eng, err := retention.New(h.decl, cs, &retention.Options{Now: h.clock.Now, AuditKey: auditKey, Keys: testKeys})
	require.NoError(t, err)
	for i := 1; i <= 3; i++ {
		h.insert(t, "appointment", map[string]any{"id": int64(i), "citizen_id": fmt.Sprintf("citizen-%d", i), "starts_at": at})
	}
	h.clock.Set(at.AddDate(0, 1, 0))
	rep, err := eng.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, 3, rep.Processed())
	assert.Zero(t, cs.counts, "with no hold anywhere nothing needs counting")

	for i := 4; i <= 6; i++ {
		h.insert(t, "appointment", map[string]any{"id": int64(i), "citizen_id": fmt.Sprintf("citizen-%d", i), "starts_at": at})
	}
	_, err = eng.PlaceHold(ctx, retention.HoldRequest{Subject: "citizen-5", Reason: store.HoldLegalClaims})
	require.NoError(t, err)
	rep, err = eng.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Processed())
	assert.Equal(t, 1, rep.Held(), "a subject hold on every dataset is counted in the appointments")
	assert.Positive(t, cs.counts)
	assert.True(t, h.exists(t, "appointment", "5"))
}
