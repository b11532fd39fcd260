package retention

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sweepLog records the sweeps a fake sweep function sees.
type sweepLog struct {
	mu      sync.Mutex
	starts  []time.Time
	reports []error
}

func (l *sweepLog) start() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.starts = append(l.starts, time.Now())
}

func (l *sweepLog) onSweep(_ *Report, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reports = append(l.reports, err)
}

func (l *sweepLog) snapshot() ([]time.Time, []error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]time.Time(nil), l.starts...), append([]error(nil), l.reports...)
}

// quietLogger returns a logger writing into buf, so tests can assert on it.
func quietLogger(buf *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(&lockedWriter{w: buf}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

// sweepsOf resolves o as New does, in loc, from now.
func sweepsOf(t testing.TB, o *Options, loc *time.Location, now time.Time) sweeps {
	t.Helper()
	_, sw, err := o.withSweeps(loc, func() time.Time { return now })
	require.NoError(t, err)
	return sw
}

// everyMinute is the default sweeps, in UTC, measured from the clock (in a
// synctest bubble its fake one).
func everyMinute(t testing.TB) sweeps { return sweepsOf(t, nil, time.UTC, time.Now()) }

// synctest's clock starts at 2000-01-01 00:00:00 UTC, a whole minute, so
// the default "@every 1m0s" fires at start+1m, start+2m, ...
func TestSchedulerSweepsAtStartThenEveryMinute(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log sweepLog
		start := time.Now()
		s, err := newScheduler(func(ctx context.Context) (*Report, error) {
			log.start()
			return &Report{}, nil
		}, everyMinute(t), &SchedulerOptions{OnSweep: log.onSweep, Logger: quietLogger(new(bytes.Buffer))})
		require.NoError(t, err)
		require.NoError(t, s.Start(t.Context()))
		synctest.Wait()
		starts, _ := log.snapshot()
		require.Len(t, starts, 1, "the first sweep runs at Start, not at the first tick")
		assert.Equal(t, start, starts[0])

		time.Sleep(time.Hour + time.Second)
		synctest.Wait()
		require.NoError(t, s.Stop(t.Context()))

		starts, reports := log.snapshot()
		require.Len(t, starts, 61, "one sweep at start and one per minute for an hour")
		for i, at := range starts {
			assert.Equal(t, start.Add(time.Duration(i)*time.Minute), at, "sweep %d", i)
		}
		require.Len(t, reports, 61, "OnSweep sees every sweep")
		for _, err := range reports {
			assert.NoError(t, err)
		}
	})
}

func TestSchedulerSkipsTicksWhileASweepIsRunning(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var (
			log     sweepLog
			mu      sync.Mutex
			running int
			overlap bool
		)
		var logs bytes.Buffer
		s, err := newScheduler(func(ctx context.Context) (*Report, error) {
			mu.Lock()
			running++
			overlap = overlap || running > 1
			mu.Unlock()
			log.start()
			time.Sleep(150 * time.Second) // spans two ticks
			mu.Lock()
			running--
			mu.Unlock()
			return &Report{}, nil
		}, everyMinute(t), &SchedulerOptions{OnSweep: log.onSweep, Logger: quietLogger(&logs)})
		require.NoError(t, err)
		start := time.Now()
		require.NoError(t, s.Start(t.Context()))
		time.Sleep(10*time.Minute + time.Second)
		require.NoError(t, s.Stop(t.Context()))

		starts, _ := log.snapshot()
		assert.False(t, overlap, "two sweeps ran at once")
		// Sweeps at 0 (until 2:30), 3 (until 5:30), 6 (until 8:30), 9.
		want := []time.Time{start, start.Add(3 * time.Minute), start.Add(6 * time.Minute), start.Add(9 * time.Minute)}
		assert.Equal(t, want, starts)
		assert.Contains(t, logs.String(), "sweep skipped", "a skipped tick is logged")
	})
}

func TestSchedulerRecoversAPanickingSweepAndSweepsAtTheNextTick(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var (
			log   sweepLog
			mu    sync.Mutex
			calls int
		)
		var logs bytes.Buffer
		s, err := newScheduler(func(ctx context.Context) (*Report, error) {
			log.start()
			mu.Lock()
			calls++
			n := calls
			mu.Unlock()
			if n <= 2 {
				panic("index out of range")
			}
			return &Report{}, nil
		}, everyMinute(t), &SchedulerOptions{OnSweep: log.onSweep, Logger: quietLogger(&logs)})
		require.NoError(t, err)
		require.NoError(t, s.Start(t.Context()))
		time.Sleep(3*time.Minute + time.Second)
		require.NoError(t, s.Stop(t.Context()))

		starts, reports := log.snapshot()
		require.Len(t, starts, 4, "panics at start and at the first tick must not stop later ticks")
		require.Len(t, reports, 4)
		assert.ErrorIs(t, reports[0], ErrSweepPanicked)
		assert.ErrorIs(t, reports[1], ErrSweepPanicked)
		assert.NoError(t, reports[2])
		assert.NoError(t, reports[3])
		assert.Contains(t, logs.String(), "sweep panicked")
		assert.Contains(t, logs.String(), "index out of range")
		assert.Contains(t, logs.String(), "stack=", "the panic is logged with its stack")
	})
}

