package retention_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/memstore"
)

// variant loads the test declaration with old replaced by new.
func variant(t testing.TB, old, new string) *policy.Declaration {
	t.Helper()
	b, err := os.ReadFile("testdata/jobcenter.yaml")
	require.NoError(t, err)
	src := string(b)
	require.Contains(t, src, old)
	d, err := policy.Load(strings.NewReader(strings.Replace(src, old, new, 1)), "jobcenter.yaml")
	require.NoError(t, err)
	return d
}

func TestNewRefusesWhatItCannotEnforce(t *testing.T) {
	valid := jobcenter(t)
	mem, err := memstore.New(valid)
	require.NoError(t, err)
	tests := []struct {
		name string
		decl *policy.Declaration
		opts *retention.Options
		want error
		says string
	}{
		{"a declaration that was never validated", &policy.Declaration{}, &retention.Options{AuditKey: auditKey}, retention.ErrNotValidated, "not validated"},
		// Options are not optional for New: nil is refused by name, not
		// read as defaults (there is no default audit key).
		{"no options: no key for the audit log's pseudonyms", valid, nil, retention.ErrNoAuditKey, "New was given nil *Options"},
		{"options without an audit key", valid, &retention.Options{Keys: testKeys}, retention.ErrNoAuditKey, "Options.AuditKey is not set"},
		// A zero KeyRing has no current key; New panicked on it (index out
		// of range in KeyRing.CurrentID) before it checked for an empty ring.
		{"an empty audit key ring", valid, &retention.Options{AuditKey: &anonymize.KeyRing{}}, retention.ErrNoAuditKey, "Options.AuditKey is not set"},
		{
			"an operator whose key ring is missing",
			variant(t, `op: "ip_mask(v4=1, v6=80)"`, `op: "pseudonym(key=logs)"`),
			&retention.Options{AuditKey: auditKey, Keys: testKeys},
			anonymize.ErrMissingKey, "dataset access_log rule mask_ip",
		},
		{
			"two time rules sharing one marker column",
			variant(t, `      - { id: drop_agent, after: 1d, from: requested_at, anonymize: [{ field: user_agent, op: "null" }] }`,
				`      - { id: drop_agent, after: 1d, from: requested_at, anonymize: [{ field: user_agent, op: "redact" }] }`),
			&retention.Options{AuditKey: auditKey, Keys: testKeys},
			retention.ErrInvalidRule, `rule mask_ip already uses the marker column "anonymized_at"`,
		},
		{"a negative batch size", valid, &retention.Options{AuditKey: auditKey, BatchSize: -1}, nil, "BatchSize -1 is negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng, err := retention.New(tt.decl, mem, tt.opts)
			require.Error(t, err)
			assert.Nil(t, eng)
			if tt.want != nil {
				assert.ErrorIs(t, err, tt.want)
			}
			assert.Contains(t, err.Error(), tt.says)
		})
	}
}

func TestNewAcceptsTheJobcenterDeclaration(t *testing.T) {
	h := newHarness(t, jobcenter(t), time.Date(2024, 10, 20, 10, 0, 0, 0, berlin(t)), nil)
	assert.Equal(t, h.clock.Now(), h.eng.Now(), "the engine reads time only from Options.Now")
}

