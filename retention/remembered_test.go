package retention_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/memstore"
)

// examples/policies/jobcenter.yaml, the sentences remembered events keep.
const (
	jobcenterSofort = "Bei einer Terminstornierung oder einem Widerruf werden die verarbeiteten personenbezogenen Daten sofort gelöscht."
	jobcenterAlle   = "Bitte beachten Sie, dass im Fall eines Widerrufs von Ihnen bereits gebuchte Termine ebenfalls alle gelöscht werden."
	jobcenterErneut = "Sollten Sie unseren Service der Online-Terminbuchung erneut nutzen wollen, wird auch erneut Ihre Einwilligungserklärung benötigt."
	jobcenterZweiWo = "Nach dem erfolgten Termin werden die personenbezogenen Daten innerhalb von zwei Wochen gelöscht."
	ruleCancelled   = "delete_on_cancel"
	ruleWithdrawal  = "delete_on_withdrawal"
)

// pendingOf lists what the harness's store remembers.
func (h *harness) pendingOf(t testing.TB) []store.RememberedEvent {
	t.Helper()
	ps, err := h.mem.ListRemembered(context.Background(), "", 0)
	require.NoError(t, err)
	return ps
}

// processedBy returns when rule processed the appointment with key, and
// how often.
func processedBy(h *harness, rule, key string) (at []time.Time) {
	for _, p := range h.rec.Done() {
		if p.Rule == rule && p.Key == key {
			at = append(at, p.At)
		}
	}
	return at
}

func TestCancellationOfAHeldAppointmentActsTheMomentTheHoldEnds(t *testing.T) {
	at := time.Date(2024, 5, 6, 9, 0, 0, 0, berlin(t))
	ctx := context.Background()
	tests := []struct {
		name string
		hold retention.HoldRequest
		// end ends the hold after a day and returns the report that
		// covers the moment it ended (nil for ReleaseHold, which has none).
		end func(t *testing.T, h *harness, id string) *retention.Report
	}{
		{
			name: "a hold on the appointment, released",
			hold: retention.HoldRequest{Dataset: "appointment", Key: "2", Reason: store.HoldLegalClaims},
			end: func(t *testing.T, h *harness, id string) *retention.Report {
				require.NoError(t, h.eng.ReleaseHold(ctx, id))
				return nil
			},
		},
		{
			name: "a restriction of the citizen, released",
			hold: retention.HoldRequest{Subject: "erika", Reason: store.HoldRestriction},
			end: func(t *testing.T, h *harness, id string) *retention.Report {
				require.NoError(t, h.eng.ReleaseHold(ctx, id))
				return nil
			},
		},
		{
			name: "a hold that ends by itself, at the first sweep after",
			hold: retention.HoldRequest{Dataset: "appointment", Key: "2", Reason: store.HoldLegalObligation, Until: at.Add(24 * time.Hour)},
			end: func(t *testing.T, h *harness, _ string) *retention.Report {
				return h.sweep(t)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, jobcenter(t), at, nil)
			bookings(t, h, at)
			hold, err := h.eng.PlaceHold(ctx, tt.hold)
			require.NoError(t, err)

			rep, err := h.eng.Trigger(ctx, retention.Event{Kind: policy.EventCancelled, Dataset: "appointment", Key: "2"})
			require.ErrorIs(t, err, retention.ErrHeld)
			assert.Contains(t, err.Error(), "remembered")
			require.Len(t, rep.Rules, 1)
			assert.Equal(t, 1, rep.Rules[0].Held)
			assert.NotEmpty(t, rep.Rules[0].Remembered, "the report names the remembered event")
			assert.Zero(t, rep.Forgotten())
			assert.True(t, h.exists(t, "appointment", "2"), "a held appointment survives its cancellation")

			h.clock.Advance(time.Hour)
			rep = h.sweep(t)
			assert.Zero(t, rep.Processed(), "never while held")
			assert.True(t, h.exists(t, "appointment", "2"))
			require.Len(t, h.pendingOf(t), 1)

			h.clock.Set(at.Add(24 * time.Hour))
			rep = tt.end(t, h, hold.ID)
			assert.False(t, h.exists(t, "appointment", "2"), "%s: the cancellation acts the moment the hold ends, not %s", jobcenterSofort, jobcenterZweiWo)
			assert.Equal(t, []time.Time{at.Add(24 * time.Hour)}, processedBy(h, ruleCancelled, "2"), "deleted once, by the cancellation rule, when the hold ended")
			if rep != nil {
				rr := rep.Rule("appointment", ruleCancelled)
				require.NotNil(t, rr, "the sweep reports the remembered event under its rule")
				assert.Equal(t, 1, rr.Processed)
				assert.Equal(t, 1, rr.Retried)
				assert.Equal(t, policy.EventCancelled, rr.Event)
				assert.Equal(t, 1, rep.Retried())
			}
			assert.Empty(t, h.pendingOf(t), "nothing of the event is left, so it is forgotten")
			for _, k := range []string{"1", "3", "4"} {
				assert.Truef(t, h.exists(t, "appointment", k), "appointment %s was not cancelled", k)
			}
			entries := h.verifyAudit(t)
			last := entries[len(entries)-1]
			if rep == nil {
				// ReleaseHold audits the release, then the deletion.
				assert.Equal(t, "hold.release", entries[len(entries)-2].Action)
			}
			assert.Equal(t, "delete", last.Action)
			assert.Equal(t, ruleCancelled, last.Rule)
			assert.Equal(t, 1, last.Count)
			assert.Contains(t, last.Note, "on cancelled, remembered since")

			h.clock.Advance(time.Hour)
			assert.Zero(t, h.sweep(t).Processed(), "exactly once")
		})
	}
}

