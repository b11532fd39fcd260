package retention_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/notify"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
)

// recipientsJobcenter is the test declaration with the recipient that
// examples/policies/jobcenter.yaml names for the appointments ("Auftrags-
// verarbeiter ist die Firma maixit GmbH"), named by the appointment
// dataset, a second recipient named by the booking purpose that receives
// every booking, and a court that receives appointments only case by case
// and so must never be told (telling it would disclose the person). The
// access log has none.
func recipientsJobcenter(t *testing.T) *policy.Declaration {
	t.Helper()
	raw, err := os.ReadFile("testdata/jobcenter.yaml")
	require.NoError(t, err)
	text := strings.Replace(string(raw), "purposes:\n  - id: website",
		"recipients:\n  - { id: maixit, name: maixit GmbH, role: processor, country: DE }\n  - { id: agentur, name: Agentur für Arbeit, role: public_body, country: DE, disclosure: routine }\n  - { id: gericht, name: Sozialgericht, role: public_body, country: DE, disclosure: case_by_case }\npurposes:\n  - id: website", 1)
	text = strings.Replace(text, "    purposes: [booking]\n", "    purposes: [booking]\n    recipients: [maixit, gericht]\n", 1)
	text = strings.Replace(text, "    special_categories: 9.2.a\n", "    special_categories: 9.2.a\n    recipients: [agentur]\n", 1)
	decl, err := policy.Load(strings.NewReader(text), "jobcenter-recipients.yaml")
	require.NoError(t, err)
	return decl
}

// recipientsNotified is a Notifier that keeps what it was given and fails
// for the recipients in fail (panics for those in panics).
type recipientsNotified struct {
	mu     sync.Mutex
	got    []notify.Notification
	fail   map[string]bool
	panics map[string]bool
}

func (r *recipientsNotified) Notify(_ context.Context, n notify.Notification) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.panics[n.Recipient] {
		panic("recipient " + n.Subject + " unreachable")
	}
	if r.fail[n.Recipient] {
		return errors.New("the endpoint answered 503 Service Unavailable")
	}
	r.got = append(r.got, n)
	return nil
}

func (r *recipientsNotified) take() []notify.Notification {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.got
	r.got = nil
	return out
}

// strip zeroes what differs from run to run (ID, time) after checking it.
func strip(t *testing.T, ns []notify.Notification, at time.Time) []notify.Notification {
	t.Helper()
	out := make([]notify.Notification, 0, len(ns))
	for _, n := range ns {
		id, err := uuid.Parse(n.ID)
		require.NoError(t, err)
		assert.Equal(t, uuid.Version(7), id.Version())
		assert.True(t, n.At.Equal(at), "told at %s, erased at %s", n.At, at)
		n.ID, n.At = "", time.Time{}
		out = append(out, n)
	}
	return out
}

// notifyEntries returns the retention.notify entries of the log.
func notifyEntries(t *testing.T, h *harness) []audit.Entry {
	t.Helper()
	var out []audit.Entry
	for _, e := range h.verifyAudit(t) {
		if e.Action == "retention.notify" {
			out = append(out, e)
		}
	}
	return out
}