// TestSweepDeletesAnAppointmentInsideItsWindow pins examples/policies/jobcenter.yaml: "Nach dem
// erfolgten Termin werden die personenbezogenen Daten innerhalb von zwei
// Wochen gelöscht." The appointment is deleted no earlier than two sweep
// intervals before the deadline and, with a sweep every interval, no later
// than the deadline.
func TestSweepDeletesAnAppointmentInsideItsWindow(t *testing.T) {
	loc := berlin(t)
	appointment := time.Date(2024, 10, 20, 10, 0, 0, 0, loc) // CEST; the deadline lies after the clocks go back
	deadline := time.Date(2024, 11, 3, 10, 0, 0, 0, loc)
	lead := 2 * retention.DefaultInterval
	tests := []struct {
		name    string
		at      time.Time
		deleted bool
	}{
		{"the day after the appointment", appointment.Add(24 * time.Hour), false},
		{"one nanosecond before the earliest allowed time", deadline.Add(-lead - time.Nanosecond), false},
		{"at the earliest allowed time", deadline.Add(-lead), true},
		{"at the deadline", deadline, true},
		{"long after the deadline: catch-up after downtime", deadline.AddDate(0, 2, 0), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, jobcenter(t), appointment, nil)
			h.insert(t, "appointment", map[string]any{"id": int64(1), "citizen_id": "c-1", "starts_at": appointment, "name": "Erika Mustermann"})
			h.clock.Set(tt.at)
			rep := h.sweep(t)
			assert.Equal(t, !tt.deleted, h.exists(t, "appointment", "1"))
			rr := rep.Rule("appointment", "delete_after_appointment")
			require.NotNil(t, rr)
			assert.Equal(t, map[bool]int{true: 1, false: 0}[tt.deleted], rr.Processed)
			if tt.at.After(deadline) {
				assert.Equal(t, tt.at.Sub(deadline), rr.Lateness, "lateness is now minus the deadline of the oldest due record")
			} else {
				assert.Zero(t, rr.Lateness)
			}
		})
	}
}

func TestSweepEveryIntervalMeetsEveryDeadline(t *testing.T) {
	loc := berlin(t)
	start := time.Date(2024, 10, 26, 0, 0, 0, 0, loc)
	h := newHarness(t, jobcenter(t), start, &retention.Options{Interval: 10 * time.Minute})
	deadlines := map[string]time.Time{}
	for i := range 60 {
		at := start.Add(time.Duration(i) * 37 * time.Minute) // across the night the clocks go back
		key := string(rune('a'+i%26)) + string(rune('a'+i/26))
		h.insert(t, "appointment", map[string]any{"id": int64(i + 1), "citizen_id": key, "starts_at": at})
		ds, err := retention.Deadlines(h.decl, "appointment", map[string]time.Time{"appointment_at": at}, &retention.Options{Interval: 10 * time.Minute})
		require.NoError(t, err)
		deadlines[strconv.Itoa(i+1)] = ds[0].Due
	}
	for h.clock.Now().Before(start.AddDate(0, 0, 17)) {
		h.sweep(t)
		h.clock.Advance(10 * time.Minute)
	}
	done := h.rec.Done()
	require.Len(t, done, 60, "every appointment is deleted exactly once")
	for _, p := range done {
		d := deadlines[p.Key]
		assert.Falsef(t, p.At.After(d), "record %s deleted at %s, after its deadline %s", p.Key, p.At, d)
		assert.Falsef(t, p.At.Before(d.Add(-20*time.Minute)), "record %s deleted at %s, before its earliest time %s", p.Key, p.At, d.Add(-20*time.Minute))
	}
	h.verifyAudit(t)
}

// TestKeepAtLeastIsAHardLowerBound pins that a statutory minimum wins over a
// shorter rule: nothing is touched before it ends.
func TestKeepAtLeastIsAHardLowerBound(t *testing.T) {
	loc := berlin(t)
	received := time.Date(2024, 1, 15, 10, 0, 0, 0, loc)
	keepEnds := time.Date(2024, 2, 15, 10, 0, 0, 0, loc)
	h := newHarness(t, jobcenter(t), received, nil)
	h.insert(t, "contact", map[string]any{"id": "k1", "email": "erika@example.org", "received_at": received})
	for _, at := range []time.Time{received.AddDate(0, 0, 7), received.AddDate(0, 0, 8), keepEnds.Add(-time.Nanosecond)} {
		h.clock.Set(at)
		h.sweep(t)
		require.Truef(t, h.exists(t, "contact", "k1"), "deleted at %s, before keep_at_least ends at %s", at, keepEnds)
	}
	h.clock.Set(keepEnds)
	h.sweep(t)
	assert.False(t, h.exists(t, "contact", "k1"), "deleted as soon as the minimum ends, which is after the 7d deadline")
}