func TestSchedulerStopCancelsTheRunningSweepAndWaitsForIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var (
			log      sweepLog
			returned time.Time
		)
		s, err := newScheduler(func(ctx context.Context) (*Report, error) {
			log.start()
			<-ctx.Done()
			time.Sleep(5 * time.Second) // cleaning up takes a while
			returned = time.Now()
			return nil, ctx.Err()
		}, everyMinute(t), &SchedulerOptions{OnSweep: log.onSweep, Logger: quietLogger(new(bytes.Buffer))})
		require.NoError(t, err)
		require.NoError(t, s.Start(t.Context()))
		time.Sleep(30 * time.Second)
		stopAt := time.Now()
		require.NoError(t, s.Stop(t.Context()))

		assert.Equal(t, stopAt.Add(5*time.Second), returned, "Stop returns once the sweep has returned")
		assert.Equal(t, stopAt.Add(5*time.Second), time.Now())
		_, reports := log.snapshot()
		require.Len(t, reports, 1)
		assert.ErrorIs(t, reports[0], context.Canceled, "the sweep's context is cancelled by Stop")

		time.Sleep(5 * time.Minute)
		starts, _ := log.snapshot()
		assert.Len(t, starts, 1, "no sweep starts after Stop")
	})
}

func TestSchedulerStopGivesUpWhenItsContextEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		s, err := newScheduler(func(ctx context.Context) (*Report, error) {
			<-release // ignores cancellation
			return &Report{}, nil
		}, everyMinute(t), &SchedulerOptions{Logger: quietLogger(new(bytes.Buffer))})
		require.NoError(t, err)
		require.NoError(t, s.Start(t.Context()))
		synctest.Wait()

		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		err = s.Stop(ctx)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.ErrorIs(t, s.Start(t.Context()), ErrSchedulerRunning,
			"a new run must not overlap a sweep that is still finishing")

		close(release)
		synctest.Wait()
		require.NoError(t, s.Start(t.Context()), "once the sweep has returned, the scheduler starts again")
		require.NoError(t, s.Stop(t.Context()))
	})
}

func TestSchedulerSweepTimeoutCancelsALongSweep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log sweepLog
		s, err := newScheduler(func(ctx context.Context) (*Report, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		}, everyMinute(t), &SchedulerOptions{Timeout: 20 * time.Second, OnSweep: log.onSweep, Logger: quietLogger(new(bytes.Buffer))})
		require.NoError(t, err)
		require.NoError(t, s.Start(t.Context()))
		time.Sleep(time.Minute + 30*time.Second)
		require.NoError(t, s.Stop(t.Context()))
		_, reports := log.snapshot()
		require.Len(t, reports, 2, "the sweeps at start and at the first tick")
		for _, err := range reports {
			assert.ErrorIs(t, err, context.DeadlineExceeded)
		}
	})
}

func TestSchedulerStopsSweepingWhenTheStartContextEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log sweepLog
		s, err := newScheduler(func(ctx context.Context) (*Report, error) {
			log.start()
			return &Report{}, ctx.Err()
		}, everyMinute(t), &SchedulerOptions{OnSweep: log.onSweep, Logger: quietLogger(new(bytes.Buffer))})
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(t.Context())
		require.NoError(t, s.Start(ctx))
		time.Sleep(2*time.Minute + time.Second)
		cancel()
		time.Sleep(10 * time.Minute)
		starts, _ := log.snapshot()
		assert.Len(t, starts, 3, "no sweep after the Start context ended")
		require.NoError(t, s.Stop(t.Context()))
	})
}

func TestSchedulerStartTwiceFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, err := newScheduler(func(ctx context.Context) (*Report, error) { return &Report{}, nil },
			everyMinute(t), &SchedulerOptions{Logger: quietLogger(new(bytes.Buffer))})
		require.NoError(t, err)
		require.NoError(t, s.Stop(t.Context()), "stopping a scheduler that never started does nothing")
		require.NoError(t, s.Start(t.Context()))
		assert.ErrorIs(t, s.Start(t.Context()), ErrSchedulerRunning)
		require.NoError(t, s.Stop(t.Context()))
		require.NoError(t, s.Stop(t.Context()), "stopping twice does nothing")
	})
}

func TestSchedulerRejectsANegativeTimeout(t *testing.T) {
	noop := func(ctx context.Context) (*Report, error) { return &Report{}, nil }
	_, err := newScheduler(noop, everyMinute(t), &SchedulerOptions{Timeout: -time.Second})
	assert.ErrorContains(t, err, "timeout -1s is negative")
}