// TestRuleErasuresTellTheRecipients pins Art. 19 for erasures no request
// made: the cancellation, the withdrawal of consent (Art. 17(1)(b)) and
// the end of the period (Art. 17(1)(a)) each tell every recipient of the
// appointments, the one the dataset names and the one its purpose names,
// and the audit log records it under the subject's pseudonym only. The
// access log, which has no recipient, tells no one.
//
// Seen to fail: with the call to tell removed from triggerEvent, neither
// the cancellation nor the withdrawal told anyone; with it removed from
// sweepRule, the time rule's erasure told no one; with notify.Recipients
// ignoring the purposes' recipients, agentur was never told; without its
// filter on policy.Recipient.Routine, the court was told erika's name.
func TestRuleErasuresTellTheRecipients(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2024, 5, 6, 9, 0, 0, 0, berlin(t))
	nf := &recipientsNotified{}
	h := newHarness(t, recipientsJobcenter(t), at, &retention.Options{Notifier: nf})
	bookings(t, h, at)
	h.insert(t, "access_log", map[string]any{"id": int64(1), "requested_at": at.AddDate(0, 0, -30), "ip": "198.51.100.7", "user_agent": "Firefox/128.0"})

	rep, err := h.eng.Trigger(ctx, retention.Event{Kind: policy.EventCancelled, Dataset: "appointment", Key: "2"})
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Rules[0].Told)
	want := func(recipient string, n notify.Notification) notify.Notification {
		n.Recipient, n.Kind, n.Datasets = recipient, notify.Erasure, []string{"appointment"}
		return n
	}
	cancelled := notify.Notification{Event: policy.EventCancelled, Rule: "delete_on_cancel", Action: "delete", Subject: "erika", Keys: []string{"2"}, Count: 1}
	assert.Equal(t, []notify.Notification{want("maixit", cancelled), want("agentur", cancelled)}, strip(t, nf.take(), at))

	h.clock.Advance(time.Hour)
	rep, err = h.eng.Trigger(ctx, retention.Event{Kind: policy.EventConsentWithdrawn, Subject: "erika", Purpose: "booking"})
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Rules[0].Told)
	withdrawn := notify.Notification{Event: policy.EventConsentWithdrawn, Purpose: "booking", Rule: "delete_on_withdrawal", Action: "delete", Subject: "erika", Count: 2}
	assert.Equal(t, []notify.Notification{want("maixit", withdrawn), want("agentur", withdrawn)}, strip(t, nf.take(), at.Add(time.Hour)))

	// Max's appointment in three days is due two weeks after it.
	h.clock.Set(at.AddDate(0, 0, 3+15))
	rep = h.sweep(t)
	var told int
	for _, rr := range rep.Rules {
		told += rr.Told
	}
	assert.Equal(t, 2, told)
	// Every appointment up to the cutoff is erased: the sweep's time plus
	// the lead of two intervals, less the rule's two weeks.
	through := at.AddDate(0, 0, 3+15).Add(2*time.Minute).AddDate(0, 0, -14)
	got := nf.take()
	for i := range got {
		assert.True(t, got[i].Through.Equal(through), "through %s, want %s", got[i].Through, through)
		got[i].Through = time.Time{}
	}
	ended := notify.Notification{Rule: "delete_after_appointment", Action: "delete", Count: 1}
	assert.Equal(t, []notify.Notification{want("maixit", ended), want("agentur", ended)}, strip(t, got, at.AddDate(0, 0, 3+15)))
	require.NotEqual(t, "198.51.100.7", h.row(t, "access_log", "1")["ip"], "the access log was swept, and told no one")

	entries := notifyEntries(t, h)
	require.Len(t, entries, 6)
	for i, e := range entries {
		assert.Equal(t, "appointment", e.Dataset)
		assert.NotEmpty(t, e.Sig, "signed like every entry of the engine")
		switch {
		case i < 2:
			assert.Equal(t, "on cancelled: recipient "+[]string{"maixit", "agentur"}[i]+" told (Art. 19)", e.Note)
			assert.Equal(t, []string{auditKey.Pseudonym("erika")}, e.Subjects)
		case i < 4:
			assert.Equal(t, "on consent_withdrawn: recipient "+[]string{"maixit", "agentur"}[i-2]+" told (Art. 19)", e.Note)
			assert.Equal(t, 2, e.Count)
		default:
			assert.Equal(t, "period ended: recipient "+[]string{"maixit", "agentur"}[i-4]+" told (Art. 19)", e.Note)
			assert.Empty(t, e.Subjects, "a time rule's notification names no one")
		}
	}
	logText := h.logs.String()
	for _, e := range h.verifyAudit(t) {
		b, err := json.Marshal(e)
		require.NoError(t, err)
		logText += string(b)
	}
	assert.NotContains(t, logText, "erika\"", "the subject is never written raw")
	assert.NotContains(t, logText, "max\"")
}