func TestWithdrawalDeletesTheFreeAppointmentsAtOnceAndTheHeldOneAtRelease(t *testing.T) {
	at := time.Date(2024, 5, 6, 9, 0, 0, 0, berlin(t))
	ctx := context.Background()
	h := newHarness(t, jobcenter(t), at, nil)
	h.insert(t, "appointment", map[string]any{"id": int64(1), "citizen_id": "erika", "starts_at": at.AddDate(0, 0, 3), "name": "Erika Mustermann"})
	h.insert(t, "appointment", map[string]any{"id": int64(2), "citizen_id": "erika", "starts_at": at.AddDate(0, 0, 10), "name": "Erika Mustermann"})
	h.insert(t, "appointment", map[string]any{"id": int64(4), "citizen_id": "max", "starts_at": at.AddDate(0, 0, 3), "name": "Max Mustermann"})
	hold, err := h.eng.PlaceHold(ctx, retention.HoldRequest{Dataset: "appointment", Key: "2", Reason: store.HoldLegalClaims})
	require.NoError(t, err)

	rep, err := h.eng.Trigger(ctx, retention.Event{Kind: policy.EventConsentWithdrawn, Subject: "erika", Purpose: "booking"})
	require.NoError(t, err)
	rr := rep.Rule("appointment", ruleWithdrawal)
	require.NotNil(t, rr)
	assert.Equal(t, 1, rr.Processed, jobcenterAlle)
	assert.Equal(t, 1, rr.Held)
	assert.NotEmpty(t, rr.Remembered)
	assert.False(t, h.exists(t, "appointment", "1"), "%s: the free appointment is deleted at once", jobcenterSofort)
	assert.True(t, h.exists(t, "appointment", "2"), "the held appointment survives the withdrawal")

	// Erika consents again and books anew: the old withdrawal must not
	// delete the new booking.
	h.clock.Advance(2 * time.Hour)
	h.insert(t, "appointment", map[string]any{"id": int64(5), "citizen_id": "erika", "starts_at": at.AddDate(0, 0, 20), "name": "Erika Mustermann"})
	h.clock.Advance(2 * time.Hour)
	assert.Zero(t, h.sweep(t).Processed())
	released := h.clock.Now()
	require.NoError(t, h.eng.ReleaseHold(ctx, hold.ID))

	assert.False(t, h.exists(t, "appointment", "2"), "%s: the held appointment is deleted when the hold is released", jobcenterAlle)
	assert.Equal(t, []time.Time{released}, processedBy(h, ruleWithdrawal, "2"))
	assert.True(t, h.exists(t, "appointment", "5"), "%s: a booking made after the withdrawal is not covered by it", jobcenterErneut)
	assert.True(t, h.exists(t, "appointment", "4"), "another citizen's appointment is untouched")
	assert.Empty(t, h.pendingOf(t))
	h.verifyAudit(t)
}

