package logstore_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/logstore"
)

// bookingLogDecl declares the booking service's application log in dir:
// JSON lines whose booking_id is the key and citizen_id the subject, each
// line deleted when its booking is cancelled.
func bookingLogDecl(t testing.TB, dir string) *policy.Declaration {
	t.Helper()
	return stadtAmtDecl(t, policy.Purpose{ID: "booking", Description: policy.Text{DE: "Terminbuchung", EN: "Booking"}},
		policy.Dataset{
			ID:       "booking_log",
			Files:    &policy.FileBinding{Dir: dir, Pattern: "booking.jsonl*", Format: "jsonl"},
			Key:      "booking_id",
			Subject:  "citizen_id",
			Time:     []policy.TimeColumn{{Name: "logged_at", Column: "ts", Format: policy.TimeRFC3339}},
			Purposes: []string{"booking"},
			Fields:   []policy.Field{{Name: "ip", Column: "client_ip", Category: policy.CatOnlineIdentifier}},
			Rules:    []policy.Rule{{On: policy.EventCancelled, Delete: true}},
		})
}

// writeBookingLines writes one line per booking ID to dir/name.
func writeBookingLines(t testing.TB, dir, name string, at time.Time, ids ...string) {
	t.Helper()
	var sb strings.Builder
	for i, id := range ids {
		sb.WriteString(`{"ts":"` + at.Add(time.Duration(i)*time.Minute).UTC().Format(time.RFC3339) +
			`","booking_id":"` + id + `","citizen_id":"citizen-` + id + `","client_ip":"203.0.113.7"}` + "\n")
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(sb.String()), 0o600))
}

// bookingIDsIn returns the booking IDs of the lines of dir/name.
func bookingIDsIn(t testing.TB, dir, name string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	require.NoError(t, err)
	var ids []string
	for _, ln := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		_, rest, ok := strings.Cut(ln, `"booking_id":"`)
		require.True(t, ok, "line %q", ln)
		id, _, _ := strings.Cut(rest, `"`)
		ids = append(ids, id)
	}
	return ids
}