// TestARememberedEventTellsWhenItActs: a withdrawal that finds an
// appointment under a hold erases it when the hold ends, and the
// recipients are told then, of the subject, by the remembered event.
//
// Seen to fail: with the call to tell removed from retryOne, the release
// erased the appointment and told no one.
func TestARememberedEventTellsWhenItActs(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2024, 5, 6, 9, 0, 0, 0, berlin(t))
	nf := &recipientsNotified{}
	h := newHarness(t, recipientsJobcenter(t), at, &retention.Options{Notifier: nf})
	bookings(t, h, at)
	hold, err := h.eng.PlaceHold(ctx, retention.HoldRequest{Dataset: "appointment", Key: "1", Reason: store.HoldLegalClaims, Note: "Widerspruchsverfahren"})
	require.NoError(t, err)
	_, err = h.eng.Trigger(ctx, retention.Event{Kind: policy.EventConsentWithdrawn, Subject: "erika", Purpose: "booking"})
	require.NoError(t, err)
	first := strip(t, nf.take(), at)
	require.Len(t, first, 2)
	assert.Equal(t, 2, first[0].Count, "appointments 2 and 3 at once")

	h.clock.Advance(24 * time.Hour)
	require.NoError(t, h.eng.ReleaseHold(ctx, hold.ID))
	require.False(t, h.exists(t, "appointment", "1"))
	later := strip(t, nf.take(), at.Add(24*time.Hour))
	require.Len(t, later, 2)
	for _, n := range later {
		assert.Equal(t, "erika", n.Subject)
		assert.Equal(t, policy.EventConsentWithdrawn, n.Event)
		assert.Equal(t, "booking", n.Purpose)
		assert.Equal(t, 1, n.Count)
		assert.Empty(t, n.Keys, "a subject's event names the subject, not its records")
	}
}

// TestARecipientThatCannotBeToldDoesNotUndoTheErasure: the notifier fails
// for one recipient and panics for the other. The erasure stands, the
// event reports no error, and the report, the audit log and the logs say
// who was not told, without the subject; a panic's text, which could
// carry the notification, is not repeated. Without a notifier, each
// recipient is recorded as left to the controller.
//
// Seen to fail: without notify.Deliver's recover, the panic ended the
// test binary; with the outcome switch counting every failure as Told,
// NotTold was 0.
func TestARecipientThatCannotBeToldDoesNotUndoTheErasure(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2024, 5, 6, 9, 0, 0, 0, berlin(t))
	nf := &recipientsNotified{fail: map[string]bool{"maixit": true}, panics: map[string]bool{"agentur": true}}
	h := newHarness(t, recipientsJobcenter(t), at, &retention.Options{Notifier: nf})
	bookings(t, h, at)
	rep, err := h.eng.Trigger(ctx, retention.Event{Kind: policy.EventCancelled, Dataset: "appointment", Key: "4"})
	require.NoError(t, err, "the cancellation itself succeeded")
	require.NoError(t, rep.Err())
	assert.False(t, h.exists(t, "appointment", "4"))
	assert.Equal(t, 0, rep.Rules[0].Told)
	assert.Equal(t, 2, rep.Rules[0].NotTold)
	entries := notifyEntries(t, h)
	require.Len(t, entries, 2)
	assert.Equal(t, "on cancelled: recipient maixit NOT told (Art. 19): the endpoint answered 503 Service Unavailable; frist tries again at 2024-05-06T07:05:00Z", entries[0].Note)
	assert.Equal(t, "on cancelled: recipient agentur NOT told (Art. 19): the notifier panicked: string; frist tries again at 2024-05-06T07:05:00Z", entries[1].Note)
	assert.Contains(t, h.logs.String(), "recipient=maixit")
	assert.NotContains(t, h.logs.String(), "max")

	h2 := newHarness(t, recipientsJobcenter(t), at, nil)
	bookings(t, h2, at)
	rep, err = h2.eng.Trigger(ctx, retention.Event{Kind: policy.EventCancelled, Dataset: "appointment", Key: "4"})
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Rules[0].LeftToController)
	entries = notifyEntries(t, h2)
	require.Len(t, entries, 2)
	assert.Equal(t, "on cancelled: recipient maixit to be told by the controller (Art. 19): no notifier is configured", entries[0].Note)
}

