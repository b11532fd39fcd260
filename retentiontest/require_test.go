package retentiontest

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
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

// testDeclaration is a small declaration: web visits whose IP is masked
// and user agent nulled after seven days and which are deleted after 30,
// and appointments deleted two weeks after they took place.
const testDeclaration = `
controller:
  name: Stadt Beispiel
  address: Markt 1, 12345 Beispiel
  time_zone: Europe/Berlin
  public_authority: true
dpo: {address: "Markt 1, 12345 Beispiel"}
authority: {name: Landesbeauftragte für Datenschutz, address: "Kavalleriestr. 2-4, 40213 Düsseldorf"}
purposes:
  - id: website
    description: {de: Aufruf der Webseite, en: Delivering the website}
    legal_basis: [6.1.e]
  - id: booking
    description: {de: Terminbuchung, en: Booking appointments}
    legal_basis: [6.1.e]
datasets:
  - id: visits
    table: visits
    key: id
    marker: anonymized_at
    time: {requested_at: requested_at}
    purposes: [website]
    fields:
      ip: {category: online_identifier}
      user_agent: {category: device}
      path: {category: usage}
    rules:
      - {after: 7d, from: requested_at, anonymize: {ip: "ip_mask(v4=1, v6=80)", user_agent: "null"}}
      - {after: 30d, from: requested_at, delete: true}
  - id: appointment
    table: appointments
    key: id
    subject: citizen_id
    time: {appointment_at: starts_at}
    purposes: [booking]
    fields:
      name: {category: identity}
    rules:
      - {after: 14d, from: appointment_at, delete: true}
  - id: errors
    table: error_log
    key: id
    marker: anonymized_at
    time: {logged_at: logged_at}
    purposes: [website]
    fields:
      ip: {category: online_identifier}
    rules:
      - {after: 2d, from: logged_at, anonymize: {ip: "null"}}
`

// start is a Monday morning in Berlin.
var start = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

type fixture struct {
	clock *Clock
	eng   *retention.Engine
	st    *memstore.Store
}

func newFixture(tb testing.TB) fixture {
	decl, err := policy.Load(strings.NewReader(testDeclaration), "test.yaml")
	require.NoError(tb, err)
	st, err := memstore.New(decl)
	require.NoError(tb, err)
	key, err := anonymize.NewKeyRing(anonymize.Key{ID: "t1", Secret: []byte("retentiontest audit key, 32 bytes!")})
	require.NoError(tb, err)
	clock := NewClock(start)
	eng, err := retention.New(decl, st, &retention.Options{Now: clock.Now, AuditKey: key})
	require.NoError(tb, err)
	ctx := context.Background()
	require.NoError(tb, st.Insert(ctx, "visits", map[string]any{
		"id": int64(1), "requested_at": start, "ip": "203.0.113.77", "user_agent": "Mozilla/5.0", "path": "/termine",
	}))
	require.NoError(tb, st.Insert(ctx, "appointment", map[string]any{
		"id": "a1", "citizen_id": "c1", "starts_at": start.Add(48 * time.Hour), "name": "Erika Mustermann",
	}))
	require.NoError(tb, st.Insert(ctx, "errors", map[string]any{"id": int64(1), "logged_at": start, "ip": "203.0.113.77"}))
	return fixture{clock: clock, eng: eng, st: st}
}

// fakeTB records failures instead of failing the test. Fatal calls end
// the helper's goroutine, as they do on a *testing.T.
type fakeTB struct {
	testing.TB
	mu     sync.Mutex
	failed bool
	msgs   []string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failed = true
	f.msgs = append(f.msgs, fmt.Sprintf(format, args...))
}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	runtime.Goexit()
}

func (f *fakeTB) FailNow() {
	f.mu.Lock()
	f.failed = true
	f.mu.Unlock()
	runtime.Goexit()
}

func (f *fakeTB) Failed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failed
}

