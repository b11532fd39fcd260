package retention_test

import (
	"container/heap"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/memstore"
)

// jobcenterPath is the Jobcenter Kreis Segeberg declaration the simulation
// enforces.
const jobcenterPath = "../examples/policies/jobcenter.yaml"

// The Jobcenter declaration's datasets and rules, as the simulation refers
// to them.
const (
	dsLog        = "access_log"
	dsAppt       = "appointment"
	ruleLogAnon  = "anonymize_after_7d_requested_at"
	ruleLogDel   = "delete_after_7d_requested_at"
	ruleApptDel  = "delete_after_14d_appointment_at"
	ruleCancel   = "delete_on_cancelled"
	ruleWithdraw = "delete_on_consent_withdrawn"
)

// simConfig sets the size of a simulation.
type simConfig struct {
	Days        int
	LogEvery    time.Duration // one access-log row per interval
	BookingMean time.Duration // mean time between bookings
	Subjects    int           // citizens who book
	CancelShare float64       // share of bookings cancelled later
	Withdrawals time.Duration // mean time between consent withdrawals
	RecordHolds time.Duration // mean time between holds on one appointment
	SubjHolds   time.Duration // mean time between holds on a citizen
}

// simStart lies before the change to summer time in Europe/Berlin on
// 30 March 2025, so calendar-day periods cross it.
var simStart = time.Date(2025, 3, 14, 7, 0, 0, 0, time.UTC)

// simInterval is the sweep interval: the default schedule, every minute.
const simInterval = time.Minute

// TestSimulationJobcenter30Days runs the Jobcenter Kreis Segeberg
// declaration for 30 virtual days under the real Scheduler sweeping a
// memstore every minute, while citizens book, cancel and withdraw consent,
// web requests are logged, and holds are placed and released. It checks
// what the notice promises, record by record:
//
//   - "Hierfür muss die IP-Adresse des Nutzenden für die Dauer von sieben
//     Tagen gespeichert bleiben und wird danach anonymisiert." and "Die
//     personalisierten Daten werden sieben Tage gespeichert und danach
//     gelöscht."
//   - "Nach dem erfolgten Termin werden die personenbezogenen Daten
//     innerhalb von zwei Wochen gelöscht."
//   - "Bei einer Terminstornierung oder einem Widerruf werden die
//     verarbeiteten personenbezogenen Daten sofort gelöscht."
//   - "Bitte beachten Sie, dass im Fall eines Widerrufs von Ihnen bereits
//     gebuchte Termine ebenfalls alle gelöscht werden."
//
// An appointment cancelled, or whose citizen withdrew consent, while a hold
// covered it survives the event and is deleted by the event's rule the
// moment the last hold on it is released, inside ReleaseHold, not when the
// two-week rule would catch it; no sweep is left to act on such an event.
//
// It checks that no record is processed after its deadline (one interval after a
// hold that covered it ends), before its earliest allowed time, while held,
// or twice, and that the audit log verifies and accounts for every record.
func TestSimulationJobcenter30Days(t *testing.T) {
	// About 4,300 access-log rows and 2,100 appointments arrive; some 190
	// appointments are cancelled (20 of them while held), 130 citizens
	// withdraw consent (20 appointments are held then), 70 holds are
	// placed, and 35 appointments are deleted when their hold is released. The counts are tuned so that the 43,201 sweeps, which
	// dominate the cost, keep the test at about 25 s of CPU under -race.
	cfg := simConfig{
		Days:        30,
		LogEvery:    10 * time.Minute,
		BookingMean: 20 * time.Minute,
		Subjects:    800,
		CancelShare: 0.1,
		Withdrawals: 6 * time.Hour,
		RecordHolds: 8 * time.Hour,
		SubjHolds:   36 * time.Hour,
	}
	synctest.Test(t, func(t *testing.T) {
		sim := newSimulation(t, cfg, 20250314)
		sim.run()
		sim.check()
	})
}

