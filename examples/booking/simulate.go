package main

import (
	"container/heap"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
)

// The simulation runs the booking service for a few virtual weeks on a
// temporary SQLite database: citizens book through the service's HTTP
// handler, cancel, withdraw consent through the signed link and book again
// with new consent; every request lands in the access log; legal holds
// are placed and released. frist enforces the declaration all along, and
// every action it takes is checked against retention.Deadlines for the
// record it concerns.
//
// How the scheduler is driven. retention.Scheduler decides when to sweep
// with robfig/cron, which waits on real timers (time.Timer) and reads
// time.Now; it accepts no clock. Only testing/synctest can make those
// timers follow a fake clock, and synctest exists only in tests. The
// simulation therefore builds the real Scheduler (which takes its spec
// from the engine's interval), parses the same spec with the same cron
// library in the Scheduler's location, and at every activation
// the spec yields it sets the clock to that instant and calls
// Engine.Sweep, which is what the Scheduler's job does at each tick (the
// Scheduler also sweeps once when it starts; so does the simulation). The
// cron timer loop itself, its panic recovery and overlap protection are
// not exercised here; retention's own tests run them under synctest.

// SimConfig sizes a simulation.
type SimConfig struct {
	// Declaration is the validated declaration; it must bind the booking
	// service's tables (examples/policies/jobcenter.yaml does).
	Declaration *policy.Declaration
	// Days is the number of virtual days.
	Days int
	// Seed makes the run reproducible: the same seed prints the same
	// output.
	Seed uint64
	// Citizens is the number of people who book; default 3000.
	Citizens int
	// Every is the time between two sweeps, the engine's Interval, on
	// which the Scheduler sweeps ("@every <Every>"); zero means one
	// minute (retention.DefaultInterval).
	Every time.Duration
	// Start is the virtual start time; default Monday 17 March 2025, 06:00
	// in the controller's zone, so that three weeks cross the change to
	// summer time.
	Start time.Time
}

// SimResult is the verdict of a simulation.
type SimResult struct {
	Sweeps   int
	Tracks   []*ruleTrack
	Failures []string
	// Counts of what the workload did.
	Requests, Bookings, Rebookings, Refused, Cancellations, Withdrawals, WithdrawnAppointments, Holds int
	// Pending counts the time-rule actions not yet due at the end.
	Pending int
	// AuditEntries is the length of the verified audit log; AuditErr is
	// set when audit.Verify failed.
	AuditEntries int
	AuditErr     error
}

// OK reports whether every deadline was met, none early, every event
// acted at once, and the audit log verified.
func (r *SimResult) OK() bool {
	if len(r.Failures) > 0 || r.AuditErr != nil {
		return false
	}
	for _, t := range r.Tracks {
		if len(t.failures) > 0 {
			return false
		}
	}
	return true
}

// Simulate runs the simulation and writes its timeline and verdict to out.
func Simulate(ctx context.Context, cfg SimConfig, out io.Writer) (*SimResult, error) {
	if cfg.Declaration == nil || cfg.Days < 1 {
		return nil, fmt.Errorf("%w: the simulation needs a declaration and at least one day", ErrOptions)
	}
	if cfg.Citizens <= 0 {
		cfg.Citizens = 3000
	}
	loc := cfg.Declaration.Location()
	if cfg.Start.IsZero() {
		cfg.Start = time.Date(2025, 3, 17, 6, 0, 0, 0, loc)
	}
	dir, err := os.MkdirTemp("", "frist-booking-sim-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", SQLiteDSN(filepath.Join(dir, "sim.db"))+"&_pragma=synchronous(OFF)")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	keys, err := DeriveKeys(strconv.FormatUint(cfg.Seed, 10))
	if err != nil {
		return nil, err
	}
	clock := NewClock(cfg.Start)
	mails := &simMailbox{}
	app, err := New(ctx, Options{DB: db, Declaration: cfg.Declaration, Keys: keys, Now: clock.Now, Capacity: 10, OfficePassword: "simulation-office-password",
		Interval: cfg.Every, BaseURL: "https://termine.example", Mailer: mails})
	if err != nil {
		return nil, err
	}
	sched, err := retention.NewScheduler(app.Engine(), nil)
	if err != nil {
		return nil, err
	}
	spec, err := cron.ParseStandard(sched.Spec())
	if err != nil {
		return nil, err
	}
	s := &sim{
		ctx: ctx, cfg: cfg, app: app, db: db, clock: clock, loc: loc, out: out,
		rng:   rand.New(rand.NewPCG(cfg.Seed, 0x6672697374)),
		res:   &SimResult{},
		appts: map[string]*simAppt{}, held: map[string]time.Time{},
		tracks: map[string]*ruleTrack{}, mails: mails,
	}
	s.next = func(t time.Time) time.Time { return spec.Next(t.In(sched.Location())) }
	for _, ds := range cfg.Declaration.Datasets {
		for _, r := range ds.Rules {
			if r.On != "" {
				continue
			}
			tr := &ruleTrack{dataset: ds.ID, rule: r.ID, action: retention.ActionDelete, held: map[string]due{}}
			if !r.Delete {
				tr.action = retention.ActionAnonymize
			}
			s.tracks[ds.ID+"/"+r.ID] = tr
			s.res.Tracks = append(s.res.Tracks, tr)
		}
	}
	s.plan()
	s.header(sched.Spec(), sched.Location())
	if err := s.run(); err != nil {
		return s.res, err
	}
	if err := s.finish(); err != nil {
		return s.res, err
	}
	s.verdict()
	return s.res, nil
}