func TestEventInsideTheStatutoryMinimumActsAtTheFirstSweepAfterIt(t *testing.T) {
	loc := berlin(t)
	received := time.Date(2024, 1, 15, 10, 0, 0, 0, loc)
	ends := received.AddDate(0, 1, 0) // keep_at_least: 1mo (§ 147 AO)
	ctx := context.Background()
	h := newHarness(t, jobcenter(t), received.AddDate(0, 0, 3), &retention.Options{Interval: time.Hour})
	h.insert(t, "contact", map[string]any{"id": "k1", "email": "erika@example.org", "received_at": received})

	rep, err := h.eng.Trigger(ctx, retention.Event{Kind: policy.EventMatterSettled, Dataset: "contact", Key: "k1"})
	require.NoError(t, err)
	require.Len(t, rep.Rules, 1)
	assert.Equal(t, 1, rep.Rules[0].Kept)
	assert.NotEmpty(t, rep.Rules[0].Remembered, "the settled matter is remembered until the minimum ends")

	// Sweeps every hour up to the end of the minimum touch nothing.
	for h.clock.Set(ends.Add(-5 * time.Hour)); h.clock.Now().Before(ends); h.clock.Advance(time.Hour) {
		assert.Zero(t, h.sweep(t).Processed(), "never before keep_at_least ends (at %s)", h.clock.Now())
		assert.True(t, h.exists(t, "contact", "k1"))
	}
	h.clock.Set(ends.Add(20 * time.Minute))
	rep = h.sweep(t)
	assert.False(t, h.exists(t, "contact", "k1"), "the first sweep after the minimum acts on the settled matter")
	assert.Equal(t, 1, rep.Retried())
	assert.Equal(t, []time.Time{ends.Add(20 * time.Minute)}, processedBy(h, "delete_contact_on_settled", "k1"),
		"the remembered event acts before the time rule that falls due at the same moment")
	assert.Empty(t, h.pendingOf(t))
	h.verifyAudit(t)
}

func TestTwoEventsOnOneHeldRecordDeleteItOnce(t *testing.T) {
	at := time.Date(2024, 5, 6, 9, 0, 0, 0, berlin(t))
	ctx := context.Background()
	h := newHarness(t, jobcenter(t), at, nil)
	bookings(t, h, at)
	hold, err := h.eng.PlaceHold(ctx, retention.HoldRequest{Subject: "erika", Reason: store.HoldRestriction})
	require.NoError(t, err)
	_, err = h.eng.Trigger(ctx, retention.Event{Kind: policy.EventCancelled, Dataset: "appointment", Key: "1"})
	require.ErrorIs(t, err, retention.ErrHeld)
	h.clock.Advance(time.Minute)
	_, err = h.eng.Trigger(ctx, retention.Event{Kind: policy.EventConsentWithdrawn, Subject: "erika", Purpose: "booking"})
	require.NoError(t, err)
	require.Len(t, h.pendingOf(t), 2)

	h.clock.Advance(time.Hour)
	require.NoError(t, h.eng.ReleaseHold(ctx, hold.ID))
	for _, k := range []string{"1", "2", "3"} {
		assert.False(t, h.exists(t, "appointment", k))
	}
	assert.Len(t, processedBy(h, ruleCancelled, "1"), 1, "the older event, the cancellation, deletes appointment 1")
	assert.Empty(t, processedBy(h, ruleWithdrawal, "1"), "a record deleted meanwhile just disappears from the later event")
	assert.Len(t, processedBy(h, ruleWithdrawal, "2"), 1)
	assert.Len(t, processedBy(h, ruleWithdrawal, "3"), 1)
	assert.Len(t, h.rec.Done(), 3, "each record once")
	assert.Empty(t, h.pendingOf(t), "both events are done")
}

