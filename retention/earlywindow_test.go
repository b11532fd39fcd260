package retention_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store/memstore"
)

// withPeriod loads the test declaration with every time rule's period
// replaced by period.
func withPeriod(t testing.TB, period string) *policy.Declaration {
	t.Helper()
	b, err := os.ReadFile("testdata/jobcenter.yaml")
	require.NoError(t, err)
	src := string(b)
	for _, old := range []string{"after: 7d", "after: 1d", "after: 2w"} {
		src = strings.ReplaceAll(src, old, "after: "+period)
	}
	d, err := policy.Load(strings.NewReader(src), "jobcenter.yaml")
	require.NoError(t, err)
	return d
}

// bruteGap walks every activation of spec in loc for the window ScheduleGap
// looks at, and one more.
func bruteGap(t *testing.T, spec string, loc *time.Location, from time.Time) time.Duration {
	t.Helper()
	s, err := cron.ParseStandard(spec)
	require.NoError(t, err)
	end := from.Add(400 * 24 * time.Hour)
	var gap time.Duration
	prev := s.Next(from.In(loc).Add(-time.Duration(from.In(loc).Hour())*time.Hour - time.Duration(from.In(loc).Minute()+1)*time.Minute))
	for prev.Before(end) {
		next := s.Next(prev)
		if next.IsZero() {
			break
		}
		gap = max(gap, next.Sub(prev))
		prev = next
	}
	return gap
}

// TestScheduleGapIsTheLongestTimeBetweenSweepsIncludingDaylightSaving pins
// the interval a cron spec keeps in the zone it runs in: @daily in
// Europe/Berlin once measured 24 hours in the machine's zone while the
// scheduler saw 25, so it was always refused. Each case is checked against
// a walk over every activation of the year; the day-by-day shortcut was
// checked by treating no day as a daylight-saving day, which measured 6
// hours for "0 */6 * * *" in Berlin, where the night the clocks go back has
// a 7-hour gap.
func TestScheduleGapIsTheLongestTimeBetweenSweepsIncludingDaylightSaving(t *testing.T) {
	berlinLoc := berlin(t)
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	lordHowe, err := time.LoadLocation("Australia/Lord_Howe") // a 30-minute daylight-saving shift
	require.NoError(t, err)
	from := time.Date(2026, 12, 3, 7, 26, 0, 0, time.UTC)
	tests := []struct {
		spec string
		loc  *time.Location
		want time.Duration // 0: only compared with the walk
	}{
		{"@daily", berlinLoc, 25 * time.Hour},
		{"@daily", time.UTC, 24 * time.Hour},
		{"0 3 * * 1", berlinLoc, 169 * time.Hour},
		{"0 3 * * 1", time.UTC, 168 * time.Hour},
		{"30 2 * * *", berlinLoc, 47 * time.Hour}, // the day the clocks skip 02:00–03:00 has no 02:30
		{"30 2 * * *", ny, 47 * time.Hour},
		{"30 2 * * *", time.UTC, 24 * time.Hour},
		{"CRON_TZ=Europe/Berlin @daily", time.UTC, 25 * time.Hour},
		{"0 */6 * * *", berlinLoc, 7 * time.Hour},
		{"15,45 1-3 * * *", berlinLoc, 0},
		{"0 0 1 * *", berlinLoc, 0},
		{"0 12 * * 1-5", ny, 0},
		{"0 9 1,15 * *", lordHowe, 0},
		{"*/30 2 * * *", lordHowe, 0},
		{"0 0 29 2 *", berlinLoc, 0},
		{"@hourly", berlinLoc, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.spec+" in "+tt.loc.String(), func(t *testing.T) {
			got, err := retention.ScheduleGap(tt.spec, tt.loc, from)
			require.NoError(t, err)
			if tt.want != 0 {
				assert.Equal(t, tt.want, got)
			}
			if !strings.HasPrefix(tt.spec, "CRON_TZ") {
				assert.Equal(t, bruteGap(t, tt.spec, tt.loc, from), got, "the walk over every activation")
			}
		})
	}
	// Dense specs, whose walk would take a second: known answers.
	for spec, want := range map[string]time.Duration{
		"* * * * *":    time.Minute,
		"*/10 * * * *": 10 * time.Minute,
		"@every 90s":   90 * time.Second,
		"* * * 1 *":    334*24*time.Hour + time.Minute, // every minute of January, then nothing until next January
	} {
		got, err := retention.ScheduleGap(spec, berlinLoc, from)
		require.NoError(t, err)
		assert.Equal(t, want, got, spec)
	}
	for _, bad := range []string{"61 * * * *", "every tuesday", "0 0 30 2 *"} {
		_, err := retention.ScheduleGap(bad, berlinLoc, from)
		assert.ErrorIs(t, err, retention.ErrInvalidSchedule, bad)
	}
}