// TestNullingRuleStopsSelectingWhatItNulled pins docs/DESIGN.md, "Sweeps cost what is due": a rule
// that nulls its fields has work left exactly where one is set.
func TestNullingRuleStopsSelectingWhatItNulled(t *testing.T) {
	loc := berlin(t)
	at := time.Date(2024, 3, 1, 12, 0, 0, 0, loc)
	h := newHarness(t, jobcenter(t), at, nil)
	h.insert(t, "access_log", map[string]any{"id": int64(1), "requested_at": at, "ip": "192.0.2.44", "user_agent": "Firefox/128"})
	h.insert(t, "access_log", map[string]any{"id": int64(2), "requested_at": at, "ip": "192.0.2.45", "user_agent": nil})
	h.clock.Set(at.AddDate(0, 0, 1))
	rep := h.sweep(t)
	assert.Equal(t, 1, rep.Rule("access_log", "drop_agent").Processed, "only the record with a user agent had work left")
	assert.Nil(t, h.row(t, "access_log", "1")["user_agent"])
	assert.Equal(t, "192.0.2.44", h.row(t, "access_log", "1")["ip"], "the IP is kept for 7 days")
	for range 3 {
		h.clock.Advance(time.Hour)
		rep = h.sweep(t)
		assert.Zero(t, rep.Rule("access_log", "drop_agent").Processed, "a nulled record is not selected again")
	}
	assert.Len(t, h.verifyAudit(t), 1, "one batch, one audit entry")
}

// TestMarkerRuleAnonymizesOnce pins examples/policies/jobcenter.yaml: "Hierfür muss die IP-Adresse
// des Nutzenden für die Dauer von sieben Tagen gespeichert bleiben und wird
// danach anonymisiert."
func TestMarkerRuleAnonymizesOnce(t *testing.T) {
	loc := berlin(t)
	at := time.Date(2024, 3, 1, 12, 0, 0, 0, loc)
	h := newHarness(t, jobcenter(t), at, nil)
	h.insert(t, "access_log", map[string]any{"id": int64(1), "requested_at": at, "ip": "192.0.2.44"})
	h.clock.Set(at.AddDate(0, 0, 7).Add(-3 * time.Minute))
	h.sweep(t)
	assert.Equal(t, "192.0.2.44", h.row(t, "access_log", "1")["ip"], "kept for seven days")
	h.clock.Set(at.AddDate(0, 0, 7))
	h.sweep(t)
	row := h.row(t, "access_log", "1")
	assert.NotEqual(t, "192.0.2.44", row["ip"])
	assert.True(t, strings.HasPrefix(row["ip"].(string), "192.0.2."), "ip_mask keeps the network")
	assert.Equal(t, at.AddDate(0, 0, 7).UTC(), row["anonymized_at"].(time.Time).UTC(), "the marker records when")
	for range 3 {
		h.clock.Advance(24 * time.Hour)
		assert.Zero(t, h.sweep(t).Rule("access_log", "mask_ip").Processed, "a marked record is not processed again")
	}
	masked := 0
	for _, p := range h.rec.Done() {
		if p.Rule == "mask_ip" {
			masked++
		}
	}
	assert.Equal(t, 1, masked)
}

func TestSweepProcessesInBoundedBatchesUntilOneComesBackShort(t *testing.T) {
	loc := berlin(t)
	at := time.Date(2024, 3, 1, 12, 0, 0, 0, loc)
	h := newHarness(t, jobcenter(t), at, &retention.Options{BatchSize: 3})
	for i := range 10 {
		h.insert(t, "appointment", map[string]any{"id": int64(i), "citizen_id": "c", "starts_at": at.Add(time.Duration(i) * time.Minute)})
	}
	h.clock.Set(at.AddDate(0, 1, 0))
	rep := h.sweep(t)
	assert.Equal(t, 10, rep.Rule("appointment", "delete_after_appointment").Processed)
	entries := h.verifyAudit(t)
	require.Len(t, entries, 4, "batches of 3, 3, 3 and 1")
	for i, want := range []int{3, 3, 3, 1} {
		assert.Equal(t, want, entries[i].Count)
	}
}

