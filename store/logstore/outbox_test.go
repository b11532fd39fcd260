package logstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
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

// onDisk is how body n appears in its notification's file (base64), to
// find it among the raw bytes of the state directory.
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
// each: a change is stored exactly when the notification's new file was
// renamed into place, or its file removed (outbox.sync), and the outbox
// then holds the old notifications or the new ones, whole; outbox.write
// leaves a torn temporary file in .frist-outbox, which the next New
// removes. They append no audit entry.
//
// Broken on purpose to see these fail: with a notification's file
// written in place (writeTempHalf on the file itself, no rename), the
// Enqueue and the Reschedule killed at outbox.write or outbox.rename left
// a torn file that failed New ("does not decode: unexpected EOF"), and
// the Reschedules failing in one process left the outbox other than
// their errors said. With a failed change not read again from the files
// (Enqueue, Reschedule and Dequeue returning the error without failed),
// all 16 cases in one process failed: no error said whether the change
// is stored, and after outbox.sync, when it was, the Store listed the old
// notifications. With the writable New leaving the temporary files in
// .frist-outbox (openOutbox's read not removing them), the Enqueue and
// the Reschedule killed at outbox.write or outbox.rename left a
// .frist-tmp- file behind.
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
			name: "outbox dequeue", steps: logstore.DequeueSteps, from: "outbox.sync", prepare: enqueue(1, 2, 3),
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

// notificationFile is the path, relative to the state directory, of the
// file of notification n: the SHA-256 of its ID in hex.
func notificationFile(n int) string {
	sum := sha256.Sum256([]byte(outgoingID(n)))
	return filepath.Join(".frist-outbox", hex.EncodeToString(sum[:])+".json")
}

// A dequeued notification leaves nothing of its body in the state
// directory once Dequeue returns: the body holds personal data, kept only
// while the notification waits (Art. 5(1)(e)). Read from the raw bytes of
// every file, so a store that only hides the entry (dropped from memory,
// kept on disk, or left in a temporary file) fails; each notification is
// in its own file and no other. Broken by Dequeue deleting in memory only
// (its removal skipped): the body was still in the notification's file,
// and the reopened store listed the notification again.
func TestADequeuedNotificationLeavesNothingOfItsBodyOnDisk(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	decl := bookingLogDecl(t, dir)
	st, err := logstore.New(decl, nil)
	require.NoError(t, err)
	enqueueAll(t, st, 1, 2, 3)
	for n := 1; n <= 3; n++ {
		require.Equal(t, []string{notificationFile(n)}, filesHolding(t, dir, onDisk(n)), "each body is in its notification's file alone")
	}

	require.NoError(t, st.Dequeue(ctx, outgoingID(2)))
	assert.Empty(t, filesHolding(t, dir, onDisk(2)), "a dequeued notification's body must be gone from every file")
	assert.Empty(t, filesHolding(t, dir, outgoingID(2)), "and so must its ID")
	assert.NotContains(t, stateBytes(t, dir), notificationFile(2), "and its file")
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
		assert.False(t, strings.HasPrefix(filepath.Base(name), ".frist-tmp-"), "%s is left behind", name)
	}
}