// runFake runs fn with a fakeTB on its own goroutine and returns it.
func runFake(t *testing.T, fn func(tb testing.TB)) *fakeTB {
	f := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	return f
}

// tamperedStore changes what Get returns from the call after skip on,
// standing in for an engine or backend that misbehaves.
type tamperedStore struct {
	Store
	mu     sync.Mutex
	skip   int
	calls  int
	hide   bool           // report the record as missing
	values map[string]any // or overwrite these columns
}

func (s *tamperedStore) Get(ctx context.Context, dataset, key string) (map[string]any, bool, error) {
	row, ok, err := s.Store.Get(ctx, dataset, key)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.calls <= s.skip || err != nil || !ok {
		return row, ok, err
	}
	if s.hide {
		return nil, false, nil
	}
	for col, v := range s.values {
		row[col] = v
	}
	return row, ok, err
}

func day(n int) time.Time { return start.AddDate(0, 0, n) }

func TestRequireDeletedBy(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		setup func(t *testing.T, fx fixture) Store
		ds    string
		key   string
		by    time.Time
		want  []string // substrings of the failure; nil means it passes
	}{
		{name: "deleted two weeks after the appointment", ds: "appointment", key: "a1", by: day(16)},
		{name: "visit deleted after 30 days", ds: "visits", key: "1", by: day(30)},
		{
			name: "the declaration deletes later than required", ds: "appointment", key: "a1", by: day(10),
			want: []string{"record appointment/a1", "must be deleted by 2025-03-13T09:00:00Z",
				"rule delete_after_14d_appointment_at deletes it only by 2025-03-19T09:00:00Z"},
		},
		{
			name: "no rule deletes the record", ds: "errors", key: "1", by: day(20),
			want: []string{"record errors/1", "no time rule of dataset errors deletes it",
				"rules: anonymize_after_2d_logged_at by 2025-03-05T09:00:00Z"},
		},
		{
			name: "a hold keeps the record past its deadline", ds: "appointment", key: "a1", by: day(16),
			setup: func(t *testing.T, fx fixture) Store {
				_, err := fx.eng.PlaceHold(ctx, retention.HoldRequest{Dataset: "appointment", Key: "a1", Reason: store.HoldLegalClaims})
				require.NoError(t, err)
				return fx.st
			},
			want: []string{"record appointment/a1 still exists at 2025-03-19T09:00:00Z",
				"rule delete_after_14d_appointment_at should have deleted it by 2025-03-19T09:00:00Z", "under a hold"},
		},
		{
			name: "deleted before the rule may", ds: "appointment", key: "a1", by: day(16),
			setup: func(t *testing.T, fx fixture) Store { return &tamperedStore{Store: fx.st, hide: true} },
			want: []string{"record appointment/a1 was deleted at 2025-03-19T08:57:59.999999999Z",
				"before rule delete_after_14d_appointment_at may delete it (from 2025-03-19T08:58:00Z, deadline 2025-03-19T09:00:00Z)"},
		},
		{
			name: "missing record", ds: "appointment", key: "a2", by: day(16),
			want: []string{"record appointment/a2 does not exist"},
		},
		{
			name: "deadline in the past", ds: "appointment", key: "a1", by: start.Add(-time.Hour),
			setup: func(t *testing.T, fx fixture) Store { fx.clock.Set(day(1)); return fx.st },
			want:  []string{"deadline 2025-03-03T08:00:00Z", "is before the clock's time", "never move the clock back"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t)
			var st Store = fx.st
			if tt.setup != nil {
				st = tt.setup(t, fx)
			}
			f := runFake(t, func(tb testing.TB) {
				RequireDeletedBy(ctx, tb, fx.clock, fx.eng, st, tt.ds, tt.key, tt.by)
			})
			assertOutcome(t, f, tt.want)
		})
	}
}