// simulation is the state of one simulation run: the engine, the store it
// sweeps, and the model of what should happen to each record.
type simulation struct {
	t      *testing.T
	cfg    simConfig
	rng    *rand.Rand
	decl   *policy.Declaration
	st     *memstore.Store
	rec    *recordingStore
	eng    *retention.Engine
	sched  *retention.Scheduler
	key    *anonymize.KeyRing
	offset time.Duration // engine time = bubble time + offset
	end    time.Time

	actions actionQueue
	seq     int

	// Model, touched by the workload goroutine only.
	records  map[recordRef]*simRecord
	bySubj   map[string][]*simRecord
	holds    []*simHold
	withdraw map[string]bool // subjects who withdrew (for the audit check)
	nextID   int
	counts   map[string]int // what happened, for the report

	sweepMu     sync.Mutex
	sweepErrs   []error
	sweeps      int
	sweepCounts map[string]int // processed by sweeps, per rule
}

type recordRef struct{ dataset, key string }

// simRecord is what the simulation knows about one record.
type simRecord struct {
	dataset, key, subject string
	row                   map[string]any
	inserted              time.Time
	deadlines             []retention.Deadline // time rules only
	// triggered maps an event rule to when it processed the record: when
	// it was triggered while the record existed and was not held, or when
	// the last hold on it was released after the event (see remembered).
	triggered map[string]time.Time
	// remembered lists, oldest first, the event rules triggered while the
	// record was held; the oldest deletes it when it is free again.
	remembered []string
}

// simHold is a hold placed on one record or on a citizen.
type simHold struct {
	id                string
	dataset, key, sub string
	placed, released  time.Time
}

func (h *simHold) covers(r *simRecord) bool {
	if h.dataset != "" && h.dataset != r.dataset {
		return false
	}
	if h.key != "" {
		return h.key == r.key
	}
	return h.sub != "" && h.sub == r.subject
}

func (h *simHold) activeAt(t time.Time) bool {
	return !t.Before(h.placed) && (h.released.IsZero() || t.Before(h.released))
}

func newSimulation(t *testing.T, cfg simConfig, seed uint64) *simulation {
	decl, err := policy.LoadFile(jobcenterPath)
	require.NoError(t, err, "the Jobcenter declaration loads")
	st, err := memstore.New(decl)
	require.NoError(t, err)
	key, err := anonymize.NewKeyRing(anonymize.Key{ID: "sim", Secret: []byte("simulation audit key, 32 bytes or more")})
	require.NoError(t, err)
	s := &simulation{
		t: t, cfg: cfg, rng: rand.New(rand.NewPCG(seed, seed>>1)),
		decl: decl, st: st, rec: &recordingStore{Driver: st}, key: key,
		offset:   time.Until(simStart),
		records:  map[recordRef]*simRecord{},
		bySubj:   map[string][]*simRecord{},
		withdraw: map[string]bool{},
		counts:   map[string]int{},
	}
	// The run ends half a minute after the last tick, so it sees exactly one
	// sweep at start and one per minute.
	s.end = s.now().AddDate(0, 0, cfg.Days).Add(30 * time.Second)
	s.sweepCounts = map[string]int{}
	s.eng, err = retention.New(decl, s.rec, &retention.Options{
		Now:       s.now,
		AuditKey:  key,
		Interval:  simInterval,
		BatchSize: 200,
	})
	require.NoError(t, err)
	s.sched, err = retention.NewScheduler(s.eng, &retention.SchedulerOptions{OnSweep: s.onSweep, Logger: discardLogger()})
	require.NoError(t, err)
	return s
}

// now is the engine's clock: the bubble's fake clock moved to simStart.
func (s *simulation) now() time.Time { return time.Now().Add(s.offset) }

func (s *simulation) onSweep(rep *retention.Report, err error) {
	s.sweepMu.Lock()
	defer s.sweepMu.Unlock()
	s.sweeps++
	if err != nil {
		s.sweepErrs = append(s.sweepErrs, err)
	}
	if rep != nil {
		for _, rr := range rep.Rules {
			s.sweepCounts[rr.Rule] += rr.Processed
		}
	}
}

// run starts the scheduler, plays the workload for cfg.Days and stops the
// scheduler.
func (s *simulation) run() {
	ctx := s.t.Context()
	require.NoError(s.t, s.sched.Start(ctx))
	start := s.now()
	s.schedule(start.Add(30*time.Second), s.logRequest)
	s.schedule(s.after(start, s.cfg.BookingMean), s.book)
	s.schedule(s.after(start, s.cfg.Withdrawals), s.withdrawConsent)
	s.schedule(s.after(start, s.cfg.RecordHolds), s.holdRecord)
	s.schedule(s.after(start, s.cfg.SubjHolds), s.holdSubject)
	for s.actions.Len() > 0 {
		a := heap.Pop(&s.actions).(*action)
		if !a.at.Before(s.end) {
			break
		}
		time.Sleep(a.at.Sub(s.now()))
		a.do(ctx)
	}
	time.Sleep(s.end.Sub(s.now()))
	require.NoError(s.t, s.sched.Stop(ctx))
}