// TestNewRefusesLeadsAndIntervalsBeyondTheEarlyWindow pins the bound of
// "Never early" (docs/DESIGN.md) from the side of whoever configures the
// engine: a declared lead or an interval that would let a rule act more
// than policy.Period.MaxLead before a deadline is refused, naming the rule
// and by how much. Checked by skipping both checks in newTiming: every
// case was accepted.
func TestNewRefusesLeadsAndIntervalsBeyondTheEarlyWindow(t *testing.T) {
	valid := jobcenter(t)
	mem, err := memstore.New(valid)
	require.NoError(t, err)
	tests := []struct {
		name     string
		decl     *policy.Declaration
		interval time.Duration
		sparse   bool
		says     []string
	}{
		{"a lead of 9000 hours on a 14-day rule", variant(t, "after: 2w, from: appointment_at,", "after: 2w, from: appointment_at, lead: 9000h,"), 0, false,
			[]string{"dataset appointment rule delete_after_appointment: lead 9000h0m0s is 8996h39m0s more than the 3h21m0s before a deadline it may act (the larger of 1% of its 2w period"}},
		{"a lead just over 1% of the period", variant(t, "after: 2w, from: appointment_at,", "after: 2w, from: appointment_at, lead: 3h21m1s,"), 0, false,
			[]string{"lead 3h21m1s is 1s more than the 3h21m0s"}},
		{"a declared lead shorter than the interval", variant(t, "after: 2w, from: appointment_at,", "after: 2w, from: appointment_at, lead: 30s,"), 0, true,
			[]string{"dataset appointment rule delete_after_appointment: lead 30s is 30s shorter than the sweeps are apart (Options.Interval 1m0s)"}},
		{"an interval of 5000 hours", valid, 5000 * time.Hour, true,
			[]string{"dataset appointment rule delete_after_appointment: sweeps 5000h0m0s apart (Options.Interval)", "dataset access_log rule drop_agent: sweeps 5000h0m0s apart"}},
		{"a weekly interval on 7-day rules", valid, 168 * time.Hour, true,
			[]string{"dataset access_log rule mask_ip: sweeps 168h0m0s apart (Options.Interval) need a lead of one interval to meet its deadlines, 151h18m0s more than the 16h42m0s it may act early"}},
		{"an interval just over a tenth of a day", valid, 2*time.Hour + 18*time.Minute + time.Second, true,
			[]string{"dataset access_log rule drop_agent: sweeps 2h18m1s apart (Options.Interval) need a lead of one interval to meet its deadlines, 1s more than the 2h18m0s it may act early"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng, err := retention.New(tt.decl, mem, &retention.Options{AuditKey: auditKey, Keys: testKeys, Interval: tt.interval})
			require.Error(t, err)
			assert.Nil(t, eng)
			assert.ErrorIs(t, err, retention.ErrInvalidRule)
			assert.Equal(t, tt.sparse, errorsIs(err, retention.ErrIntervalTooLong))
			for _, s := range tt.says {
				assert.Contains(t, err.Error(), s)
			}
		})
	}
	// At the bound itself, both are accepted.
	_, err = retention.New(variant(t, "after: 2w, from: appointment_at,", "after: 2w, from: appointment_at, lead: 3h21m,"), mem, &retention.Options{AuditKey: auditKey, Keys: testKeys})
	require.NoError(t, err)
	_, err = retention.New(valid, mem, &retention.Options{AuditKey: auditKey, Keys: testKeys, Interval: 2*time.Hour + 18*time.Minute})
	require.NoError(t, err)
}