// TestErasuresTheEngineDoesNotTell: EraseSubject's erasure is told by its
// caller with the request (package dsar), and Replay's repeat of an
// erasure was told when it first happened; neither tells again.
//
// Seen to fail: with tell called in act for every event, EraseSubject
// told both recipients; with the replayOf check removed from
// triggerEvent, Replay told them a second time.
func TestErasuresTheEngineDoesNotTell(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2024, 5, 6, 9, 0, 0, 0, berlin(t))
	nf := &recipientsNotified{}
	led := &memLedger{}
	h := newHarness(t, recipientsJobcenter(t), at, &retention.Options{Notifier: nf, Ledger: led})
	bookings(t, h, at)
	_, err := h.eng.EraseSubject(ctx, "max", time.Time{})
	require.NoError(t, err)
	require.False(t, h.exists(t, "appointment", "4"))
	assert.Empty(t, nf.take())

	row := h.row(t, "appointment", "2")
	_, err = h.eng.Trigger(ctx, retention.Event{Kind: policy.EventCancelled, Dataset: "appointment", Key: "2"})
	require.NoError(t, err)
	require.Len(t, nf.take(), 2)
	h.insert(t, "appointment", row) // a restored backup brings it back
	rep, err := h.eng.Replay(ctx, led)
	require.NoError(t, err)
	require.Equal(t, 1, rep.Processed)
	assert.Empty(t, nf.take(), "the recipients were told when the appointment was first erased")
}

// dyingNotifier stops the goroutine that calls it, as a crash stops the
// process at that moment: nothing after the call runs, and no recipient is
// told.
type dyingNotifier struct{}

func (dyingNotifier) Notify(context.Context, notify.Notification) error {
	runtime.Goexit()
	return nil
}

// dies runs fn in a goroutine of its own and waits until it has returned
// or was stopped.
func dies(fn func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	<-done
}

// remembered lists the remembered events in h's store.
func remembered(t *testing.T, h *harness) []store.RememberedEvent {
	t.Helper()
	ps, err := h.mem.ListRemembered(context.Background(), "", 0)
	require.NoError(t, err)
	return ps
}