// after returns a time about mean after t (exponentially distributed), at
// 30 seconds past a minute so that no action coincides with a tick.
func (s *simulation) after(t time.Time, mean time.Duration) time.Time {
	d := time.Duration(s.rng.ExpFloat64() * float64(mean))
	return onHalfMinute(t.Add(d + time.Second))
}

func onHalfMinute(t time.Time) time.Time {
	return t.Truncate(time.Minute).Add(30 * time.Second)
}

func (s *simulation) schedule(at time.Time, do func(context.Context)) {
	s.seq++
	heap.Push(&s.actions, &action{at: at, seq: s.seq, do: do})
}

// insert stores row and adds the record to the model with its deadlines.
func (s *simulation) insert(ctx context.Context, dataset string, row map[string]any, subject string) *simRecord {
	ds := s.decl.Dataset(dataset)
	require.NoError(s.t, s.st.Insert(ctx, dataset, row))
	key := fmt.Sprint(row[ds.Key])
	times, err := s.st.Times(ctx, dataset, key)
	require.NoError(s.t, err)
	dls, err := retention.Deadlines(s.decl, dataset, times, &retention.Options{Interval: simInterval})
	require.NoError(s.t, err)
	r := &simRecord{dataset: dataset, key: key, subject: subject, row: row, inserted: s.now(), triggered: map[string]time.Time{}}
	for _, d := range dls {
		if d.Event == "" {
			r.deadlines = append(r.deadlines, d)
		}
	}
	s.records[recordRef{dataset, key}] = r
	if subject != "" {
		s.bySubj[subject] = append(s.bySubj[subject], r)
	}
	s.counts["inserted "+dataset]++
	return r
}

func (s *simulation) logRequest(ctx context.Context) {
	ds := s.decl.Dataset(dsLog)
	s.nextID++
	now := s.now()
	ip := fmt.Sprintf("203.0.%d.%d", s.rng.IntN(256), 1+s.rng.IntN(254))
	if s.rng.IntN(4) == 0 {
		ip = fmt.Sprintf("2001:db8:%x::%x", s.rng.IntN(1<<16), 1+s.rng.IntN(1<<16-1))
	}
	row := map[string]any{
		ds.Key:                               int64(s.nextID),
		ds.TimeColumn("requested_at").Column: now,
		ds.Field("ip").ColumnName():          ip,
		ds.Field("user_agent").ColumnName():  "Mozilla/5.0 (X11; Linux x86_64)",
		ds.Field("path").ColumnName():        "/termine/buchen",
	}
	s.insert(ctx, dsLog, row, "")
	s.schedule(onHalfMinute(now.Add(s.cfg.LogEvery)), s.logRequest)
}

// book books an appointment between one hour and three weeks ahead, in a
// quarter-hour slot during office hours in Kaltenkirchen.
func (s *simulation) book(ctx context.Context) {
	ds := s.decl.Dataset(dsAppt)
	now := s.now()
	loc := s.decl.Location()
	day := now.In(loc).AddDate(0, 0, s.rng.IntN(22))
	slot := time.Date(day.Year(), day.Month(), day.Day(), 8+s.rng.IntN(8), 15*s.rng.IntN(4), 0, 0, loc)
	if slot.Before(now.Add(time.Hour)) {
		slot = slot.AddDate(0, 0, 1)
	}
	s.nextID++
	sub := fmt.Sprintf("citizen-%04d", s.rng.IntN(s.cfg.Subjects))
	row := map[string]any{
		ds.Key:                                   fmt.Sprintf("appt-%06d", s.nextID),
		ds.Subject:                               sub,
		ds.TimeColumn("appointment_at").Column:   slot,
		ds.TimeColumn("booked_at").ColumnName():  now,
		ds.Field("name").ColumnName():            "Erika Mustermann " + sub,
		ds.Field("birth_date").ColumnName():      "1964-08-12",
		ds.Field("customer_number").ColumnName(): fmt.Sprintf("BG-%07d", s.nextID),
		ds.Field("concern").ColumnName():         "Weiterbewilligungsantrag",
		ds.Field("place").ColumnName():           "Kaltenkirchen",
		ds.Field("email").ColumnName():           "erika." + sub + "@example.org",
		ds.Field("free_text").ColumnName():       "Bitte Rückruf am Vormittag",
	}
	r := s.insert(ctx, dsAppt, row, sub)
	if s.rng.Float64() < s.cfg.CancelShare {
		at := onHalfMinute(now.Add(time.Duration(s.rng.Int64N(int64(slot.Sub(now))))))
		if at.After(now) {
			s.schedule(at, func(ctx context.Context) { s.cancel(ctx, r) })
		}
	}
	s.schedule(s.after(now, s.cfg.BookingMean), s.book)
}

