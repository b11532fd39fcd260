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
	decl, st, eng, err := jobcenterEngineWith(t, &retention.Options{})
	require.NoError(t, err)
	return decl, st, eng
}

// jobcenterEngineWith is jobcenterEngine with the sweeps of opts.
func jobcenterEngineWith(t *testing.T, opts *retention.Options) (*policy.Declaration, *memstore.Store, *retention.Engine, error) {
	decl, err := policy.LoadFile(jobcenterPath)
	require.NoError(t, err)
	st, err := memstore.New(decl)
	require.NoError(t, err)
	key, err := anonymize.NewKeyRing(anonymize.Key{ID: "k1", Secret: []byte("scheduler test audit key of 32 bytes")})
	require.NoError(t, err)
	offset := time.Until(simStart)
	opts.Now = func() time.Time { return time.Now().Add(offset) }
	opts.AuditKey = key
	eng, err := retention.New(decl, st, opts)
	return decl, st, eng, err
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

		// The ticks come a minute apart from the restart on (@every 1m0s);
		// stop between two, not at one, whose sweep Stop would cancel.
		time.Sleep(time.Hour + 30*time.Second)
		require.NoError(t, s.Stop(ctx))
		assert.Zero(t, st.Len(dsLog), "the scheduler keeps up after the restart")
		_, errs = got.since(0)
		for _, err := range errs {
			assert.NoError(t, err)
		}
	})
}

// TestTheSchedulerSweepsAtTheEnginesInterval pins that the Scheduler's
// sweeps are exactly as far apart as the interval every deadline of the
// engine is computed with, because it takes them from the engine. Checked
// by making NewScheduler run the old default "* * * * *" whatever the
// engine's options: an hour gave 61 sweeps a minute apart where 13 five
// minutes and 7 ten minutes apart were due.
func TestTheSchedulerSweepsAtTheEnginesInterval(t *testing.T) {
	tests := []struct {
		name     string
		opts     retention.Options
		interval time.Duration
	}{
		{"the default", retention.Options{}, time.Minute},
		{"an interval of five minutes", retention.Options{Interval: 5 * time.Minute}, 5 * time.Minute},
		{"a cron spec every ten minutes, in the declaration's zone", retention.Options{Schedule: "*/10 * * * *"}, 10 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				_, _, eng, err := jobcenterEngineWith(t, &tt.opts)
				require.NoError(t, err)
				require.Equal(t, tt.interval, eng.Interval())
				var got reports
				s, err := retention.NewScheduler(eng, &retention.SchedulerOptions{OnSweep: got.onSweep, Logger: discardLogger()})
				require.NoError(t, err)
				start := eng.Now()
				require.NoError(t, s.Start(t.Context()))
				time.Sleep(time.Hour + time.Second)
				require.NoError(t, s.Stop(t.Context()))

				reps, errs := got.since(0)
				require.Equal(t, 1+int(time.Hour/tt.interval), len(reps), "one sweep at start and one per interval for an hour")
				for i, rep := range reps {
					require.NoError(t, errs[i])
					// simStart is a whole hour, so the first tick of every
					// schedule here is one interval after it.
					assert.Equal(t, start.Add(time.Duration(i)*tt.interval), rep.Start, "sweep %d", i)
				}
			})
		})
	}
}

// TestTheSweepsAndTheEarlyWindowCannotDisagree pins that the interval is
// set in one place: the engine's Options, from which the Scheduler takes
// its schedule, so that no schedule sweeps further apart than the
// interval the early window of every rule was computed with. Checked by
// letting New keep the default interval of one minute for a
// Options.Schedule: "@hourly" and "*/5 * * * *" then ran on a one-minute
// interval, and "@daily" was accepted for the seven-day rules.
func TestTheSweepsAndTheEarlyWindowCannotDisagree(t *testing.T) {
	tests := []struct {
		name     string
		opts     retention.Options
		interval time.Duration
		spec     string
	}{
		{"the default", retention.Options{}, time.Minute, "@every 1m0s"},
		{"an interval", retention.Options{Interval: 30 * time.Second}, 30 * time.Second, "@every 30s"},
		{"an interval rounded down to a whole second", retention.Options{Interval: 90*time.Second + 500*time.Millisecond}, 90 * time.Second, "@every 1m30s"},
		{"every five minutes", retention.Options{Schedule: "*/5 * * * *"}, 5 * time.Minute, "*/5 * * * *"},
		{"hourly", retention.Options{Schedule: "@hourly"}, time.Hour, "@hourly"},
		{"twice an hour in UTC", retention.Options{Schedule: "CRON_TZ=UTC 0,30 * * * *"}, 30 * time.Minute, "CRON_TZ=UTC 0,30 * * * *"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			decl, _, eng, err := jobcenterEngineWith(t, &tt.opts)
			require.NoError(t, err)
			assert.Equal(t, tt.interval, eng.Interval())
			s, err := retention.NewScheduler(eng, nil)
			require.NoError(t, err)
			assert.Equal(t, tt.spec, s.Spec())
			assert.Equal(t, decl.Location(), s.Location(), "the schedule is read in the controller's zone")
			gap, err := retention.ScheduleGap(s.Spec(), s.Location(), eng.Now())
			require.NoError(t, err)
			assert.Equal(t, eng.Interval(), gap, "the scheduler sweeps exactly as far apart as the engine assumes")

			// Deadlines given the engine's options agrees with the engine.
			at := map[string]time.Time{"requested_at": simStart.AddDate(0, 0, -3)}
			want, err := retention.Deadlines(decl, dsLog, at, &retention.Options{Interval: eng.Interval()})
			require.NoError(t, err)
			got, err := retention.Deadlines(decl, dsLog, at, &tt.opts)
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
	}

	_, _, _, err := jobcenterEngineWith(t, &retention.Options{Interval: time.Minute, Schedule: "@daily"})
	require.ErrorIs(t, err, retention.ErrInvalidSchedule, "an interval beside a schedule could disagree with it")
	assert.ErrorContains(t, err, "both set")

	// The early window sees the schedule's real interval: @daily leaves
	// 25 hours between two sweeps in Europe/Berlin in the coming year,
	// more than the seven-day rules may act early.
	_, _, _, err = jobcenterEngineWith(t, &retention.Options{Schedule: "@daily"})
	require.ErrorIs(t, err, retention.ErrIntervalTooLong)
	assert.ErrorContains(t, err, `dataset access_log rule delete_after_7d_requested_at: sweeps 25h0m0s apart (the longest gap of Options.Schedule "@daily")`)

	_, err = retention.NewScheduler(nil, nil)
	assert.ErrorContains(t, err, "engine is nil")
}
