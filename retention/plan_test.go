package retention_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
)

func TestPlanIsADryRun(t *testing.T) {
	ctx := context.Background()
	loc := berlin(t)
	at := time.Date(2024, 3, 1, 12, 0, 0, 0, loc)
	h := newHarness(t, jobcenter(t), at, nil)
	for i := range 5 {
		h.insert(t, "appointment", map[string]any{"id": int64(i + 1), "citizen_id": "c", "starts_at": at.AddDate(0, 0, i)})
	}
	h.insert(t, "access_log", map[string]any{"id": int64(1), "requested_at": at, "ip": "192.0.2.1", "user_agent": "x"})
	_, err := h.eng.PlaceHold(ctx, retention.HoldRequest{Dataset: "appointment", Key: "2", Reason: store.HoldLegalClaims})
	require.NoError(t, err)

	plan, err := h.eng.Plan(ctx, at.AddDate(0, 0, 16)) // appointments 1-3 are due, 2 is held
	require.NoError(t, err)
	rp := planRule(t, plan, "appointment", "delete_after_appointment")
	assert.Equal(t, 2, rp.Due)
	assert.Equal(t, 1, rp.Held)
	require.Len(t, rp.Holds, 1)
	assert.Equal(t, store.HoldLegalClaims, rp.Holds[0].Reason)
	assert.True(t, at.AddDate(0, 0, 17).Equal(rp.NextDeadline), "appointment 4 is due two weeks after 4 March")
	assert.True(t, rp.NextDeadline.Add(-2*retention.DefaultInterval).Equal(rp.Next))
	assert.Empty(t, planRule(t, plan, "access_log", "mask_ip").Holds, "a hold on an appointment does not concern the access log")
	assert.Equal(t, 1, planRule(t, plan, "access_log", "mask_ip").Due)
	assert.Equal(t, retention.Action("delete"), planRule(t, plan, "appointment", "delete_on_cancel").Action)

	for k := range 5 {
		assert.True(t, h.exists(t, "appointment", string(rune('1'+k))), "Plan changes nothing")
	}
	assert.Len(t, h.verifyAudit(t), 1, "only the hold is audited; Plan writes nothing")
	assert.Empty(t, h.rec.Done())

	plan, err = h.eng.Plan(ctx, at.AddDate(1, 0, 0))
	require.NoError(t, err)
	rp = planRule(t, plan, "appointment", "delete_after_appointment")
	assert.Equal(t, 4, rp.Due)
	assert.Zero(t, rp.NextDeadline, "nothing is left after the last deadline")
}

func planRule(t *testing.T, p *retention.Plan, dataset, rule string) retention.RulePlan {
	t.Helper()
	for _, rp := range p.Rules {
		if rp.Dataset == dataset && rp.Rule == rule {
			return rp
		}
	}
	require.Failf(t, "no such rule in the plan", "%s/%s", dataset, rule)
	return retention.RulePlan{}
}