// exists reports whether the store still holds r.
func (s *simulation) exists(ctx context.Context, r *simRecord) bool {
	_, ok, err := s.st.Get(ctx, r.dataset, r.key)
	require.NoError(s.t, err)
	return ok
}

// heldAt reports whether a hold covers r at t.
func (s *simulation) heldAt(r *simRecord, t time.Time) bool {
	for _, h := range s.holds {
		if h.covers(r) && h.activeAt(t) {
			return true
		}
	}
	return false
}

func (s *simulation) cancel(ctx context.Context, r *simRecord) {
	now := s.now()
	existed, held := s.exists(ctx, r), s.heldAt(r, now)
	_, err := s.eng.Trigger(ctx, retention.Event{Kind: policy.EventCancelled, Dataset: r.dataset, Key: r.key})
	switch {
	case existed && held:
		require.ErrorIs(s.t, err, retention.ErrHeld, "cancelling a held appointment says it is held")
		require.True(s.t, s.exists(ctx, r), "a held appointment survives its cancellation")
		r.remembered = append(r.remembered, ruleCancel)
		s.counts["cancelled while held"]++
	case existed:
		require.NoError(s.t, err)
		r.triggered[ruleCancel] = now
		require.False(s.t, s.exists(ctx, r), "a cancelled appointment is deleted at once")
		s.counts["cancelled"]++
	default:
		require.NoError(s.t, err, "cancelling an appointment already deleted does nothing")
	}
}

// withdrawConsent withdraws the booking consent of a citizen who has
// appointments: all of them are deleted at once, except those held.
func (s *simulation) withdrawConsent(ctx context.Context) {
	defer s.schedule(s.after(s.now(), s.cfg.Withdrawals), s.withdrawConsent)
	if sub := s.subjectWithAppointments(ctx); sub != "" {
		s.withdrawOf(ctx, sub)
	}
}

// withdrawOf withdraws the booking consent of sub.
func (s *simulation) withdrawOf(ctx context.Context, sub string) {
	now := s.now()
	var due, held []*simRecord
	for _, r := range s.bySubj[sub] {
		if !s.exists(ctx, r) {
			continue
		}
		if s.heldAt(r, now) {
			held = append(held, r)
		} else {
			due = append(due, r)
		}
	}
	rep, err := s.eng.Trigger(ctx, retention.Event{Kind: policy.EventConsentWithdrawn, Subject: sub, Purpose: "booking"})
	require.NoError(s.t, err)
	rr := rep.Rule(dsAppt, ruleWithdraw)
	require.NotNil(s.t, rr, "the withdrawal ran the rule %s", ruleWithdraw)
	assert.Equal(s.t, len(due), rr.Processed, "every appointment of the citizen not held is deleted")
	assert.Equal(s.t, len(held), rr.Held, "held appointments are counted as held")
	for _, r := range due {
		r.triggered[ruleWithdraw] = now
		assert.False(s.t, s.exists(ctx, r), "appointment %s of a citizen who withdrew consent is gone", r.key)
	}
	for _, r := range held {
		assert.True(s.t, s.exists(ctx, r), "held appointment %s survives the withdrawal", r.key)
		r.remembered = append(r.remembered, ruleWithdraw)
		s.counts["withdrawn while held"]++
	}
	s.withdraw[sub] = true
	s.counts["withdrawals"]++
	s.counts["deleted by withdrawal"] += len(due)
}