// logEngine opens a Store on decl and an engine over it whose clock reads
// *clock; both are closed at the end of the test.
func logEngine(t *testing.T, decl *policy.Declaration, clock *time.Time) (*logstore.Store, *retention.Engine) {
	t.Helper()
	st, err := logstore.New(decl, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	eng, err := retention.New(decl, st, &retention.Options{Now: func() time.Time { return *clock }, AuditKey: auditKey(t), Interval: time.Minute})
	require.NoError(t, err)
	return st, eng
}

// "Bei einer Terminstornierung oder einem Widerruf werden die verarbeiteten
// personenbezogenen Daten sofort gelöscht." (examples/policies/jobcenter.yaml):
// a cancellation whose log line may not be rewritten yet (it is in the
// live file the server writes, or its line is under a legal hold) is
// remembered in the state directory, survives a restart, and deletes the
// line at the first sweep after rotation, or at once when the hold is
// released. Broken by leaving store.RememberedEvents off the Store (the
// engine then counts the event as Forgotten) and by keeping the events in
// memory only (the reopened store lists none and the line survives the
// rotation).
func TestACancellationOfALineTheStoreMayNotRewriteYetIsRememberedAndActsLater(t *testing.T) {
	ctx := context.Background()
	cancel := retention.Event{Kind: policy.EventCancelled, Dataset: "booking_log", Key: "b2"}

	t.Run("in the live file, until rotation, across a restart", func(t *testing.T) {
		dir := t.TempDir()
		clock := now
		decl := bookingLogDecl(t, dir)
		writeBookingLines(t, dir, "booking.jsonl", now.Add(-time.Hour), "b1", "b2", "b3")
		st, eng := logEngine(t, decl, &clock)

		rep, err := eng.Trigger(ctx, cancel)
		require.ErrorIs(t, err, retention.ErrHeld)
		require.Len(t, rep.Rules, 1)
		assert.Equal(t, 1, rep.Rules[0].Held, "a line in the live file is not rewritten")
		assert.NotEmpty(t, rep.Rules[0].Remembered, "the cancellation is remembered")
		assert.Zero(t, rep.Forgotten())
		assert.Equal(t, []string{"b1", "b2", "b3"}, bookingIDsIn(t, dir, "booking.jsonl"))

		// A restart: the event lives in the state directory, not in the
		// process.
		require.NoError(t, st.Close())
		clock = clock.Add(time.Hour)
		st, eng = logEngine(t, decl, &clock)
		ps, err := st.ListRemembered(ctx, "", 0)
		require.NoError(t, err)
		require.Len(t, ps, 1, "the reopened store remembers the cancellation")
		assert.Equal(t, rep.Rules[0].Remembered, ps[0].ID)
		assert.Equal(t, []string{"b2"}, ps[0].Keys)

		rep = sweep1(t, eng)
		assert.Zero(t, rep.Processed(), "never while the line is in the live file")
		assert.Equal(t, []string{"b1", "b2", "b3"}, bookingIDsIn(t, dir, "booking.jsonl"))

		// logrotate: the live file becomes booking.jsonl.1.
		require.NoError(t, os.Rename(filepath.Join(dir, "booking.jsonl"), filepath.Join(dir, "booking.jsonl.1")))
		writeBookingLines(t, dir, "booking.jsonl", clock, "b4")
		clock = clock.Add(time.Minute)
		rep = sweep1(t, eng)
		assert.Equal(t, 1, rep.Processed(), "the first sweep after rotation deletes the cancelled line")
		assert.Equal(t, 1, rep.Retried())
		assert.Equal(t, []string{"b1", "b3"}, bookingIDsIn(t, dir, "booking.jsonl.1"))
		assert.Equal(t, []string{"b4"}, bookingIDsIn(t, dir, "booking.jsonl"))
		ps, err = st.ListRemembered(ctx, "", 0)
		require.NoError(t, err)
		assert.Empty(t, ps, "nothing of the event is left, so it is forgotten")
		assert.Empty(t, rememberedFiles(t, dir), "its file is gone")

		clock = clock.Add(time.Hour)
		assert.Zero(t, sweep1(t, eng).Processed(), "exactly once")
	})

	t.Run("under a hold, at its release", func(t *testing.T) {
		dir := t.TempDir()
		clock := now
		decl := bookingLogDecl(t, dir)
		writeBookingLines(t, dir, "booking.jsonl.1", now.Add(-48*time.Hour), "b1", "b2", "b3")
		_, eng := logEngine(t, decl, &clock)
		hold, err := eng.PlaceHold(ctx, retention.HoldRequest{Dataset: "booking_log", Key: "b2", Reason: store.HoldLegalClaims})
		require.NoError(t, err)

		rep, err := eng.Trigger(ctx, cancel)
		require.ErrorIs(t, err, retention.ErrHeld)
		require.Len(t, rep.Rules, 1)
		assert.Equal(t, 1, rep.Rules[0].Held)
		assert.NotEmpty(t, rep.Rules[0].Remembered)
		assert.Len(t, rememberedFiles(t, dir), 1)

		clock = clock.Add(time.Hour)
		assert.Zero(t, sweep1(t, eng).Processed(), "never while held")
		assert.Equal(t, []string{"b1", "b2", "b3"}, bookingIDsIn(t, dir, "booking.jsonl.1"))

		clock = clock.Add(24 * time.Hour)
		require.NoError(t, eng.ReleaseHold(ctx, hold.ID))
		assert.Equal(t, []string{"b1", "b3"}, bookingIDsIn(t, dir, "booking.jsonl.1"), "the cancellation acts the moment the hold ends")
		assert.Empty(t, rememberedFiles(t, dir))
	})
}

// sweep1 runs one sweep of eng.
func sweep1(t *testing.T, eng *retention.Engine) *retention.Report {
	t.Helper()
	rep, err := eng.Sweep(context.Background())
	require.NoError(t, err)
	return rep
}

// rememberedFiles returns the names in the state directory's
// .frist-remembered, none when it does not exist.
func rememberedFiles(t testing.TB, state string) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(state, ".frist-remembered"))
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}