func TestRequireDeletedByMovesTheClockToTheDeadline(t *testing.T) {
	fx := newFixture(t)
	RequireDeletedBy(context.Background(), t, fx.clock, fx.eng, fx.st, "appointment", "a1", day(16))
	assert.Equal(t, day(16), fx.clock.Now())
	_, ok, err := fx.st.Get(context.Background(), "appointment", "a1")
	require.NoError(t, err)
	assert.False(t, ok)
}

func TestRequireAnonymizedBy(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		setup func(t *testing.T, fx fixture) Store
		by    time.Time
		want  []string
	}{
		{name: "IP masked and user agent nulled after seven days", by: day(7)},
		{
			name: "no rule anonymizes by the deadline", by: day(6),
			want: []string{"record visits/1 must be anonymized by 2025-03-09T09:00:00Z",
				"no time rule of dataset visits anonymizes it by then", "anonymize_after_7d_requested_at by 2025-03-10T09:00:00Z"},
		},
		{
			name: "the stored value is not what the operator makes", by: day(7),
			setup: func(t *testing.T, fx fixture) Store {
				return &tamperedStore{Store: fx.st, skip: 2, values: map[string]any{"ip": "203.0.0.0"}}
			},
			want: []string{"record visits/1 field ip at 2025-03-10T09:00:00Z",
				"does not hold what ip_mask(v4=1, v6=80) makes of the original value", "rule anonymize_after_7d_requested_at"},
		},
		{
			name: "a nulled field still holds a value", by: day(7),
			setup: func(t *testing.T, fx fixture) Store {
				return &tamperedStore{Store: fx.st, skip: 2, values: map[string]any{"user_agent": "Mozilla/5.0"}}
			},
			want: []string{"field user_agent", "null should have set it to NULL"},
		},
		{
			name: "a column no rule names changed", by: day(7),
			setup: func(t *testing.T, fx fixture) Store {
				return &tamperedStore{Store: fx.st, skip: 2, values: map[string]any{"path": "/"}}
			},
			want: []string{"column path changed", "no anonymizing rule names it"},
		},
		{
			name: "changed before the rule may", by: day(7),
			setup: func(t *testing.T, fx fixture) Store {
				return &tamperedStore{Store: fx.st, skip: 1, values: map[string]any{"ip": "203.0.0.0"}}
			},
			want: []string{"record visits/1: column ip changed by 2025-03-10T08:57:59.999999999Z",
				"before rule anonymize_after_7d_requested_at may anonymize it"},
		},
		{
			name: "deleted instead of anonymized", by: day(7),
			setup: func(t *testing.T, fx fixture) Store { return &tamperedStore{Store: fx.st, skip: 2, hide: true} },
			want:  []string{"record visits/1 was deleted by 2025-03-10T09:00:00Z", "should have anonymized it, not deleted it"},
		},
		{
			name: "held by the deadline", by: day(7),
			setup: func(t *testing.T, fx fixture) Store {
				_, err := fx.eng.PlaceHold(ctx, retention.HoldRequest{Dataset: "visits", Key: "1", Reason: store.HoldRestriction})
				require.NoError(t, err)
				return fx.st
			},
			want: []string{"record visits/1 field ip", "under a hold"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t)
			var st Store = fx.st
			if tt.setup != nil {
				st = tt.setup(t, fx)
			}
			f := runFake(t, func(tb testing.TB) {
				RequireAnonymizedBy(ctx, tb, fx.clock, fx.eng, st, "visits", "1", tt.by)
			})
			assertOutcome(t, f, tt.want)
			if tt.want == nil {
				row, ok, err := fx.st.Get(ctx, "visits", "1")
				require.NoError(t, err)
				require.True(t, ok)
				assert.Equal(t, "203.0.113.0", row["ip"], "ip_mask(v4=1) masks the last byte")
				assert.Nil(t, row["user_agent"])
			}
		})
	}
}

