package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Eight virtual days are enough for the access log's seven-day rules to
// act on the first day's requests; the appointments' two-week rule is pinned
// by TestAppointmentIsDeletedTwoWeeksAfterItTookPlace.
func TestSimulationMeetsEveryDeadline(t *testing.T) {
	if testing.Short() {
		t.Skip("the simulation sweeps eleven thousand times; skipped with -short")
	}
	var out bytes.Buffer
	res, err := Simulate(context.Background(), SimConfig{Declaration: loadJobcenter(t, nil), Days: 8, Citizens: 100, Seed: 7}, &out)
	require.NoError(t, err)
	require.True(t, res.OK(), out.String())
	assert.Contains(t, out.String(), "OK: every deadline met, none early, audit log verified")
	require.Len(t, res.Tracks, 3)
	for _, tr := range res.Tracks[:2] {
		assert.Positive(t, tr.checked, "%s %s acted and was checked", tr.dataset, tr.rule)
		assert.Equal(t, tr.checked, tr.onTime)
	}
	assert.Positive(t, res.Bookings)
	assert.Positive(t, res.Cancellations)
	assert.Positive(t, res.AuditEntries)
	assert.Equal(t, 8*24*60+1-60*6, res.Sweeps, "one sweep at start and one per minute until midnight of the last day")
}

func TestSimulationOutputDependsOnlyOnTheSeed(t *testing.T) {
	decl := loadJobcenter(t, nil)
	run := func(seed uint64) string {
		var out bytes.Buffer
		_, err := Simulate(context.Background(), SimConfig{Declaration: decl, Days: 1, Citizens: 60, Seed: seed}, &out)
		require.NoError(t, err)
		return out.String()
	}
	a := run(3)
	assert.Equal(t, a, run(3))
	assert.NotEqual(t, a, run(4))
}

// The checker must be able to fail: an action after its deadline or
// before its earliest time is reported, one inside its window is not.
func TestRuleTrackReportsLateAndEarlyActions(t *testing.T) {
	d := due{key: "7", earliest: time.Date(2025, 3, 24, 7, 58, 0, 0, time.UTC), deadline: time.Date(2025, 3, 24, 8, 0, 0, 0, time.UTC)}
	for name, tc := range map[string]struct {
		at   time.Time
		fail string
	}{
		"inside the window":   {d.earliest.Add(time.Minute), ""},
		"at the deadline":     {d.deadline, ""},
		"after the deadline":  {d.deadline.Add(time.Second), "after its deadline"},
		"before the earliest": {d.earliest.Add(-time.Second), "before its earliest time"},
	} {
		t.Run(name, func(t *testing.T) {
			tr := &ruleTrack{dataset: "appointment", rule: "r"}
			tr.result(d, tc.at)
			if tc.fail == "" {
				assert.Empty(t, tr.failures)
				assert.Equal(t, 1, tr.onTime)
				return
			}
			require.Len(t, tr.failures, 1)
			assert.Contains(t, tr.failures[0], tc.fail)
			assert.Zero(t, tr.onTime)
		})
	}
}

func TestSimulateRefusesBadConfig(t *testing.T) {
	_, err := Simulate(context.Background(), SimConfig{Days: 3}, &bytes.Buffer{})
	require.ErrorIs(t, err, ErrOptions)
	for _, bad := range []string{"0d", "x", "-3", "400d"} {
		_, err := parseDays(bad)
		assert.Error(t, err, bad)
		assert.True(t, strings.Contains(err.Error(), "-simulate"), err.Error())
	}
	n, err := parseDays("21d")
	require.NoError(t, err)
	assert.Equal(t, 21, n)
}
