package retention_test

import (
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store/memstore"
)

// reports collects what a Scheduler hands to OnSweep.
type reports struct {
	mu  sync.Mutex
	all []*retention.Report
	err []error
}

func (r *reports) onSweep(rep *retention.Report, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.all = append(r.all, rep)
	r.err = append(r.err, err)
}

func (r *reports) since(i int) ([]*retention.Report, []error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*retention.Report(nil), r.all[i:]...), append([]error(nil), r.err[i:]...)
}

// jobcenterEngine returns the Jobcenter declaration on a memstore and an
// engine whose clock is the bubble's, moved to simStart.
func jobcenterEngine(t *testing.T) (*policy.Declaration, *memstore.Store, *retention.Engine) {
	decl, err := policy.LoadFile(jobcenterPath)
	require.NoError(t, err)
	st, err := memstore.New(decl)
	require.NoError(t, err)
	key, err := anonymize.NewKeyRing(anonymize.Key{ID: "k1", Secret: []byte("scheduler test audit key of 32 bytes")})
	require.NoError(t, err)
	offset := time.Until(simStart)
	eng, err := retention.New(decl, st, &retention.Options{Now: func() time.Time { return time.Now().Add(offset) }, AuditKey: key})
	require.NoError(t, err)
	return decl, st, eng
}

// TestSchedulerCatchesUpDowntimeAtRestart pins docs/DESIGN.md, "Atomic batches": cron
// does not catch up missed runs, but the first sweep after a restart
// processes everything that fell due while the application was down.
func TestSchedulerCatchesUpDowntimeAtRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, st, eng := jobcenterEngine(t)
		ctx := t.Context()
		start := eng.Now()
		// 60 requests whose seven days end one to eleven hours after start.
		for i := range 60 {
			at := start.AddDate(0, 0, -7).Add(time.Hour + time.Duration(i)*10*time.Minute)
			require.NoError(t, st.Insert(ctx, dsLog, map[string]any{"id": int64(i + 1), "requested_at": at, "ip": "198.51.100.7"}))
		}
		var got reports
		s, err := retention.NewScheduler(eng, &retention.SchedulerOptions{OnSweep: got.onSweep, Logger: discardLogger()})
		require.NoError(t, err)

		require.NoError(t, s.Start(ctx))
		time.Sleep(30*time.Minute + 30*time.Second)
		require.NoError(t, s.Stop(ctx))
		assert.Equal(t, 60, st.Len(dsLog), "nothing is due in the first half hour")

		// Down for ten hours: 58 of the requests fall due meanwhile.
		time.Sleep(10 * time.Hour)
		n, _ := got.since(0)
		before := len(n)
		restart := eng.Now()
		require.NoError(t, s.Start(ctx))
		synctest.Wait()
		reps, errs := got.since(before)
		require.Len(t, reps, 1, "the first sweep runs at restart, before any tick")
		require.NoError(t, errs[0])
		first := reps[0]
		assert.Equal(t, restart, first.Start)
		del := first.Rule(dsLog, ruleLogDel)
		require.NotNil(t, del)
		// Requests i with start+1h+i·10m−2m ≤ restart = start+10h30m30s: i ≤ 57.
		assert.Equal(t, 58, del.Processed, "every request that fell due during the downtime is deleted at restart")
		assert.Equal(t, 58, first.Rule(dsLog, ruleLogAnon).Processed)
		assert.Greater(t, del.Lateness, 9*time.Hour, "the report shows how late the oldest record was")
		assert.Equal(t, 2, st.Len(dsLog))

		time.Sleep(time.Hour)
		require.NoError(t, s.Stop(ctx))
		assert.Zero(t, st.Len(dsLog), "the scheduler keeps up after the restart")
		_, errs = got.since(0)
		for _, err := range errs {
			assert.NoError(t, err)
		}
	})
}

// TestNewSchedulerRefusesGapsLongerThanTheEngineInterval pins that a spec
// whose sweeps are further apart than Options.Interval is refused: the
// engine processes a record only two intervals before its deadline, so
// sparser sweeps would be late.
func TestNewSchedulerRefusesGapsLongerThanTheEngineInterval(t *testing.T) {
	_, _, eng := jobcenterEngine(t)
	tests := []struct {
		spec string
		ok   bool
	}{
		{"* * * * *", true},
		{"@every 1m", true},
		{"@every 30s", true},
		{"*/5 * * * *", false},
		{"@hourly", false},
		{"30 2 * * *", false},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			s, err := retention.NewScheduler(eng, &retention.SchedulerOptions{Spec: tt.spec})
			if tt.ok {
				require.NoError(t, err)
				assert.Equal(t, tt.spec, s.Spec())
				return
			}
			require.ErrorIs(t, err, retention.ErrInvalidSchedule)
			assert.Contains(t, err.Error(), "Options.Interval")
			assert.Contains(t, err.Error(), tt.spec)
		})
	}
	_, err := retention.NewScheduler(nil, nil)
	assert.ErrorContains(t, err, "engine is nil")
}

// TestSchedulerUsesTheDeclarationsZone pins that the schedule is read in
// the controller's zone unless the options name another.
func TestSchedulerUsesTheDeclarationsZone(t *testing.T) {
	decl, _, eng := jobcenterEngine(t)
	s, err := retention.NewScheduler(eng, nil)
	require.NoError(t, err)
	assert.Equal(t, decl.Location(), s.Location())
	assert.Equal(t, "Europe/Berlin", s.Location().String())
	s, err = retention.NewScheduler(eng, &retention.SchedulerOptions{Location: time.UTC})
	require.NoError(t, err)
	assert.Equal(t, time.UTC, s.Location())
}
