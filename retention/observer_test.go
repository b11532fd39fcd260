package retention_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/retention"
)

// metrics is an Observer that remembers what it was told.
type metrics struct {
	retention.NopObserver
	mu        sync.Mutex
	processed map[string]int // by rule/action
	failed    map[string]int
	sweeps    []retention.SweepStats
}

func (m *metrics) Processed(dataset, rule string, action retention.Action, n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.processed[dataset+"/"+rule+"/"+string(action)] += n
}

func (m *metrics) BatchFailed(dataset, rule string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.failed[dataset+"/"+rule]++
}

func (m *metrics) SweepDone(s retention.SweepStats) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweeps = append(m.sweeps, s)
}

func TestObserverSeesRecordsFailuresAndSweeps(t *testing.T) {
	loc := berlin(t)
	at := time.Date(2024, 3, 1, 12, 0, 0, 0, loc)
	m := &metrics{processed: map[string]int{}, failed: map[string]int{}}
	h := newHarness(t, jobcenter(t), at, &retention.Options{Observer: m, BatchSize: 2})
	for i := range 3 {
		h.insert(t, "appointment", map[string]any{"id": int64(i), "citizen_id": "c", "starts_at": at})
		h.insert(t, "access_log", map[string]any{"id": int64(i), "requested_at": at, "ip": "192.0.2.1", "user_agent": "x"})
	}
	h.rec.setFail("mask_ip", errors.New("connection reset"))
	h.clock.Set(at.AddDate(0, 1, 0))
	_, err := h.eng.Sweep(context.Background())
	require.Error(t, err)

	assert.Equal(t, map[string]int{
		"appointment/delete_after_appointment/delete": 3,
		"access_log/drop_agent/anonymize":             3,
	}, m.processed)
	assert.Equal(t, map[string]int{"access_log/mask_ip": 1}, m.failed)
	require.Len(t, m.sweeps, 1)
	s := m.sweeps[0]
	assert.False(t, s.OK, "a sweep with a failed rule is not a successful sweep")
	assert.Equal(t, 6, s.Processed)
	assert.Equal(t, 1, s.Failed)
	assert.Equal(t, 3, s.Overdue, "the three access-log records the failed rule left")
	assert.Equal(t, h.clock.Now(), s.Start)

	h.rec.setFail("mask_ip", nil)
	h.sweep(t)
	require.Len(t, m.sweeps, 2)
	assert.True(t, m.sweeps[1].OK)
	assert.Zero(t, m.sweeps[1].Overdue)
}

func TestSweepStopsWhenItsContextEnds(t *testing.T) {
	at := time.Date(2024, 3, 1, 12, 0, 0, 0, berlin(t))
	h := newHarness(t, jobcenter(t), at, nil)
	h.insert(t, "appointment", map[string]any{"id": int64(1), "citizen_id": "c", "starts_at": at})
	h.clock.Set(at.AddDate(0, 1, 0))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := h.eng.Sweep(ctx)
	require.ErrorIs(t, err, context.Canceled)
	assert.True(t, h.exists(t, "appointment", "1"))
	ok, err := h.mem.AcquireLease(context.Background(), "frist.retention.sweep", "other", h.clock.Now(), time.Minute)
	require.NoError(t, err)
	assert.True(t, ok, "a stopped sweep leaves no lease behind")
}