func TestFailedEventBatchIsRememberedAndRetriedBySweep(t *testing.T) {
	at := time.Date(2024, 5, 6, 9, 0, 0, 0, berlin(t))
	ctx := context.Background()
	h := newHarness(t, jobcenter(t), at, nil)
	bookings(t, h, at)
	h.rec.setFail(ruleCancelled, errors.New("database is locked"))
	rep, err := h.eng.Trigger(ctx, retention.Event{Kind: policy.EventCancelled, Dataset: "appointment", Key: "2"})
	require.Error(t, err)
	assert.Equal(t, 1, rep.Rules[0].Failed)
	assert.NotEmpty(t, rep.Rules[0].Remembered, "the records of a failed batch are remembered")
	assert.True(t, h.exists(t, "appointment", "2"))

	h.rec.setFail(ruleCancelled, nil)
	h.clock.Advance(time.Minute)
	rep = h.sweep(t)
	assert.Equal(t, 1, rep.Retried())
	assert.False(t, h.exists(t, "appointment", "2"), "the next sweep retries the failed cancellation")
	assert.Empty(t, h.pendingOf(t))
}

func TestReleaseHoldSaysWhenRememberedEventsFail(t *testing.T) {
	at := time.Date(2024, 5, 6, 9, 0, 0, 0, berlin(t))
	ctx := context.Background()
	h := newHarness(t, jobcenter(t), at, nil)
	bookings(t, h, at)
	hold, err := h.eng.PlaceHold(ctx, retention.HoldRequest{Dataset: "appointment", Key: "2", Reason: store.HoldLegalClaims})
	require.NoError(t, err)
	_, err = h.eng.Trigger(ctx, retention.Event{Kind: policy.EventCancelled, Dataset: "appointment", Key: "2"})
	require.ErrorIs(t, err, retention.ErrHeld)

	h.rec.setFail(ruleCancelled, errors.New("database is locked"))
	err = h.eng.ReleaseHold(ctx, hold.ID)
	require.ErrorIs(t, err, retention.ErrRememberedFailed)
	assert.NotErrorIs(t, err, retention.ErrHoldNotFound)
	active, err := h.mem.ListHolds(ctx, h.clock.Now())
	require.NoError(t, err)
	assert.Empty(t, active, "the hold is released even though acting on the event failed")
	assert.True(t, h.exists(t, "appointment", "2"))

	h.rec.setFail(ruleCancelled, nil)
	h.clock.Advance(time.Minute)
	assert.Equal(t, 1, h.sweep(t).Retried(), "the next sweep retries")
	assert.False(t, h.exists(t, "appointment", "2"))
}

// forgetfulDriver is a store whose remembering fails.
type forgetfulDriver struct{ store.Driver }

func (forgetfulDriver) Remember(context.Context, store.RememberedEvent) error {
	return errors.New("disk full")
}

// TestEventTheStoreCannotRememberIsReportedNotSilentlyForgotten pins that
// an event whose remembering fails is counted in RuleReport.Forgotten and
// named in the error. Seen to fail with remember ignoring Remember's
// error.
func TestEventTheStoreCannotRememberIsReportedNotSilentlyForgotten(t *testing.T) {
	at := time.Date(2024, 5, 6, 9, 0, 0, 0, berlin(t))
	ctx := context.Background()
	decl := jobcenter(t)
	mem, err := memstore.New(decl)
	require.NoError(t, err)
	h := &harness{decl: decl, mem: mem}
	bookings(t, h, at)
	eng, err := retention.New(decl, forgetfulDriver{mem}, &retention.Options{Now: func() time.Time { return at }, AuditKey: auditKey, Keys: testKeys})
	require.NoError(t, err)
	_, err = eng.PlaceHold(ctx, retention.HoldRequest{Dataset: "appointment", Key: "2", Reason: store.HoldLegalClaims})
	require.NoError(t, err)

	rep, err := eng.Trigger(ctx, retention.Event{Kind: policy.EventCancelled, Dataset: "appointment", Key: "2"})
	require.ErrorContains(t, err, "remembering the event: disk full")
	assert.Equal(t, 1, rep.Forgotten(), "the report says the event was not remembered")
	assert.Empty(t, rep.Rules[0].Remembered)

	rep, err = eng.Trigger(ctx, retention.Event{Kind: policy.EventConsentWithdrawn, Subject: "erika", Purpose: "booking"})
	require.ErrorContains(t, err, "disk full")
	assert.Equal(t, 1, rep.Forgotten())
	assert.Equal(t, 2, rep.Processed())
	assert.Empty(t, h.pendingOf(t), "nothing reached the store")
}