// TestACrashDoesNotLoseANotification: the process dies after a
// withdrawal's batch committed and before maixit was told. The event was
// remembered before anything was touched, so the first sweep by a fresh
// engine on the same store after InFlightGrace tells the recipients of
// the subject's erasure and then forgets the event (one before leaves the
// entry to the Trigger, which might still be telling in another replica). A crash before the batch committed leaves
// the records and the event; the next sweep erases them and tells.
//
// Seen to fail: with triggerEvent not remembering the event before it
// acts (rememberEntry skipped), the sweep after the first crash told no
// one and the second crash lost the cancellation until the time rule; with retryOne
// not telling when nothing was left, the entry was forgotten untold.
func TestACrashDoesNotLoseANotification(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2024, 5, 6, 9, 0, 0, 0, berlin(t))
	decl := recipientsJobcenter(t)
	h := newHarness(t, decl, at, &retention.Options{Notifier: dyingNotifier{}})
	bookings(t, h, at)

	dies(func() {
		_, _ = h.eng.Trigger(ctx, retention.Event{Kind: policy.EventConsentWithdrawn, Subject: "erika", Purpose: "booking"})
		t.Error("the notifier's crash ended Trigger")
	})
	for _, k := range []string{"1", "2", "3"} {
		require.False(t, h.exists(t, "appointment", k), "the batch committed before the crash")
	}
	require.Len(t, remembered(t, h), 1, "the event outlives the crash")

	nf := &recipientsNotified{}
	h.clock.Advance(time.Minute)
	restarted, err := retention.New(decl, h.mem, &retention.Options{Now: h.clock.Now, AuditKey: auditKey, Keys: testKeys, Notifier: nf})
	require.NoError(t, err)
	_, err = restarted.Sweep(ctx)
	require.NoError(t, err)
	require.Empty(t, nf.take(), "within InFlightGrace the Trigger may still be telling: the sweep leaves it the entry")
	require.Len(t, remembered(t, h), 1)
	h.clock.Advance(retention.InFlightGrace)
	_, err = restarted.Sweep(ctx)
	require.NoError(t, err)
	got := nf.take()
	require.Len(t, got, 2, "maixit and agentur are told after the restart")
	for _, n := range got {
		assert.Equal(t, "erika", n.Subject)
		assert.Equal(t, policy.EventConsentWithdrawn, n.Event)
		assert.Equal(t, 3, n.Count, "the appointments the withdrawal named")
	}
	assert.Empty(t, remembered(t, h), "told, the event is forgotten")

	// A crash before the cancellation's batch commits.
	crashing := &recorder{Driver: h.mem, clock: h.clock, fail: map[string]error{}}
	dyingStore := &dyingProcess{recorder: crashing}
	h3, err := retention.New(decl, dyingStore, &retention.Options{Now: h.clock.Now, AuditKey: auditKey, Keys: testKeys, Notifier: nf})
	require.NoError(t, err)
	dies(func() {
		_, _ = h3.Trigger(ctx, retention.Event{Kind: policy.EventCancelled, Dataset: "appointment", Key: "4"})
		t.Error("the crash in the batch ended Trigger")
	})
	require.True(t, h.exists(t, "appointment", "4"), "nothing committed")
	require.Len(t, remembered(t, h), 1)
	_, err = restarted.Sweep(ctx)
	require.NoError(t, err)
	require.False(t, h.exists(t, "appointment", "4"), "the cancellation acts after the restart")
	got = nf.take()
	require.Len(t, got, 2)
	assert.Equal(t, "max", got[0].Subject)
	assert.Equal(t, []string{"4"}, got[0].Keys)
	assert.Empty(t, remembered(t, h))
}

// dyingProcess stops the goroutine in Process, before the batch is
// committed.
type dyingProcess struct{ *recorder }

func (d *dyingProcess) Process(context.Context, store.Batch) (store.BatchResult, error) {
	runtime.Goexit()
	return store.BatchResult{}, nil
}

// TestAToldEventLeavesNothingRemembered: an event whose records were all
// erased and whose recipients were told leaves no entry behind, so the
// next sweep tells no one again. Seen to fail: without the Forget in
// triggerEvent, the entry stayed and the next sweep told both recipients
// a second time.
func TestAToldEventLeavesNothingRemembered(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2024, 5, 6, 9, 0, 0, 0, berlin(t))
	nf := &recipientsNotified{}
	h := newHarness(t, recipientsJobcenter(t), at, &retention.Options{Notifier: nf})
	bookings(t, h, at)
	_, err := h.eng.Trigger(ctx, retention.Event{Kind: policy.EventCancelled, Dataset: "appointment", Key: "4"})
	require.NoError(t, err)
	require.Len(t, nf.take(), 2)
	assert.Empty(t, remembered(t, h))
	h.sweep(t)
	for _, n := range nf.take() {
		assert.NotEqual(t, policy.EventCancelled, n.Event, "told again: %+v", n)
	}
}

// sweepOnRemember runs a sweep of eng the moment an event is remembered,
// as a scheduler's sweep may start while a Trigger is acting.
type sweepOnRemember struct {
	store.Driver
	eng   func() *retention.Engine
	swept bool
}