// subjectWithAppointments picks a citizen who has an appointment in the
// store, or "".
func (s *simulation) subjectWithAppointments(ctx context.Context) string {
	for range 50 {
		sub := fmt.Sprintf("citizen-%04d", s.rng.IntN(s.cfg.Subjects))
		for _, r := range s.bySubj[sub] {
			if s.exists(ctx, r) {
				return sub
			}
		}
	}
	return ""
}

// holdRecord places a legal hold on an appointment whose deadline falls
// within the next two days, so the hold matters, and releases it between
// an hour and three days later.
func (s *simulation) holdRecord(ctx context.Context) {
	now := s.now()
	defer s.schedule(s.after(now, s.cfg.RecordHolds), s.holdRecord)
	var cands []*simRecord
	for _, r := range s.records {
		if r.dataset == dsAppt && len(r.deadlines) > 0 {
			if d := r.deadlines[0]; d.Earliest.After(now) && d.Earliest.Before(now.Add(48*time.Hour)) {
				cands = append(cands, r)
			}
		}
	}
	if len(cands) == 0 {
		return
	}
	slices.SortFunc(cands, func(a, b *simRecord) int { return strings.Compare(a.key, b.key) })
	r := cands[s.rng.IntN(len(cands))]
	h, err := s.eng.PlaceHold(ctx, retention.HoldRequest{
		Dataset: r.dataset, Key: r.key, Reason: store.HoldLegalClaims,
		Note: "Widerspruchsverfahren anhängig (Art. 17 Abs. 3 lit. e DSGVO)",
	})
	require.NoError(s.t, err)
	sh := &simHold{id: h.ID, dataset: r.dataset, key: r.key, placed: now}
	s.holds = append(s.holds, sh)
	s.counts["record holds"]++
	release := onHalfMinute(now.Add(time.Hour + time.Duration(s.rng.Int64N(int64(72*time.Hour)))))
	s.schedule(release, func(ctx context.Context) { s.release(ctx, sh) })
	if s.rng.IntN(3) == 0 {
		// The citizen cancels while the hold lasts: the appointment must
		// be deleted when the hold is released.
		s.scheduleWithin(now, release, func(ctx context.Context) { s.cancel(ctx, r) })
	}
}

// scheduleWithin schedules do at a random half minute strictly between
// from and to, if there is one.
func (s *simulation) scheduleWithin(from, to time.Time, do func(context.Context)) {
	at := onHalfMinute(from.Add(time.Duration(s.rng.Int64N(int64(to.Sub(from))))))
	if at.After(from) && at.Before(to) {
		s.schedule(at, do)
	}
}

// holdSubject restricts the processing of a citizen's appointments
// (Art. 18) for one to four days.
func (s *simulation) holdSubject(ctx context.Context) {
	now := s.now()
	defer s.schedule(s.after(now, s.cfg.SubjHolds), s.holdSubject)
	sub := s.subjectWithAppointments(ctx)
	if sub == "" {
		return
	}
	h, err := s.eng.PlaceHold(ctx, retention.HoldRequest{
		Dataset: dsAppt, Subject: sub, Reason: store.HoldRestriction,
		Note: "Einschränkung der Verarbeitung beantragt (Art. 18 DSGVO)",
	})
	require.NoError(s.t, err)
	sh := &simHold{id: h.ID, dataset: dsAppt, sub: sub, placed: now}
	s.holds = append(s.holds, sh)
	s.counts["citizen holds"]++
	release := onHalfMinute(now.Add(24*time.Hour + time.Duration(s.rng.Int64N(int64(72*time.Hour)))))
	s.schedule(release, func(ctx context.Context) { s.release(ctx, sh) })
	if s.rng.IntN(2) == 0 {
		// The citizen withdraws consent while restricted: the restricted
		// appointments must be deleted when the restriction is lifted.
		s.scheduleWithin(now, release, func(ctx context.Context) { s.withdrawOf(ctx, sub) })
	}
}