func TestRememberedEventOfARuleNoLongerDeclaredIsReportedAndKept(t *testing.T) {
	at := time.Date(2024, 5, 6, 9, 0, 0, 0, berlin(t))
	ctx := context.Background()
	h := newHarness(t, jobcenter(t), at, nil)
	bookings(t, h, at)
	require.NoError(t, h.mem.Remember(ctx, store.RememberedEvent{
		ID: "01900000-0000-7000-8000-000000000001", Dataset: "appointment", Rule: "delete_on_cancelled_v1",
		Event: string(policy.EventCancelled), Keys: []string{"2"}, At: at,
	}))
	rep, err := h.eng.Sweep(ctx)
	require.ErrorIs(t, err, retention.ErrNoRule)
	rr := rep.Rule("appointment", "delete_on_cancelled_v1")
	require.NotNil(t, rr)
	assert.Contains(t, rr.Err.Error(), "stays remembered")
	assert.True(t, h.exists(t, "appointment", "2"), "the engine never guesses what an unknown rule did")
	assert.Len(t, h.pendingOf(t), 1, "the event is not silently dropped")
}

// TestReleaseAndSweepOnTwoReplicasProcessEachRememberedRecordOnce runs the
// retry from ReleaseHold on one engine and from Sweep on another, at once.
func TestReleaseAndSweepOnTwoReplicasProcessEachRememberedRecordOnce(t *testing.T) {
	at := time.Date(2024, 5, 6, 9, 0, 0, 0, berlin(t))
	ctx := context.Background()
	h := newHarness(t, jobcenter(t), at, &retention.Options{BatchSize: 3})
	other, err := retention.New(h.decl, h.rec, &retention.Options{Now: h.clock.Now, AuditKey: auditKey, Keys: testKeys, BatchSize: 2})
	require.NoError(t, err)
	const n = 60
	for i := 1; i <= n; i++ {
		h.insert(t, "appointment", map[string]any{"id": int64(i), "citizen_id": fmt.Sprintf("citizen-%d", i%7), "starts_at": at.AddDate(0, 0, 5)})
	}
	hold, err := h.eng.PlaceHold(ctx, retention.HoldRequest{Dataset: "appointment", Subject: "citizen-3", Reason: store.HoldRestriction})
	require.NoError(t, err)
	for i := 1; i <= n; i++ {
		_, err := h.eng.Trigger(ctx, retention.Event{Kind: policy.EventCancelled, Dataset: "appointment", Key: fmt.Sprint(i)})
		if i%7 == 3 {
			require.ErrorIs(t, err, retention.ErrHeld)
		} else {
			require.NoError(t, err)
		}
	}
	h.clock.Advance(time.Minute)
	var wg sync.WaitGroup
	wg.Go(func() { assert.NoError(t, h.eng.ReleaseHold(ctx, hold.ID)) })
	for range 4 {
		wg.Go(func() {
			_, err := other.Sweep(ctx)
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	_, err = other.Sweep(ctx)
	require.NoError(t, err)
	seen := map[string]int{}
	for _, p := range h.rec.Done() {
		seen[p.Key]++
	}
	assert.Len(t, seen, n, "every appointment is deleted")
	for k, c := range seen {
		assert.Equalf(t, 1, c, "appointment %s deleted %d times", k, c)
	}
	assert.Empty(t, h.pendingOf(t))
	entries := h.verifyAudit(t)
	total := 0
	for _, e := range entries {
		if e.Action == "delete" {
			total += e.Count
		}
	}
	assert.Equal(t, n, total, "the audit log counts each deletion once")
	// (A subject of the form "c-3" could turn up inside a random UUID.)
	assert.False(t, strings.Contains(h.logs.String(), "citizen-"), "the log names no subject")
}