// TestOptionsRejectBadSchedules pins the errors New and Deadlines return
// for an Options.Schedule or Options.Interval the Scheduler could not keep.
func TestOptionsRejectBadSchedules(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		opts Options
		want string
		is   error
	}{
		{"garbage spec", Options{Schedule: "every minute"}, `"every minute"`, ErrInvalidSchedule},
		{"six fields", Options{Schedule: "0 * * * * *"}, `"0 * * * * *"`, ErrInvalidSchedule},
		{"minute out of range", Options{Schedule: "61 * * * *"}, "61", ErrInvalidSchedule},
		{"bad descriptor", Options{Schedule: "@every banana"}, "@every banana", ErrInvalidSchedule},
		{"time zone without schedule", Options{Schedule: "CRON_TZ=Europe/Berlin"}, "CRON_TZ=Europe/Berlin", ErrInvalidSchedule},
		{"unknown time zone", Options{Schedule: "CRON_TZ=Mars/Olympus * * * * *"}, "Mars/Olympus", ErrInvalidSchedule},
		{"never fires", Options{Schedule: "0 0 30 2 *"}, "never fires", ErrInvalidSchedule},
		{"schedule and interval both set", Options{Schedule: "@hourly", Interval: time.Hour}, `Options.Interval 1h0m0s and Options.Schedule "@hourly" are both set`, ErrInvalidSchedule},
		{"negative interval", Options{Interval: -time.Minute}, "Options.Interval -1m0s is negative", nil},
		{"interval under a second", Options{Interval: 500 * time.Millisecond}, "Options.Interval 500ms is shorter than a second", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := tt.opts.withSweeps(time.UTC, func() time.Time { return now })
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
		})
	}
}

func TestSchedulerDefaults(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	noop := func(ctx context.Context) (*Report, error) { return &Report{}, nil }
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

	s, err := newScheduler(noop, sweepsOf(t, nil, berlin, now), nil)
	require.NoError(t, err)
	assert.Equal(t, "@every 1m0s", s.Spec(), "the default interval, one minute")
	assert.Equal(t, berlin, s.Location(), "the declaration's zone is the default")
	assert.Equal(t, DefaultSweepTimeout, s.timeout)

	s, err = newScheduler(noop, sweepsOf(t, &Options{Schedule: "@every 5m"}, time.UTC, now), nil)
	require.NoError(t, err)
	assert.Equal(t, "@every 5m", s.Spec())
	assert.Equal(t, time.UTC, s.Location())
}

// TestSchedulerDailySpecAcrossDaylightSavingInBerlin pins robfig/cron's
// behaviour that the Scheduler documents: a daily spec at 02:30 in
// Europe/Berlin does not fire on the day the clocks jump from 02:00 to
// 03:00 and fires twice on the day they go back from 03:00 to 02:00, while
// the same spec in UTC fires once a day. Sweeps are cutoff-based and
// idempotent, so neither loses or repeats work; the next sweep catches up.
func TestSchedulerDailySpecAcrossDaylightSavingInBerlin(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	noop := func(ctx context.Context) (*Report, error) { return &Report{}, nil }
	spring := time.Date(2025, 3, 29, 12, 0, 0, 0, time.UTC)  // summer time begins 2025-03-30 01:00 UTC
	autumn := time.Date(2025, 10, 25, 12, 0, 0, 0, time.UTC) // summer time ends 2025-10-26 01:00 UTC
	tests := []struct {
		name string
		from time.Time
		loc  *time.Location
		runs int
	}{
		{"spring forward in Berlin skips a day", spring, berlin, 2},
		{"spring forward in UTC", spring, time.UTC, 3},
		{"fall back in Berlin runs twice", autumn, berlin, 4},
		{"fall back in UTC", autumn, time.UTC, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := newScheduler(noop, sweepsOf(t, &Options{Schedule: "30 2 * * *"}, tt.loc, tt.from), nil)
			require.NoError(t, err)
			runs := 0
			for at := s.schedule.Next(tt.from.In(tt.loc)); at.Before(tt.from.AddDate(0, 0, 3)); at = s.schedule.Next(at) {
				runs++
			}
			assert.Equal(t, tt.runs, runs, "activations in the three days from %s", tt.from)
		})
	}
}

func TestSchedulerOnSweepSeesSweepErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		boom := errors.New("retention: store unavailable")
		var log sweepLog
		var logs bytes.Buffer
		s, err := newScheduler(func(ctx context.Context) (*Report, error) { return nil, boom },
			everyMinute(t), &SchedulerOptions{OnSweep: log.onSweep, Logger: quietLogger(&logs)})
		require.NoError(t, err)
		require.NoError(t, s.Start(t.Context()))
		synctest.Wait()
		require.NoError(t, s.Stop(t.Context()))
		_, reports := log.snapshot()
		require.Len(t, reports, 1)
		assert.ErrorIs(t, reports[0], boom)
		assert.Contains(t, logs.String(), "sweep failed")
		assert.Contains(t, logs.String(), "store unavailable")
	})
}