// sim is the state of one simulation.
type sim struct {
	ctx   context.Context
	cfg   SimConfig
	app   *App
	db    *sql.DB
	clock *Clock
	loc   *time.Location
	out   io.Writer
	rng   *rand.Rand
	res   *SimResult
	next  func(time.Time) time.Time

	events  simQueue
	seq     int
	logRows int // access_log rows written; the n-th has ID n

	citizens []*simCitizen
	fresh    int // citizens who have not booked yet start here
	appts    map[string]*simAppt
	// held maps a held appointment's key to the end of its hold (zero:
	// until released).
	held   map[string]time.Time
	tracks map[string]*ruleTrack
	// mails receives the service's verification mails.
	mails *simMailbox

	day dayStats
}

// run steps the clock from one cron activation to the next, running the
// workload's events in between and a sweep at each activation.
func (s *sim) run() error {
	st := s.cfg.Start.In(s.loc)
	end := time.Date(st.Year(), st.Month(), st.Day()+s.cfg.Days, 0, 0, 0, 0, s.loc)
	at := s.cfg.Start
	day := 0
	for {
		if err := s.sweep(at); err != nil {
			return err
		}
		next := s.next(at)
		if d := s.dayIndex(next); day < s.cfg.Days && (d != day || next.After(end)) {
			if err := s.dayLine(day, at); err != nil {
				return err
			}
			day = d
		}
		if next.After(end) {
			return s.runEvents(end)
		}
		if err := s.runEvents(next); err != nil {
			return err
		}
		at = next
	}
}

// dayIndex is the number of calendar days in the controller's zone from
// the start to t.
func (s *sim) dayIndex(t time.Time) int {
	a, b := s.cfg.Start.In(s.loc), t.In(s.loc)
	da := time.Date(a.Year(), a.Month(), a.Day(), 12, 0, 0, 0, time.UTC)
	db := time.Date(b.Year(), b.Month(), b.Day(), 12, 0, 0, 0, time.UTC)
	return int(db.Sub(da).Hours() / 24)
}

// sweep sets the clock to at, sweeps, and checks what the sweep did
// against the deadlines of the records written so far.
func (s *sim) sweep(at time.Time) error {
	s.clock.Set(at)
	rep, err := s.app.Engine().Sweep(s.ctx)
	if err != nil {
		return fmt.Errorf("booking: sweep at %s: %w", stamp(at), err)
	}
	s.res.Sweeps++
	for _, tr := range s.res.Tracks {
		rr := rep.Rule(tr.dataset, tr.rule)
		if rr == nil {
			return fmt.Errorf("booking: the sweep reported nothing for %s %s", tr.dataset, tr.rule)
		}
		var act []due
		for _, d := range tr.takeDue(at, s.gone(tr.dataset)) {
			if s.isHeld(tr.dataset, d.key, at) {
				tr.held[d.key] = d
				continue
			}
			act = append(act, d)
		}
		if rr.Processed != len(act) {
			tr.fail("%s %s: the sweep at %s processed %d records, %d were due", tr.dataset, tr.rule, stamp(at), rr.Processed, len(act))
		}
		if rr.Held != len(tr.held) {
			tr.fail("%s %s: the sweep at %s left %d records for holds, %d are held", tr.dataset, tr.rule, stamp(at), rr.Held, len(tr.held))
		}
		if rr.Overdue != 0 || rr.Err != nil {
			tr.fail("%s %s: the sweep at %s left %d records overdue (%v)", tr.dataset, tr.rule, stamp(at), rr.Overdue, rr.Err)
		}
		if len(act) == 0 {
			continue
		}
		left, err := s.unprocessed(tr, act)
		if err != nil {
			return err
		}
		for _, d := range act {
			if left[d.key] {
				tr.fail("%s %s: record %s was due at %s and is untouched after the sweep", tr.dataset, tr.rule, d.key, stamp(d.earliest))
				continue
			}
			tr.result(d, at)
			tr.day++
			if tr.action == retention.ActionDelete && tr.dataset == datasetAppointment {
				delete(s.appts, d.key)
			}
		}
	}
	return nil
}

// gone reports records removed by events, which time rules no longer
// concern.
func (s *sim) gone(dataset string) func(string) bool {
	if dataset != datasetAppointment {
		return func(string) bool { return false }
	}
	return func(key string) bool { _, ok := s.appts[key]; return !ok }
}