func (s *sweepOnRemember) Remember(ctx context.Context, p store.RememberedEvent) error {
	if err := s.Driver.Remember(ctx, p); err != nil {
		return err
	}
	if !s.swept {
		s.swept = true
		if _, err := s.eng().Sweep(ctx); err != nil {
			return err
		}
	}
	return nil
}

// TestASweepDuringATriggerLeavesTheEventToIt: a sweep that starts while a
// cancellation is acting leaves the event it remembered to the
// cancellation, which erases the appointment and reports it (the booking
// example answers a cancellation that erased nothing with "not found"),
// and the recipients are told once.
//
// Seen to fail: without the acting check in retryRemembered, the sweep
// erased the appointment, Trigger reported 0 processed, and the
// recipients were told by the sweep.
func TestASweepDuringATriggerLeavesTheEventToIt(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2024, 5, 6, 9, 0, 0, 0, berlin(t))
	decl := recipientsJobcenter(t)
	h := newHarness(t, decl, at, nil)
	bookings(t, h, at)
	nf := &recipientsNotified{}
	var eng *retention.Engine
	st := &sweepOnRemember{Driver: h.mem, eng: func() *retention.Engine { return eng }}
	eng, err := retention.New(decl, st, &retention.Options{Now: h.clock.Now, AuditKey: auditKey, Keys: testKeys, Notifier: nf})
	require.NoError(t, err)
	rep, err := eng.Trigger(ctx, retention.Event{Kind: policy.EventCancelled, Dataset: "appointment", Key: "4"})
	require.NoError(t, err)
	require.True(t, st.swept, "the sweep ran while the cancellation acted")
	assert.Equal(t, 1, rep.Processed(), "the cancellation erased the appointment itself")
	assert.False(t, h.exists(t, "appointment", "4"))
	assert.Len(t, nf.take(), 2, "each recipient told once")
	assert.Empty(t, remembered(t, h))
}

// sweepWhileTelling runs a sweep of another replica the first time the
// notifier is called: after a Trigger's batch committed and before it told
// the recipients and removed its remembered event.
type sweepWhileTelling struct {
	*recipientsNotified
	other func(context.Context)
	once  sync.Once
}

func (s *sweepWhileTelling) Notify(ctx context.Context, n notify.Notification) error {
	s.once.Do(func() { s.other(ctx) })
	return s.recipientsNotified.Notify(ctx, n)
}

// TestAReplicaSweepingWhileATriggerTellsDoesNotTellAgain: a sweep of
// another replica that runs while a cancellation is telling its
// recipients finds the event's entry with nothing left and leaves it to
// the cancellation, whose clock may be ahead or behind by less than
// InFlightGrace; each recipient is told once, and the entry is gone.
//
// Seen to fail: without the InFlightGrace check in retryOne, the other
// replica's sweep told both recipients a second time (four
// notifications), with either clock.
func TestAReplicaSweepingWhileATriggerTellsDoesNotTellAgain(t *testing.T) {
	for _, skew := range []time.Duration{0, 90 * time.Second, -90 * time.Second} {
		t.Run(fmt.Sprint("other clock ", skew), func(t *testing.T) {
			ctx := context.Background()
			at := time.Date(2024, 5, 6, 9, 0, 0, 0, berlin(t))
			decl := recipientsJobcenter(t)
			h := newHarness(t, decl, at, nil)
			bookings(t, h, at)
			nf := &recipientsNotified{}
			other, err := retention.New(decl, h.mem, &retention.Options{
				Now: func() time.Time { return h.clock.Now().Add(skew) }, AuditKey: auditKey, Keys: testKeys, Notifier: nf})
			require.NoError(t, err)
			swept := false
			tn := &sweepWhileTelling{recipientsNotified: nf, other: func(ctx context.Context) {
				require.Len(t, remembered(t, h), 1, "the cancellation's entry is there while it tells")
				_, err := other.Sweep(ctx)
				require.NoError(t, err)
				swept = true
			}}
			eng, err := retention.New(decl, h.mem, &retention.Options{Now: h.clock.Now, AuditKey: auditKey, Keys: testKeys, Notifier: tn})
			require.NoError(t, err)
			rep, err := eng.Trigger(ctx, retention.Event{Kind: policy.EventCancelled, Dataset: "appointment", Key: "4"})
			require.NoError(t, err)
			require.True(t, swept, "the other replica swept while the cancellation told")
			assert.Equal(t, 1, rep.Processed())
			got := nf.take()
			assert.Len(t, got, 2, "each recipient told once: %+v", got)
			for _, n := range got {
				assert.Equal(t, []string{"4"}, n.Keys)
			}
			assert.Empty(t, remembered(t, h), "the cancellation removed its entry")
		})
	}
}