// release releases a hold. An appointment it covered that was cancelled,
// or whose citizen withdrew consent, while held, and that no other hold
// covers, must be gone when ReleaseHold returns: "Bei einer
// Terminstornierung oder einem Widerruf werden die verarbeiteten
// personenbezogenen Daten sofort gelöscht."
func (s *simulation) release(ctx context.Context, h *simHold) {
	require.NoError(s.t, s.eng.ReleaseHold(ctx, h.id))
	now := s.now()
	h.released = now
	s.counts["holds released"]++
	for _, r := range s.records {
		if len(r.remembered) == 0 || !h.covers(r) || s.heldAt(r, now) {
			continue
		}
		require.False(s.t, s.exists(ctx, r), "appointment %s, %s while held, is deleted when its last hold is released", r.key, r.remembered[0])
		r.triggered[r.remembered[0]] = now
		r.remembered = nil
		s.counts["deleted at release"]++
	}
}

// action is one step of the workload.
type action struct {
	at  time.Time
	seq int
	do  func(context.Context)
}

// actionQueue orders actions by time, then by the order they were
// scheduled, so a run is deterministic.
type actionQueue []*action

func (q actionQueue) Len() int { return len(q) }
func (q actionQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q actionQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *actionQueue) Push(x any)   { *q = append(*q, x.(*action)) }
func (q *actionQueue) Pop() any {
	old := *q
	a := old[len(old)-1]
	*q = old[:len(old)-1]
	return a
}

// processing is one record processed by one rule, as the store saw it.
type processing struct {
	dataset, rule, key string
	at                 time.Time
	seq                uint64 // the audit entry's sequence number
}

// recordingStore wraps a store and records every record each batch
// processes, with the rule and audit entry the batch was recorded under.
type recordingStore struct {
	store.Driver
	mu   sync.Mutex
	done []processing
}

func (r *recordingStore) Process(ctx context.Context, b store.Batch) (store.BatchResult, error) {
	res, err := r.Driver.Process(ctx, b)
	if err == nil {
		r.mu.Lock()
		for _, rec := range res.Processed {
			r.done = append(r.done, processing{dataset: b.Dataset, rule: res.Entry.Rule, key: rec.Key, at: b.Now, seq: res.Entry.Seq})
		}
		r.mu.Unlock()
	}
	return res, err
}

func (r *recordingStore) processed() []processing {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.done)
}

// forever stands for "still held when the simulation ended".
var forever = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// firstFree returns the first instant at or after t at which no hold
// covers r, or forever.
func (s *simulation) firstFree(r *simRecord, t time.Time) time.Time {
	for moved := true; moved; {
		moved = false
		for _, h := range s.holds {
			if h.covers(r) && h.activeAt(t) {
				if h.released.IsZero() {
					return forever
				}
				t, moved = h.released, true
			}
		}
	}
	return t
}