// isHeld reports whether the simulation holds the record at t.
func (s *sim) isHeld(dataset, key string, t time.Time) bool {
	if dataset != datasetAppointment {
		return false
	}
	until, ok := s.held[key]
	return ok && (until.IsZero() || t.Before(until))
}

// unprocessed returns the records among act that the database still
// holds unprocessed: present for a deleting rule, present without the
// marker for an anonymizing one.
func (s *sim) unprocessed(tr *ruleTrack, act []due) (map[string]bool, error) {
	ds := s.cfg.Declaration.Dataset(tr.dataset)
	q := "SELECT " + ds.Key + " FROM " + ds.Table + " WHERE " + ds.Key + " = ?"
	if tr.action == retention.ActionAnonymize && ds.Marker != "" {
		q += " AND " + ds.Marker + " IS NULL"
	}
	stmt, err := s.db.PrepareContext(s.ctx, q)
	if err != nil {
		return nil, err
	}
	defer stmt.Close()
	left := map[string]bool{}
	for _, d := range act {
		var k string
		err := stmt.QueryRowContext(s.ctx, d.key).Scan(&k)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return nil, err
		default:
			left[d.key] = true
		}
	}
	return left, nil
}

// track computes the deadlines of a record just written, from the times
// the database holds for it, and registers its time-rule actions.
func (s *sim) track(dataset, key string) error {
	times, err := s.app.Store().Times(s.ctx, dataset, key)
	if err != nil {
		return fmt.Errorf("booking: reading the times of a new %s record: %w", dataset, err)
	}
	dls, err := retention.Deadlines(s.cfg.Declaration, dataset, times, &retention.Options{Interval: s.cfg.Every})
	if err != nil {
		return err
	}
	for _, dl := range dls {
		if dl.Event != "" {
			continue
		}
		s.tracks[dataset+"/"+dl.Rule].add(due{key: key, earliest: dl.Earliest, deadline: dl.Latest()})
	}
	return nil
}

// release ends the simulation's record of a hold at t: the held records
// fall due at the first sweep from t on, and their deadline moves there if
// it has passed (Art. 17(3)(e), Art. 18: a hold postpones, it does not
// excuse).
func (s *sim) release(key string, t time.Time) {
	delete(s.held, key)
	for _, tr := range s.res.Tracks {
		if d, ok := tr.held[key]; ok {
			delete(tr.held, key)
			first := t
			if tick := s.next(t.Add(-time.Nanosecond)); tick.After(t) {
				first = tick
			}
			if first.After(d.deadline) {
				d.deadline = first
			}
			d.earliest = t
			tr.add(d)
		}
	}
}

// finish checks the database against the model and verifies the audit
// log.
func (s *sim) finish() error {
	for _, tr := range s.res.Tracks {
		s.res.Pending += tr.pending.Len() + len(tr.held)
	}
	var seqLog int
	if err := s.db.QueryRowContext(s.ctx, `SELECT seq FROM sqlite_sequence WHERE name = 'access_log'`).Scan(&seqLog); err != nil {
		return err
	}
	if seqLog != s.logRows {
		s.res.Failures = append(s.res.Failures, fmt.Sprintf("access_log: %d rows were written, the simulation counted %d requests", seqLog, s.logRows))
	}
	var nAppt int
	if err := s.db.QueryRowContext(s.ctx, `SELECT COUNT(*) FROM appointments`).Scan(&nAppt); err != nil {
		return err
	}
	if nAppt != len(s.appts) {
		s.res.Failures = append(s.res.Failures, fmt.Sprintf("appointments: the table holds %d rows, %d should be left", nAppt, len(s.appts)))
	}
	entries, err := s.app.Store().ReadAudit(s.ctx, 0, 0)
	if err != nil {
		return err
	}
	s.res.AuditEntries = len(entries)
	// Entries past the audit log's period were dropped by the sweeps: the
	// rest verifies from the base they left.
	base, err := s.app.Store().AuditBase(s.ctx)
	if err != nil {
		return err
	}
	_, s.res.AuditErr = audit.VerifyFrom(base, entries, nil)
	return nil
}

// simQueue orders the workload's events by time, then by creation.
type simQueue []*simEvent

func (q simQueue) Len() int { return len(q) }
func (q simQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q simQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *simQueue) Push(x any)   { *q = append(*q, x.(*simEvent)) }
func (q *simQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

func (s *sim) schedule(e *simEvent) {
	s.seq++
	e.seq = s.seq
	heap.Push(&s.events, e)
}

// runEvents runs every event up to until, each at its own time. An event
// at the instant of a sweep runs before the sweep.
func (s *sim) runEvents(until time.Time) error {
	for s.events.Len() > 0 && !s.events[0].at.After(until) {
		e := heap.Pop(&s.events).(*simEvent)
		s.clock.Set(e.at)
		if err := s.do(e); err != nil {
			return err
		}
	}
	return nil
}