// TestDeadlinesNeverOpenBeforeTheEarlyWindow checks the bound on the
// deadlines of random periods, leads, intervals and trigger times: every
// combination New accepts opens a record's window at most MaxLead, and at
// least one interval, before its deadline, and always after the time its
// period counts from. Checked by letting the default lead be two intervals
// again: a 1d rule at a 1-hour interval opened 2 hours early, more than the
// one interval it may.
func TestDeadlinesNeverOpenBeforeTheEarlyWindow(t *testing.T) {
	loc := berlin(t)
	rng := rand.New(rand.NewPCG(15, 6))
	periods := []string{"1h", "6h", "48h", "1d", "7d", "2w", "1mo", "3mo", "1y", "6y from year end", "30y"}
	intervals := []time.Duration{30 * time.Second, time.Minute, 5 * time.Minute, time.Hour, 2 * time.Hour, 25 * time.Hour, 169 * time.Hour}
	accepted := 0
	for range 150 {
		period := periods[rng.IntN(len(periods))]
		interval := intervals[rng.IntN(len(intervals))]
		lead := ""
		if rng.IntN(3) == 0 {
			lead = fmt.Sprintf(" lead: %dm,", 1+rng.IntN(600))
		}
		decl := variant(t, "after: 2w, from: appointment_at,", "after: "+period+", from: appointment_at,"+lead)
		mem, err := memstore.New(decl)
		require.NoError(t, err)
		opts := &retention.Options{AuditKey: auditKey, Keys: testKeys, Interval: interval}
		if _, err := retention.New(decl, mem, opts); err != nil {
			continue
		}
		accepted++
		p := policy.MustParsePeriod(period)
		bound := p.MaxLead(interval)
		for range 20 {
			at := time.Date(2024, time.Month(1+rng.IntN(12)), 1+rng.IntN(31), rng.IntN(24), rng.IntN(60), 0, 0, loc)
			ds, err := retention.Deadlines(decl, "appointment", map[string]time.Time{"appointment_at": at}, opts)
			require.NoError(t, err)
			for _, d := range ds {
				if d.Rule != "delete_after_appointment" {
					continue
				}
				early := d.Due.Sub(d.Earliest)
				require.LessOrEqualf(t, early, bound, "%s after %s at interval %v%s: opens %v early", period, at, interval, lead, early)
				require.GreaterOrEqualf(t, early, min(interval, bound), "%s: a sweeper one interval apart must find the record before its deadline", period)
				require.Truef(t, d.Earliest.After(at), "%s after %s opens at %s, not after the event it counts from", period, at, d.Earliest)
			}
		}
	}
	assert.Greater(t, accepted, 40, "many combinations are accepted")
}

// TestDailySweepsInBerlinMeetEveryDeadlineWithinTheBound runs the daily
// schedule the early window lets a 14-day rule keep, at the times
// robfig/cron fires it in Europe/Berlin across both daylight-saving
// changes, and checks every appointment against its deadline: never more
// than 25 hours early (one interval, within a tenth of 14 days), never late.
// Checked by letting the default lead be two intervals: records were
// processed up to 50 hours early.
func TestDailySweepsInBerlinMeetEveryDeadlineWithinTheBound(t *testing.T) {
	loc := berlin(t)
	start := time.Date(2024, 3, 1, 0, 0, 0, 0, loc)
	decl := withPeriod(t, "2w")
	h := newHarness(t, decl, start, &retention.Options{Schedule: "@daily"})
	interval := h.eng.Interval()
	require.Equal(t, 25*time.Hour, interval, "the engine's interval is the longest gap of @daily in Europe/Berlin")
	sched, err := retention.NewScheduler(h.eng, nil)
	require.NoError(t, err)
	require.Equal(t, "@daily", sched.Spec(), "the scheduler runs the engine's schedule")

	due := map[string]time.Time{}
	rng := rand.New(rand.NewPCG(3, 1))
	for i := range 400 {
		at := start.Add(time.Duration(rng.Int64N(int64(240 * 24 * time.Hour))))
		key := fmt.Sprint(i + 1)
		h.insert(t, "appointment", map[string]any{"id": int64(i + 1), "citizen_id": "c" + key, "starts_at": at})
		ds, err := retention.Deadlines(decl, "appointment", map[string]time.Time{"appointment_at": at}, &retention.Options{Interval: interval})
		require.NoError(t, err)
		due[key] = ds[0].Due
	}
	s, err := cron.ParseStandard("@daily")
	require.NoError(t, err)
	for now := start; now.Before(start.AddDate(0, 9, 0)); now = s.Next(now) {
		h.clock.Set(now)
		h.sweep(t)
	}
	bound := policy.MustParsePeriod("2w").MaxLead(interval)
	require.Equal(t, 25*time.Hour, bound)
	n := 0
	for _, p := range h.rec.Done() {
		if p.Dataset != "appointment" {
			continue
		}
		n++
		d := due[p.Key]
		assert.Falsef(t, p.At.Before(d.Add(-bound)), "appointment %s processed at %s, more than %v before its deadline %s", p.Key, p.At, bound, d)
		assert.Falsef(t, p.At.After(d), "appointment %s processed at %s, after its deadline %s", p.Key, p.At, d)
	}
	assert.Equal(t, len(due), n, "every appointment was processed")
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }
