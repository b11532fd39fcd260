package logstore_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/logstore"
)

// outgoingID returns the n-th notification ID; IDs sort in the order of n.
func outgoingID(n int) string { return fmt.Sprintf("01900000-0000-7000-a000-%012d", n) }

// toldOf is the subject notification n tells its recipient of: an
// identifier that occurs nowhere else in the state directory.
func toldOf(n int) string { return fmt.Sprintf("told.%06d@example.org", n) }

// outgoing returns notification n, with a body that names toldOf(n) and
// holds bytes a text encoding would change.
func outgoing(n int) store.Outgoing {
	return store.Outgoing{
		ID: outgoingID(n), Recipient: "maixit",
		Body:     []byte(fmt.Sprintf("{\"subject\":%q,\"n\":%d}\n\x00\xff\xfe", toldOf(n), n)),
		Attempts: 1, Since: now.Add(time.Duration(n) * time.Minute), Next: now.Add(time.Duration(n)*time.Minute + 5*time.Minute),
	}
}

// onDisk is how body n appears in the outbox file (base64), to find it
// among the raw bytes of the state directory.
func onDisk(n int) string { return base64.StdEncoding.EncodeToString(outgoing(n).Body) }

// requireOutbox requires st to list exactly want, every field as stored:
// times truncated to the microsecond in UTC.
func requireOutbox(t *testing.T, st *logstore.Store, want ...store.Outgoing) {
	t.Helper()
	got, err := st.ListOutgoing(context.Background(), "", 0)
	require.NoError(t, err)
	for i := range want {
		want[i].Since = want[i].Since.Truncate(time.Microsecond).UTC()
		want[i].Next = want[i].Next.Truncate(time.Microsecond).UTC()
	}
	if len(want) == 0 {
		want = nil
	}
	require.Equal(t, want, got, "the outbox must hold exactly these notifications, whole")
}

// enqueueAll enqueues notifications ns on st.
func enqueueAll(t *testing.T, st *logstore.Store, ns ...int) {
	t.Helper()
	for _, n := range ns {
		require.NoError(t, st.Enqueue(context.Background(), outgoing(n)))
	}
}

// outboxFailureCases are the changes of the outbox for
// TestAFailedCommitNeverBreaksTheChain, which fails each of their file
// operations inside one process, and
// TestAKillAtAnyStepOfACommitLosesNothing, which kills the process at
// each: a change is stored exactly when its new file was renamed into
// place (outbox.sync), and the outbox then holds the old notifications or
// the new ones, whole; outbox.write leaves a torn temporary file, which
// the next New removes. They append no audit entry.
//
// Broken on purpose to see these fail: with the outbox written in place
// (on .frist-outbox.json itself, the fault step halfway through), 6 of
// the 9 kills failed: killed at outbox.write, New refused the torn file
// ("does not decode: unexpected EOF"); killed at outbox.rename, the new
// notifications were in place before the step that stores them; in one
// process, the same steps failed 12 of 18 cases (the Store could not read
// the torn file again and refused to write). With a failed write not read
// again from the file (saveOutbox returning the error without failed), the
// 6 failures at outbox.sync, after the rename, said "nothing of it is
// stored" of a change that was, and the Store listed the old notifications.
func outboxFailureCases() []failureCase {
	ctx := context.Background()
	enqueue := func(ns ...int) func(t *testing.T, st *logstore.Store) []string {
		return func(t *testing.T, st *logstore.Store) []string {
			enqueueAll(t, st, ns...)
			return nil
		}
	}
	later := now.Add(time.Hour + 1500*time.Nanosecond)
	return []failureCase{
		{
			name: "outbox enqueue", steps: logstore.OutboxSteps, from: "outbox.sync", prepare: enqueue(1, 3),
			run: func(st *logstore.Store) error { return st.Enqueue(ctx, outgoing(2)) },
			check: func(t *testing.T, st *logstore.Store, stored bool) {
				if stored {
					requireOutbox(t, st, outgoing(1), outgoing(2), outgoing(3))
				} else {
					requireOutbox(t, st, outgoing(1), outgoing(3))
				}
			},
		},
		{
			name: "outbox reschedule", steps: logstore.OutboxSteps, from: "outbox.sync", prepare: enqueue(1, 2),
			run: func(st *logstore.Store) error {
				ok, err := st.Reschedule(ctx, outgoingID(1), 1, later)
				if err == nil && !ok {
					return errors.New("the only Reschedule lost")
				}
				return err
			},
			check: func(t *testing.T, st *logstore.Store, stored bool) {
				o := outgoing(1)
				if stored {
					o.Attempts, o.Next = 2, later
				}
				requireOutbox(t, st, o, outgoing(2))
			},
		},
		{
			name: "outbox dequeue", steps: logstore.OutboxSteps, from: "outbox.sync", prepare: enqueue(1, 2, 3),
			run: func(st *logstore.Store) error { return st.Dequeue(ctx, outgoingID(2)) },
			check: func(t *testing.T, st *logstore.Store, stored bool) {
				if stored {
					requireOutbox(t, st, outgoing(1), outgoing(3))
				} else {
					requireOutbox(t, st, outgoing(1), outgoing(2), outgoing(3))
				}
			},
		},
	}
}

// Every notification survives Close and a new New on the same directory
// exactly as ListOutgoing returned it before: the body byte for byte (NUL,
// bytes that are not UTF-8, an empty body), Attempts and Next as
// Reschedule left them, times in UTC to the microsecond, a dequeued one
// gone. Broken by Reschedule changing memory only (saveOutbox's write
// skipped): the reopened store listed Attempts 1 for notification 2; by
// the body kept as a JSON string (string(Body)): the reopened store
// listed \xff\xfe as U+FFFD.
func TestTheOutboxSurvivesARestartWithEveryField(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	decl := bookingLogDecl(t, dir)
	st, err := logstore.New(decl, nil)
	require.NoError(t, err)
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	odd := outgoing(1)
	odd.Since = odd.Since.Add(123456789 * time.Nanosecond).In(berlin)
	empty := outgoing(3)
	empty.Body = []byte{}
	enqueueAll(t, st, 4, 2)
	require.NoError(t, st.Enqueue(ctx, odd))
	require.NoError(t, st.Enqueue(ctx, empty))
	ok, err := st.Reschedule(ctx, outgoingID(2), 1, now.Add(2*time.Hour))
	require.NoError(t, err)
	require.True(t, ok)
	require.NoError(t, st.Dequeue(ctx, outgoingID(4)))
	before, err := st.ListOutgoing(ctx, "", 0)
	require.NoError(t, err)
	require.Len(t, before, 3)
	require.NoError(t, st.Close())

	st, err = logstore.New(decl, nil)
	require.NoError(t, err)
	defer func() { require.NoError(t, st.Close()) }()
	after, err := st.ListOutgoing(ctx, "", 0)
	require.NoError(t, err)
	assert.Equal(t, before, after, "the reopened store lists every notification with every field as before")
	rescheduled := outgoing(2)
	rescheduled.Attempts, rescheduled.Next = 2, now.Add(2*time.Hour)
	requireOutbox(t, st, odd, rescheduled, empty)
	assert.NotNil(t, after[2].Body, "an empty body stays a body")
	page, err := st.ListOutgoing(ctx, outgoingID(1), 1)
	require.NoError(t, err)
	require.Len(t, page, 1)
	assert.Equal(t, outgoingID(2), page[0].ID, "paging by ID works on what New read")
}

// A dequeued notification leaves nothing of its body in the state
// directory once Dequeue returns: the body holds personal data, kept only
// while the notification waits (Art. 5(1)(e)). Read from the raw bytes of
// every file, so a store that only hides the entry (dropped from memory,
// kept on disk, or left in a temporary file) fails. Broken by Dequeue
// deleting in memory only: the body was still in .frist-outbox.json, and
// the reopened store listed the notification again.
func TestADequeuedNotificationLeavesNothingOfItsBodyOnDisk(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	decl := bookingLogDecl(t, dir)
	st, err := logstore.New(decl, nil)
	require.NoError(t, err)
	enqueueAll(t, st, 1, 2, 3)
	for n := 1; n <= 3; n++ {
		require.Equal(t, []string{".frist-outbox.json"}, filesHolding(t, dir, onDisk(n)), "the raw bytes show what waits (else this test proves nothing)")
	}

	require.NoError(t, st.Dequeue(ctx, outgoingID(2)))
	assert.Empty(t, filesHolding(t, dir, onDisk(2)), "a dequeued notification's body must be gone from every file")
	assert.Empty(t, filesHolding(t, dir, outgoingID(2)), "and so must its ID")
	assert.NotEmpty(t, filesHolding(t, dir, onDisk(1)))
	assert.NotEmpty(t, filesHolding(t, dir, onDisk(3)))
	require.NoError(t, st.Close())

	st, err = logstore.New(decl, nil)
	require.NoError(t, err)
	defer func() { require.NoError(t, st.Close()) }()
	requireOutbox(t, st, outgoing(1), outgoing(3))
	require.NoError(t, st.Dequeue(ctx, outgoingID(1)))
	require.NoError(t, st.Dequeue(ctx, outgoingID(3)))
	assert.Empty(t, filesHolding(t, dir, "told."), "no body is left once every notification is dequeued")
	for name := range stateBytes(t, dir) {
		assert.False(t, strings.HasPrefix(name, ".frist-tmp-"), "%s is left behind", name)
	}
}

// An outbox file that cannot be read back fails New, writable or
// read-only, with an error naming the file and what is wrong, rather
// than the notifications being dropped silently (docs/DESIGN.md,
// "Rejected whole"); the error holds no body, which is personal data.
// Broken by taking a file that does not decode for an empty outbox: New
// then succeeded on the torn, empty, non-list and non-base64 files, and
// would have listed nothing; by decoding without DisallowUnknownFields:
// the file with a field this version does not know opened, and the next
// rewrite would have dropped the field; by not checking entries: the
// files with an entry without attempts or without a recipient opened; by
// leaving out the offset of a syntax error: the error did not say where.
func TestADamagedOutboxFailsNewNamingTheFile(t *testing.T) {
	dir := t.TempDir()
	decl := bookingLogDecl(t, dir)
	st, err := logstore.New(decl, nil)
	require.NoError(t, err)
	enqueueAll(t, st, 1, 2)
	require.NoError(t, st.Close())
	path := filepath.Join(dir, ".frist-outbox.json")
	good, err := os.ReadFile(path)
	require.NoError(t, err)
	b1 := onDisk(1)

	for _, tc := range []struct{ name, content, want string }{
		{"torn", string(good[:len(good)/2]), "does not decode"},
		{"empty", "", "does not decode"},
		{"not a list", `{"id":"x"}`, "does not decode"},
		{"a syntax error", strings.Replace(string(good), `"attempts":1`, `"attempts";1`, 1), "does not decode at byte "},
		{"data after the list", string(good) + `[]`, fmt.Sprintf("does not decode at byte %d: data after its list of notifications", len(good))},
		{"a body that is not base64", strings.Replace(string(good), b1, "%%%"+b1, 1), "does not decode"},
		{"an unknown field", strings.Replace(string(good), `"attempts":1`, `"attempts":1,"priority":2`, 1), `unknown field "priority"`},
		{"no attempts", strings.Replace(string(good), `"attempts":1`, `"attempts":0`, 1), `entry 1: notification "` + outgoingID(1) + `" lacks attempts of at least 1 (it has 0)`},
		{"no recipient", strings.Replace(string(good), `"recipient":"maixit"`, `"recipient":""`, 1), "lacks a recipient"},
		{"one ID twice", strings.Replace(string(good), outgoingID(2), outgoingID(1), 1), `holds notification "` + outgoingID(1) + `" twice`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, os.WriteFile(path, []byte(tc.content), 0o600))
			defer func() { require.NoError(t, os.WriteFile(path, good, 0o600)) }()
			for _, opts := range []*logstore.Options{nil, {ReadOnly: true}} {
				st, err := logstore.New(decl, opts)
				if err == nil {
					require.NoError(t, st.Close())
				}
				require.Error(t, err, "read-only %v", opts != nil)
				assert.Contains(t, err.Error(), path, "the error names the file")
				assert.Contains(t, err.Error(), tc.want)
				assert.NotContains(t, err.Error(), toldOf(1), "the error holds no body")
				assert.NotContains(t, err.Error(), b1, "the error holds no body")
			}
		})
	}
	st, err = logstore.New(decl, nil)
	require.NoError(t, err, "the file restored opens again")
	requireOutbox(t, st, outgoing(1), outgoing(2))
	require.NoError(t, st.Close())
}

// Enqueue refuses a notification the file could not be read back with,
// naming what it lacks and never its body, and writes nothing; Reschedule
// refuses a zero next time. Broken by dropping the check from Enqueue:
// the notification without an ID was stored; a file holding an
// incomplete notification fails New (TestADamagedOutboxFailsNewNamingTheFile),
// so a caller's mistake would keep every later process from opening the
// store. Broken by dropping Reschedule's check: a zero Next was stored.
func TestAnIncompleteNotificationIsRefusedAndNothingWritten(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	decl := bookingLogDecl(t, dir)
	st, err := logstore.New(decl, nil)
	require.NoError(t, err)
	defer func() { require.NoError(t, st.Close()) }()
	before := stateBytes(t, dir)
	for _, tc := range []struct {
		change func(*store.Outgoing)
		want   string
	}{
		{func(o *store.Outgoing) { o.ID = "" }, `notification "" lacks an ID`},
		{func(o *store.Outgoing) { o.Recipient = "" }, "lacks a recipient"},
		{func(o *store.Outgoing) { o.Body = nil }, "lacks a body"},
		{func(o *store.Outgoing) { o.Attempts = 0 }, "lacks attempts of at least 1 (it has 0)"},
		{func(o *store.Outgoing) { o.Since, o.Next = time.Time{}, time.Time{} }, "lacks the time of its first attempt (since), the time of its next attempt (next)"},
	} {
		o := outgoing(1)
		tc.change(&o)
		err := st.Enqueue(ctx, o)
		require.Error(t, err, tc.want)
		assert.Contains(t, err.Error(), tc.want)
		assert.NotContains(t, err.Error(), toldOf(1), "the error holds no body")
	}
	assert.Equal(t, before, stateBytes(t, dir), "a refused notification writes nothing")
	requireOutbox(t, st)

	enqueueAll(t, st, 1)
	_, err = st.Reschedule(ctx, outgoingID(1), 1, time.Time{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "lacks the time of its next attempt")
	requireOutbox(t, st, outgoing(1))
}

// A Store opened read-only lists the notifications New found and writes
// nothing: Enqueue, Reschedule and Dequeue return ErrReadOnly, and the
// state directory, a temporary file left by a crash included, is byte
// for byte as before; on a directory without an outbox it creates none.
// Broken by Dequeue taking begin instead of beginWrite (no read-only
// check): the read-only Store dequeued; and by the read-only New removing
// the outbox's temporary file: the state directory changed.
func TestAReadOnlyStoreListsTheOutboxAndWritesNothing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	decl := bookingLogDecl(t, dir)
	st, err := logstore.New(decl, nil)
	require.NoError(t, err)
	enqueueAll(t, st, 1, 2)
	require.NoError(t, st.Close())
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".frist-tmp-.frist-outbox.json"), []byte(`[{"id":"`), 0o600))
	before := stateBytes(t, dir)

	ro, err := logstore.New(decl, &logstore.Options{ReadOnly: true})
	require.NoError(t, err)
	requireOutbox(t, ro, outgoing(1), outgoing(2))
	require.ErrorIs(t, ro.Enqueue(ctx, outgoing(3)), logstore.ErrReadOnly)
	_, err = ro.Reschedule(ctx, outgoingID(1), 1, now.Add(time.Hour))
	require.ErrorIs(t, err, logstore.ErrReadOnly)
	require.ErrorIs(t, ro.Dequeue(ctx, outgoingID(1)), logstore.ErrReadOnly)
	requireOutbox(t, ro, outgoing(1), outgoing(2))
	require.NoError(t, ro.Close())
	assert.Equal(t, before, stateBytes(t, dir), "a read-only store changed the state directory")

	// The writable New removes the temporary file the crash left.
	st, err = logstore.New(decl, nil)
	require.NoError(t, err)
	requireOutbox(t, st, outgoing(1), outgoing(2))
	require.NoError(t, st.Close())
	assert.NotContains(t, stateBytes(t, dir), ".frist-tmp-.frist-outbox.json")

	empty := t.TempDir()
	ro, err = logstore.New(bookingLogDecl(t, empty), &logstore.Options{ReadOnly: true})
	require.NoError(t, err)
	requireOutbox(t, ro)
	require.ErrorIs(t, ro.Enqueue(ctx, outgoing(1)), logstore.ErrReadOnly)
	require.NoError(t, ro.Close())
	assert.Empty(t, stateBytes(t, empty))
}