func TestRequireRetainedUntil(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		setup func(t *testing.T, fx fixture) Store
		until time.Time
		want  []string
	}{
		{name: "untouched until the window opens", until: day(7).Add(-2 * time.Minute)},
		{
			name: "a hold keeps the record past its deadline", until: day(10),
			setup: func(t *testing.T, fx fixture) Store {
				_, err := fx.eng.PlaceHold(ctx, retention.HoldRequest{Dataset: "visits", Key: "1", Reason: store.HoldLegalObligation, Until: day(10)})
				require.NoError(t, err)
				return fx.st
			},
		},
		{
			name: "the rule acts before", until: day(7),
			want: []string{"record visits/1 must be retained unchanged until 2025-03-10T09:00:00Z",
				"column", "changed by 2025-03-10T08:59:59.999999999Z",
				"rule anonymize_after_7d_requested_at may act from 2025-03-10T08:58:00Z"},
		},
		{
			name: "deleted before", until: day(40),
			want: []string{"record visits/1 must be retained until 2025-04-12T09:00:00Z", "but it was deleted by"},
		},
		{
			name: "time already past", until: start,
			want: []string{"must be retained until 2025-03-03T09:00:00Z", "the clock already reads"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t)
			var st Store = fx.st
			if tt.setup != nil {
				st = tt.setup(t, fx)
			}
			f := runFake(t, func(tb testing.TB) {
				RequireRetainedUntil(ctx, tb, fx.clock, fx.eng, st, "visits", "1", tt.until)
			})
			assertOutcome(t, f, tt.want)
		})
	}
}

func TestAdvanceAndSweep(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	rep := AdvanceAndSweep(ctx, t, fx.clock, fx.eng, 16*24*time.Hour)
	require.NotNil(t, rep)
	assert.Equal(t, day(16), rep.Start, "the sweep runs at the advanced time")
	assert.Equal(t, 1, rep.Rule("appointment", "delete_after_14d_appointment_at").Processed)
	assert.Equal(t, 1, rep.Rule("visits", "anonymize_after_7d_requested_at").Processed)

	t.Run("an engine on another clock is refused", func(t *testing.T) {
		other := NewClock(start)
		f := runFake(t, func(tb testing.TB) { AdvanceAndSweep(ctx, tb, other, fx.eng, time.Hour) })
		assertOutcome(t, f, []string{"the engine reads 2025-03-19T09:00:00Z but the clock reads 2025-03-03T10:00:00Z",
			"pass clock.Now as retention.Options.Now"})
	})
}

func TestCheckOperator(t *testing.T) {
	tests := []struct {
		spec      string
		orig, got any
		want      string
	}{
		{"null", "x", nil, ""},
		{"null", "x", "x", "null should have set it to NULL, but it holds a string"},
		{"ip_mask(v4=1, v6=80)", "198.51.100.23", "198.51.100.0", ""},
		{"ip_mask(v4=1, v6=80)", "198.51.100.23", "198.0.0.0", "does not hold what ip_mask"},
		{"pseudonym(key=bookings)", "c1", "bookings:abc", ""},
		{"pseudonym(key=bookings)", "c1", "c1", "still holds the original value"},
		{"ip_mask(v4=99)", "198.51.100.23", nil, "does not parse"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got := checkOperator(tt.spec, tt.orig, tt.got)
			if tt.want == "" {
				assert.Empty(t, got)
				return
			}
			assert.Contains(t, got, tt.want)
		})
	}
}

// assertOutcome checks that f passed (want nil) or failed with every
// substring of want in its message.
func assertOutcome(t *testing.T, f *fakeTB, want []string) {
	t.Helper()
	if want == nil {
		assert.False(t, f.Failed(), "the helper failed: %v", f.msgs)
		return
	}
	require.True(t, f.Failed(), "the helper passed, want a failure mentioning %q", want)
	require.Len(t, f.msgs, 1, "one failure message")
	for _, w := range want {
		assert.Contains(t, f.msgs[0], w)
	}
}