// A notification's file that cannot be read back fails New, writable or
// read-only, with an error naming the file by its full path and what is
// wrong (for bytes that are not JSON, the byte at which it stops
// decoding), rather than the notification being dropped silently
// (docs/DESIGN.md, "Rejected whole"); the error holds no body, which is
// personal data. Broken by skipping a file that does not decode (read
// continuing past it): New then succeeded on every file that does not
// decode or is incomplete, and would have listed one notification; by
// decoding without DisallowUnknownFields: the file with a field this
// version does not know opened, and the next rewrite would have dropped
// the field; by not checking the notification (checkOutgoing): the files
// without attempts or without a recipient opened; by not checking the
// name against the ID: the file holding notification 1 under 2's name
// opened; by skipping what is not a
// notification's file: New opened beside a stray file and a directory;
// by leaving out the offset of a syntax error: the error did not say
// where.
func TestADamagedNotificationFileFailsNewNamingTheFile(t *testing.T) {
	dir := t.TempDir()
	decl := bookingLogDecl(t, dir)
	st, err := logstore.New(decl, nil)
	require.NoError(t, err)
	enqueueAll(t, st, 1, 2)
	require.NoError(t, st.Close())
	path := filepath.Join(dir, notificationFile(2))
	good, err := os.ReadFile(path)
	require.NoError(t, err)
	other, err := os.ReadFile(filepath.Join(dir, notificationFile(1)))
	require.NoError(t, err)
	b2 := onDisk(2)

	for _, tc := range []struct{ name, file, content, want string }{
		{"torn", path, string(good[:len(good)/2]), "does not decode"},
		{"empty", path, "", "does not decode"},
		{"not an object", path, "[" + string(good) + "]", "does not decode"},
		{"a syntax error", path, strings.Replace(string(good), `"attempts":1`, `"attempts";1`, 1), "does not decode at byte "},
		{"data after the notification", path, string(good) + `{}`, fmt.Sprintf("does not decode at byte %d: data after the notification", len(good))},
		{"a body that is not base64", path, strings.Replace(string(good), b2, "%%%"+b2, 1), "does not decode"},
		{"an unknown field", path, strings.Replace(string(good), `"attempts":1`, `"attempts":1,"priority":2`, 1), `unknown field "priority"`},
		{"no attempts", path, strings.Replace(string(good), `"attempts":1`, `"attempts":0`, 1), `is damaged: notification "` + outgoingID(2) + `" lacks attempts of at least 1 (it has 0)`},
		{"no recipient", path, strings.Replace(string(good), `"recipient":"maixit"`, `"recipient":""`, 1), "lacks a recipient"},
		{"another notification's ID", path, string(other), `is not the file of its ID "` + outgoingID(1) + `"`},
		{"a stray file", filepath.Join(dir, ".frist-outbox", "notes.txt"), "x", "is not a notification waiting for delivery"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, os.WriteFile(tc.file, []byte(tc.content), 0o600))
			defer func() {
				if tc.file == path {
					require.NoError(t, os.WriteFile(path, good, 0o600))
				} else {
					require.NoError(t, os.Remove(tc.file))
				}
			}()
			for _, opts := range []*logstore.Options{nil, {ReadOnly: true}} {
				st, err := logstore.New(decl, opts)
				if err == nil {
					require.NoError(t, st.Close())
				}
				require.Error(t, err, "read-only %v", opts != nil)
				assert.Contains(t, err.Error(), tc.file, "the error names the file by its full path")
				assert.Contains(t, err.Error(), tc.want)
				assert.NotContains(t, err.Error(), toldOf(2), "the error holds no body")
				assert.NotContains(t, err.Error(), b2, "the error holds no body")
			}
		})
	}
	sub := filepath.Join(dir, ".frist-outbox", "sub.json")
	require.NoError(t, os.Mkdir(sub, 0o700))
	_, err = logstore.New(decl, nil)
	require.Error(t, err, "a directory among the notifications")
	assert.Contains(t, err.Error(), sub+" is not a notification waiting for delivery")
	require.NoError(t, os.Remove(sub))

	st, err = logstore.New(decl, nil)
	require.NoError(t, err, "the files restored open again")
	requireOutbox(t, st, outgoing(1), outgoing(2))
	require.NoError(t, st.Close())
}

// Enqueue refuses a notification its file could not be read back with,
// naming what it lacks and never its body, and writes nothing; Reschedule
// refuses a zero next time. Broken by dropping the check from Enqueue:
// the notification without an ID was stored; a file holding an
// incomplete notification fails New
// (TestADamagedNotificationFileFailsNewNamingTheFile), so a caller's
// mistake would keep every later process from opening the store. Broken
// by dropping Reschedule's check: a zero Next was stored.
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
// state directory, the temporary file of a notification's write a crash
// left included, is byte for byte as before; on a directory without an
// outbox it creates none. Broken by Dequeue taking begin instead of
// beginWrite (no read-only check): the read-only Store dequeued; by the
// read-only New removing the temporary file in .frist-outbox (read
// ignoring readOnly): the state directory changed; by the writable New
// leaving it (read never removing it): the file stayed.
func TestAReadOnlyStoreListsTheOutboxAndWritesNothing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	decl := bookingLogDecl(t, dir)
	st, err := logstore.New(decl, nil)
	require.NoError(t, err)
	enqueueAll(t, st, 1, 2)
	require.NoError(t, st.Close())
	tmp := filepath.Join(".frist-outbox", ".frist-tmp-"+filepath.Base(notificationFile(3)))
	require.NoError(t, os.WriteFile(filepath.Join(dir, tmp), []byte(`{"id":"`), 0o600))
	before := stateBytes(t, dir)
	require.Contains(t, before, tmp)

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
	assert.NotContains(t, stateBytes(t, dir), tmp)

	empty := t.TempDir()
	ro, err = logstore.New(bookingLogDecl(t, empty), &logstore.Options{ReadOnly: true})
	require.NoError(t, err)
	requireOutbox(t, ro)
	require.ErrorIs(t, ro.Enqueue(ctx, outgoing(1)), logstore.ErrReadOnly)
	require.NoError(t, ro.Close())
	assert.Empty(t, stateBytes(t, empty))
}

// A reader that opens the state directory read-only while the writer
// enqueues and dequeues (frist plan beside a running service) finds every
// notification's file whole every time, and no error in a file dequeued
// between listing the directory and reading it: a file is put in place by
// a rename, never written in place. Broken by writing it in place
// (os.WriteFile on the notification's file): the reader met a file
// truncated and New failed ("does not decode: unexpected end of JSON
// input" or "EOF"); by the reader failing on a file gone since ReadDir:
// New failed with "no such file or directory".
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
	var stopped atomic.Bool // the writer failed: the deferred check reports it
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
				stopped.Store(true)
				done <- err
				return
			}
			if written.Add(1) == 1 {
				close(started)
			}
			if n > 4 {
				if err := st.Dequeue(ctx, outgoingID(n-4)); err != nil {
					stopped.Store(true)
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
	for read := 0; (read < reads || written.Load() < writes) && !stopped.Load(); read++ {
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