// A reader that opens the state directory read-only while the writer
// enqueues and dequeues (frist plan beside a running service) finds the
// outbox file whole every time: it is replaced by a rename, never
// written in place. Broken by writing it in place (os.WriteFile on
// .frist-outbox.json): the reader met the file truncated and New failed
// ("does not decode: EOF"), in 3 of 3 runs.
func TestAReaderBesideTheWriterSeesAWholeOutbox(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	decl := bookingLogDecl(t, dir)
	st, err := logstore.New(decl, nil)
	require.NoError(t, err)
	defer func() { require.NoError(t, st.Close()) }()
	big := func(n int) store.Outgoing {
		o := outgoing(n)
		o.Body = append(o.Body, strings.Repeat("ä", 16<<10)...)
		return o
	}
	const reads, writes = 300, 60
	var written atomic.Int64
	started, stop := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		defer close(done)
		for n := 1; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := st.Enqueue(ctx, big(n)); err != nil {
				done <- err
				return
			}
			if written.Add(1) == 1 {
				close(started)
			}
			if n > 4 {
				if err := st.Dequeue(ctx, outgoingID(n-4)); err != nil {
					done <- err
					return
				}
			}
		}
	}()
	defer func() {
		close(stop)
		require.NoError(t, <-done, "the writer")
	}()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("the writer stopped before its first notification: %v", err)
	}
	seen := 0
	for read := 0; read < reads || written.Load() < writes; read++ {
		ro, err := logstore.New(decl, &logstore.Options{ReadOnly: true})
		require.NoError(t, err, "read %d: a reader must find the outbox whole", read)
		got, err := ro.ListOutgoing(ctx, "", 0)
		require.NoError(t, err)
		require.NoError(t, ro.Close())
		for _, o := range got {
			var n int
			_, err := fmt.Sscanf(strings.TrimPrefix(o.ID, "01900000-0000-7000-a000-"), "%d", &n)
			require.NoError(t, err)
			require.Equal(t, big(n).Body, o.Body, "read %d: notification %d must be whole", read, n)
			seen++
		}
	}
	require.Positive(t, seen, "the reader must have met notifications (else this test proves nothing)")
}