// TestATimeRuleTellsAtMostOnceADay: a rule swept every minute tells its
// recipients of its erasures once a day, not at every sweep: the first
// sweep that erased, then the first sweep a day later, which also tells
// of erasures no later sweep found more to add to; and a second process
// on the same store (frist run --once from cron) does not tell again
// within the day, but after it.
//
// Seen to fail: without the window check, the second sweep told again;
// without the store lease, the second engine told within the day; without
// the telling on a sweep that found nothing due, the erasure of the
// second sweep was never told.
func TestATimeRuleTellsAtMostOnceADay(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2024, 5, 6, 9, 0, 0, 0, berlin(t))
	decl := recipientsJobcenter(t)
	nf := &recipientsNotified{}
	h := newHarness(t, decl, at, &retention.Options{Notifier: nf})
	appt := func(id int64, start time.Time) {
		h.insert(t, "appointment", map[string]any{"id": id, "citizen_id": "c" + strconv.FormatInt(id, 10), "starts_at": start, "name": "N", "email": "n@example.org"})
	}
	timeRule := func(ns []notify.Notification) []notify.Notification {
		var out []notify.Notification
		for _, n := range ns {
			if n.Rule == "delete_after_appointment" {
				out = append(out, n)
			}
		}
		return out
	}
	appt(1, at.AddDate(0, 0, -15))
	h.sweep(t)
	first := timeRule(nf.take())
	require.Len(t, first, 2, "the first erasure is told at once")
	assert.Equal(t, 1, first[0].Count)

	appt(2, at.AddDate(0, 0, -15).Add(time.Hour))
	h.clock.Advance(time.Hour)
	h.sweep(t)
	require.False(t, h.exists(t, "appointment", "2"))
	assert.Empty(t, timeRule(nf.take()), "not again within the day")

	h.clock.Set(at.Add(retention.TimeRuleTellEvery + time.Minute))
	h.sweep(t)
	later := timeRule(nf.take())
	require.Len(t, later, 2, "a day later, the erasure not yet told is, though nothing more was due")
	assert.Equal(t, 1, later[0].Count)
	assert.True(t, later[0].Through.After(first[0].Through))

	// A second process on the same store, as frist run --once from cron.
	appt(3, h.clock.Now().AddDate(0, 0, -15))
	other, err := retention.New(decl, h.mem, &retention.Options{Now: h.clock.Now, AuditKey: auditKey, Keys: testKeys, Notifier: nf})
	require.NoError(t, err)
	h.clock.Advance(time.Hour)
	_, err = other.Sweep(ctx)
	require.NoError(t, err)
	require.False(t, h.exists(t, "appointment", "3"))
	assert.Empty(t, timeRule(nf.take()), "the other process does not tell within the day the first told")
	h.clock.Advance(retention.TimeRuleTellEvery)
	_, err = other.Sweep(ctx)
	require.NoError(t, err)
	assert.Len(t, timeRule(nf.take()), 2, "after it, the other process tells")
}