// check compares what the store recorded, what the store holds and what
// the audit log says with the model.
func (s *simulation) check() {
	t, ctx := s.t, s.t.Context()
	s.sweepMu.Lock()
	require.Empty(t, s.sweepErrs, "every sweep succeeded")
	sweeps, sweepCounts := s.sweeps, s.sweepCounts
	s.sweepMu.Unlock()
	wantSweeps := s.cfg.Days*24*60 + 1
	assert.Equal(t, wantSweeps, sweeps, "one sweep at start and one per minute")

	done := s.rec.processed()
	byRecord := map[recordRef][]processing{}
	perRule := map[string]int{}
	for _, p := range done {
		ref := recordRef{p.dataset, p.key}
		byRecord[ref] = append(byRecord[ref], p)
		perRule[p.rule]++
	}
	late := 0
	for ref, ps := range byRecord {
		r := s.records[ref]
		if !assert.NotNil(t, r, "record %v was processed but never inserted", ref) {
			continue
		}
		slices.SortFunc(ps, func(a, b processing) int { return int(a.seq) - int(b.seq) })
		seen := map[string]bool{}
		deleted := false
		for _, p := range ps {
			what := fmt.Sprintf("record %s/%s, rule %s, processed at %s", p.dataset, p.key, p.rule, p.at.Format(time.RFC3339))
			assert.False(t, seen[p.rule], "%s: processed twice by the same rule", what)
			assert.False(t, deleted, "%s: processed after it was deleted", what)
			seen[p.rule] = true
			deleted = deleted || s.decl.Dataset(p.dataset).Rule(p.rule).Delete
			assert.False(t, s.heldAt(r, p.at), "%s: processed while held", what)
			if at, ok := r.triggered[p.rule]; ok || s.decl.Dataset(p.dataset).Rule(p.rule).On != "" {
				assert.True(t, ok, "%s: an event rule processed a record no event named", what)
				assert.Equal(t, at, p.at, "%s: an event acts at once", what)
				continue
			}
			d, ok := deadlineOf(r, p.rule)
			if !assert.True(t, ok, "%s: the rule has no deadline for the record", what) {
				continue
			}
			assert.False(t, p.at.Before(d.Earliest), "%s: before its earliest allowed time %s", what, d.Earliest.UTC().Format(time.RFC3339))
			free := s.firstFree(r, d.Earliest)
			assert.False(t, p.at.After(free.Add(simInterval)), "%s: more than one interval after it could first be processed (%s)", what, free.UTC().Format(time.RFC3339))
			if free.Equal(d.Earliest) {
				assert.False(t, p.at.After(d.Due), "%s: after its deadline %s", what, d.Due.UTC().Format(time.RFC3339))
			} else if p.at.After(d.Due) {
				late++ // held across its deadline: processed after the release
			}
		}
	}

	// Everything that fell due was processed, by its rule or by an earlier
	// deletion, and what is deleted is gone from the store.
	lastSure := s.end.Add(-2 * simInterval)
	for ref, r := range s.records {
		ps := byRecord[ref]
		var delAt time.Time
		for _, p := range ps {
			if s.decl.Dataset(p.dataset).Rule(p.rule).Delete {
				delAt = p.at
			}
		}
		for _, d := range r.deadlines {
			free := s.firstFree(r, d.Earliest)
			if free.After(lastSure) {
				continue
			}
			byRule := slices.ContainsFunc(ps, func(p processing) bool { return p.rule == d.Rule })
			assert.True(t, byRule || (!delAt.IsZero() && !delAt.After(free.Add(simInterval))),
				"record %s/%s: rule %s never processed it, though it fell due at %s (deadline %s)", r.dataset, r.key, d.Rule, free.UTC().Format(time.RFC3339), d.Due.UTC().Format(time.RFC3339))
		}
		for rule, at := range r.triggered {
			assert.True(t, slices.ContainsFunc(ps, func(p processing) bool { return p.rule == rule && p.at.Equal(at) }),
				"record %s/%s: rule %s was triggered at %s but did not process it", r.dataset, r.key, rule, at)
		}
		row, exists, err := s.st.Get(ctx, r.dataset, r.key)
		require.NoError(t, err)
		assert.Equal(t, delAt.IsZero(), exists, "record %s/%s: in the store exactly when not deleted", r.dataset, r.key)
		if exists && slices.ContainsFunc(ps, func(p processing) bool { return p.rule == ruleLogAnon }) {
			s.checkAnonymized(r, row)
		}
	}

	s.checkAudit(done)
	for rule, n := range sweepCounts {
		if rule == ruleCancel || rule == ruleWithdraw {
			assert.Zero(t, n, "releases act on remembered events at once, so no sweep finds one free for rule %s", rule)
			continue
		}
		assert.Equal(t, perRule[rule], n, "sweep reports and the store agree on rule %s", rule)
	}
	// What is still remembered is exactly what is still held.
	stillHeld := 0
	for _, r := range s.records {
		if len(r.remembered) > 0 {
			assert.True(t, s.heldAt(r, s.end), "record %s/%s is remembered but no longer held", r.dataset, r.key)
			assert.True(t, s.exists(ctx, r), "record %s/%s is remembered but gone", r.dataset, r.key)
			stillHeld += len(r.remembered)
		}
	}
	pending, err := s.st.ListRemembered(ctx, "", 0)
	require.NoError(t, err)
	assert.Len(t, pending, stillHeld, "the store remembers one event per rule and record still held")
	t.Logf("virtual days %d, sweeps %d, held past their deadline %d", s.cfg.Days, sweeps, late)
	for _, k := range slices.Sorted(mapKeys(s.counts)) {
		t.Logf("%-24s %d", k, s.counts[k])
	}
	for _, k := range slices.Sorted(mapKeys(perRule)) {
		t.Logf("processed by %-32s %d", k, perRule[k])
	}
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// deadlineOf returns r's deadline under the time rule with ID rule.
func deadlineOf(r *simRecord, rule string) (retention.Deadline, bool) {
	for _, d := range r.deadlines {
		if d.Rule == rule {
			return d, true
		}
	}
	return retention.Deadline{}, false
}

// checkAnonymized compares an anonymized access-log row with the declared
// operators applied to the original values, and the other fields with
// their originals.
func (s *simulation) checkAnonymized(r *simRecord, row map[string]any) {
	ds := s.decl.Dataset(r.dataset)
	rule := ds.Rule(ruleLogAnon)
	changed := map[string]bool{}
	for _, fo := range rule.Anonymize {
		col := ds.Field(fo.Field).ColumnName()
		changed[col] = true
		spec, err := anonymize.Parse(fo.Op)
		require.NoError(s.t, err)
		op, err := spec.Build(nil)
		require.NoError(s.t, err)
		want, err := op.Apply(r.row[col])
		require.NoError(s.t, err)
		assert.Equal(s.t, want, row[col], "record %s/%s field %s: %s of the original", r.dataset, r.key, fo.Field, fo.Op)
	}
	for col, v := range r.row {
		if !changed[col] {
			assert.Equal(s.t, normalised(v), row[col], "record %s/%s column %s is not touched by anonymization", r.dataset, r.key, col)
		}
	}
}

// normalised converts a value as memstore stores it.
func normalised(v any) any {
	if i, ok := v.(int); ok {
		return int64(i)
	}
	return v
}

// checkAudit verifies the audit log's chain and that it accounts for every
// record processed, every hold, and no raw personal data.
func (s *simulation) checkAudit(done []processing) {
	t, ctx := s.t, s.t.Context()
	var entries []audit.Entry
	for after := uint64(0); ; {
		page, err := s.st.ReadAudit(ctx, after, 1000)
		require.NoError(t, err)
		if len(page) == 0 {
			break
		}
		entries = append(entries, page...)
		after = page[len(page)-1].Seq
	}
	head, err := audit.Verify(entries, nil)
	require.NoError(t, err, "the audit log verifies")
	assert.Equal(t, uint64(len(entries)), head.Seq)

	perSeq := map[uint64]int{}
	for _, p := range done {
		perSeq[p.seq]++
	}
	actions := map[string]int{}
	withdrawn := map[string]bool{}
	for _, e := range entries {
		actions[e.Action]++
		if n, ok := perSeq[e.Seq]; ok {
			assert.Equal(t, n, e.Count, "audit entry %d counts the records its batch processed", e.Seq)
			delete(perSeq, e.Seq)
		} else if e.Action == string(retention.ActionDelete) || e.Action == string(retention.ActionAnonymize) {
			assert.Zero(t, e.Count, "audit entry %d (%s %s) records processing the store did not report", e.Seq, e.Action, e.Rule)
		}
		if e.Rule == ruleWithdraw {
			for _, p := range e.Subjects {
				withdrawn[p] = true
			}
		}
	}
	assert.Empty(t, perSeq, "every processed batch has its audit entry")
	assert.Equal(t, s.counts["record holds"]+s.counts["citizen holds"], actions["hold.place"], "every hold placed is audited")
	assert.Equal(t, s.counts["holds released"], actions["hold.release"], "every release is audited")
	for sub := range s.withdraw {
		deletedSome := false
		for _, r := range s.bySubj[sub] {
			if at, ok := r.triggered[ruleWithdraw]; ok && !at.IsZero() {
				deletedSome = true
			}
		}
		if deletedSome {
			assert.True(t, withdrawn[s.key.Pseudonym(sub)], "the withdrawal of a citizen is audited under the citizen's pseudonym")
		}
	}
	// Every entry is signed by the engine's key. The signatures are 64
	// random-looking bytes each, in which the short strings below occur
	// by chance, so they are checked and then left out of the search.
	keys := audit.Keys{s.eng.AuditSigner().ID(): s.eng.AuditSigner().PublicKey().Key}
	unsigned := make([]audit.Entry, len(entries))
	for i, e := range entries {
		require.NoError(t, keys.CheckSignature(e.Sig, []byte(e.Hash)), "entry %d is signed by the engine's key", e.Seq)
		e.Sig = ""
		unsigned[i] = e
	}
	b, err := json.Marshal(unsigned)
	require.NoError(t, err)
	for _, raw := range []string{"citizen-", "Mustermann", "@example.org", "BG-", "203.0.", "2001:db8", "Weiterbewilligung"} {
		assert.NotContains(t, string(b), raw, "the audit log holds no personal data")
	}
	t.Logf("audit entries %d: %v", len(entries), actions)
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