func TestSweepIsSkippedWhileAnotherReplicaHoldsTheLease(t *testing.T) {
	loc := berlin(t)
	at := time.Date(2024, 3, 1, 12, 0, 0, 0, loc)
	h := newHarness(t, jobcenter(t), at, nil)
	h.insert(t, "appointment", map[string]any{"id": int64(1), "citizen_id": "c", "starts_at": at})
	h.clock.Set(at.AddDate(0, 1, 0))
	ok, err := h.mem.AcquireLease(context.Background(), "frist.retention.sweep", "other-replica", h.clock.Now(), time.Minute)
	require.NoError(t, err)
	require.True(t, ok)
	rep := h.sweep(t)
	assert.True(t, rep.Skipped)
	assert.True(t, h.exists(t, "appointment", "1"))
	h.clock.Advance(time.Minute) // the other replica's lease expires
	rep = h.sweep(t)
	assert.False(t, rep.Skipped)
	assert.False(t, h.exists(t, "appointment", "1"))
}

// stealer is a driver whose lease is taken by another replica after the
// first acquisition, and whose batches each take a minute on the clock, so
// that a sweep must renew its lease between them.
type stealer struct {
	*recorder
	n int
}

func (s *stealer) AcquireLease(ctx context.Context, name, owner string, now time.Time, ttl time.Duration) (bool, error) {
	s.n++
	return s.n == 1, nil
}

func (s *stealer) Process(ctx context.Context, b store.Batch) (store.BatchResult, error) {
	res, err := s.recorder.Process(ctx, b)
	s.clock.Advance(time.Minute)
	return res, err
}

func TestSweepStopsWhenAnotherReplicaTakesTheLease(t *testing.T) {
	at := time.Date(2024, 3, 1, 12, 0, 0, 0, berlin(t))
	h := newHarness(t, jobcenter(t), at, nil)
	for i := range 8 {
		h.insert(t, "appointment", map[string]any{"id": int64(i + 1), "citizen_id": "c", "starts_at": at})
	}
	// A five-minute interval gives a 15-minute lease, renewed every five
	// minutes: after five one-minute batches.
	opts := &retention.Options{Now: h.clock.Now, AuditKey: auditKey, Keys: testKeys, BatchSize: 1, Interval: 5 * time.Minute}
	eng, err := retention.New(h.decl, &stealer{recorder: h.rec}, opts)
	require.NoError(t, err)
	h.clock.Set(at.AddDate(0, 1, 0))
	rep, err := eng.Sweep(context.Background())
	require.ErrorIs(t, err, retention.ErrLeaseLost)
	assert.Equal(t, 5, rep.Processed(), "batches go on until the first renewal")
	for _, id := range []string{"6", "7", "8"} {
		assert.True(t, h.exists(t, "appointment", id), "nothing is processed once the lease is lost")
	}
}

// leaseCounter counts the writes of the sweep lease.
type leaseCounter struct {
	store.Driver
	acquired int
}

func (l *leaseCounter) AcquireLease(ctx context.Context, name, owner string, now time.Time, ttl time.Duration) (bool, error) {
	l.acquired++
	return l.Driver.AcquireLease(ctx, name, owner, now, ttl)
}

// TestSweepDoesNotRenewALeaseItHasJustTaken pins that a short sweep takes
// its lease once: every renewal is a commit of its own.
func TestSweepDoesNotRenewALeaseItHasJustTaken(t *testing.T) {
	at := time.Date(2024, 3, 1, 12, 0, 0, 0, berlin(t))
	h := newHarness(t, jobcenter(t), at, nil)
	for i := range 5 {
		h.insert(t, "appointment", map[string]any{"id": int64(i + 1), "citizen_id": "c", "starts_at": at})
	}
	lc := &leaseCounter{Driver: h.rec}
	eng, err := retention.New(h.decl, lc, &retention.Options{Now: h.clock.Now, AuditKey: auditKey, Keys: testKeys, BatchSize: 1})
	require.NoError(t, err)
	h.clock.Set(at.AddDate(0, 1, 0))
	rep, err := eng.Sweep(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 5, rep.Processed(), "in six batches of one")
	assert.Equal(t, 1, lc.acquired, "the lease taken at the start lasts the sweep")
}
