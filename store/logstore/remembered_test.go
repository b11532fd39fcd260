package logstore_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/logstore"
)

// rememberedID returns the n-th event ID; IDs sort in the order of n.
func rememberedID(n int) string { return fmt.Sprintf("01900000-0000-7000-9000-%012d", n) }

// rememberedEvent returns event number n of the booking log: a
// cancellation of booking n by citizen n, with keys keys of booking n.
func rememberedEvent(n, keys int) store.RememberedEvent {
	p := store.RememberedEvent{
		ID: rememberedID(n), Dataset: "booking_log", Rule: "delete_on_cancelled", Event: string(policy.EventCancelled),
		Subject: subjectOf(n), At: now.Add(time.Duration(n) * time.Second), RememberedAt: now.Add(time.Duration(n)*time.Second + time.Millisecond),
	}
	for k := range keys {
		p.Keys = append(p.Keys, fmt.Sprintf("b%d-%d", n, k))
	}
	return p
}

// subjectOf is the subject of event n: an identifier that occurs nowhere
// else in the state directory.
func subjectOf(n int) string { return fmt.Sprintf("citizen.%06d@example.org", n) }

// stateBytes returns the raw bytes of every file under dir, by path
// relative to dir.
func stateBytes(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		out[rel] = b
		return nil
	}))
	return out
}

// filesHolding returns the files of dir whose raw bytes contain s.
func filesHolding(t testing.TB, dir, s string) []string {
	t.Helper()
	var out []string
	for name, b := range stateBytes(t, dir) {
		if bytes.Contains(b, []byte(s)) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// A forgotten event leaves nothing of its subject in the state directory:
// the identifier is personal data, held only while the event is
// remembered (Art. 5(1)(e)). Read from the raw bytes of every file, so a
// store that only hides the entry (a tombstone, a flag, an entry dropped
// from memory but kept on disk) fails. Broken by making Forget
// forget the event in memory only: the subject is then still in
// .frist-remembered, and the reopened store lists the event again.
func TestAForgottenEventLeavesNothingOfItsSubjectOnDisk(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	decl := bookingLogDecl(t, dir)
	st, err := logstore.New(decl, nil)
	require.NoError(t, err)
	for n := 1; n <= 3; n++ {
		require.NoError(t, st.Remember(ctx, rememberedEvent(n, 3)))
	}
	for n := 1; n <= 3; n++ {
		require.NotEmpty(t, filesHolding(t, dir, subjectOf(n)), "the raw bytes show what is remembered (else this test proves nothing)")
	}

	require.NoError(t, st.Forget(ctx, rememberedID(2)))
	assert.Empty(t, filesHolding(t, dir, subjectOf(2)), "a forgotten event's subject must be gone from every file")
	assert.Empty(t, filesHolding(t, dir, "b2-0"), "and so must its keys")
	assert.NotEmpty(t, filesHolding(t, dir, subjectOf(1)))
	assert.NotEmpty(t, filesHolding(t, dir, subjectOf(3)))
	require.NoError(t, st.Close())

	st, err = logstore.New(decl, nil)
	require.NoError(t, err)
	defer func() { require.NoError(t, st.Close()) }()
	ps, err := st.ListRemembered(ctx, "", 0)
	require.NoError(t, err)
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	assert.Equal(t, []string{rememberedID(1), rememberedID(3)}, ids, "the reopened store lists what was left")
	for _, n := range []int{1, 3} {
		require.NoError(t, st.Forget(ctx, rememberedID(n)))
	}
	assert.Empty(t, filesHolding(t, dir, "citizen."), "no subject is left once every event is forgotten")
	assert.Empty(t, rememberedFiles(t, dir))
}

// Every field of a remembered event survives a restart exactly as
// ListRemembered returned it before, times in UTC to the microsecond.
// Broken by not writing the Purpose to the event's file: the reopened
// store returns it empty.
func TestRememberedEventsSurviveARestartWithEveryField(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	decl := bookingLogDecl(t, dir)
	st, err := logstore.New(decl, nil)
	require.NoError(t, err)
	full := rememberedEvent(1, 2)
	full.Purpose = "booking"
	full.At = full.At.Add(123456789 * time.Nanosecond).In(time.FixedZone("CET", 3600))
	noKeys := rememberedEvent(2, 0)
	noKeys.RememberedAt = time.Time{}
	noSubject := rememberedEvent(3, 1)
	noSubject.Subject = ""
	for _, p := range []store.RememberedEvent{noSubject, full, noKeys} {
		require.NoError(t, st.Remember(ctx, p))
	}
	before, err := st.ListRemembered(ctx, "", 0)
	require.NoError(t, err)
	require.Len(t, before, 3)
	require.NoError(t, st.Close())

	st, err = logstore.New(decl, nil)
	require.NoError(t, err)
	defer func() { require.NoError(t, st.Close()) }()
	after, err := st.ListRemembered(ctx, "", 0)
	require.NoError(t, err)
	assert.Equal(t, before, after, "the reopened store lists every event with every field as before")
	assert.Equal(t, "booking", after[0].Purpose)
	assert.Equal(t, full.At.Truncate(time.Microsecond).UTC(), after[0].At)
	assert.Nil(t, after[1].Keys)
	assert.True(t, after[1].RememberedAt.IsZero())
	assert.Empty(t, after[2].Subject)
	page, err := st.ListRemembered(ctx, rememberedID(1), 1)
	require.NoError(t, err)
	require.Len(t, page, 1)
	assert.Equal(t, rememberedID(2), page[0].ID, "paging by ID works on what New read")
}

// An event whose file cannot be read fails New, naming the file, rather
// than being forgotten silently (docs/DESIGN.md, "Rejected whole"); the
// temporary file of a write a crash interrupted is removed by New, since
// that event was never remembered (Remember had not returned). Broken
// by skipping a file that does not decode: New then succeeds and lists
// one event fewer.
func TestAnUnreadableRememberedEventFailsNewNamingItsFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	decl := bookingLogDecl(t, dir)
	st, err := logstore.New(decl, nil)
	require.NoError(t, err)
	require.NoError(t, st.Remember(ctx, rememberedEvent(1, 1)))
	require.NoError(t, st.Remember(ctx, rememberedEvent(2, 1)))
	require.NoError(t, st.Close())
	names := rememberedFiles(t, dir)
	require.Len(t, names, 2)
	rdir := filepath.Join(dir, ".frist-remembered")

	// An interrupted write: a torn temporary file.
	tmp := filepath.Join(rdir, ".frist-tmp-"+names[0])
	require.NoError(t, os.WriteFile(tmp, []byte(`{"id":"01900000-0000-7000-9000-0000000000`), 0o600))
	st, err = logstore.New(decl, nil)
	require.NoError(t, err)
	ps, err := st.ListRemembered(ctx, "", 0)
	require.NoError(t, err)
	assert.Len(t, ps, 2)
	require.NoError(t, st.Close())
	assert.NoFileExists(t, tmp, "New removes the temporary file of an interrupted write")

	for _, tc := range []struct{ name, content, want string }{
		{names[1], `{"id":"01900000-0000-7000-9000-0000000000`, "does not decode"},
		{names[1], `{"id":"another ID","dataset":"booking_log"}`, `is not the file of its ID "another ID"`},
		{"notes.txt", "an operator's note", "is not a remembered event"},
	} {
		path := filepath.Join(rdir, tc.name)
		old, _ := os.ReadFile(path)
		require.NoError(t, os.WriteFile(path, []byte(tc.content), 0o600))
		_, err := logstore.New(decl, nil)
		require.Error(t, err, tc.want)
		assert.Contains(t, err.Error(), filepath.Join(".frist-remembered", tc.name))
		assert.Contains(t, err.Error(), tc.want)
		_, err = logstore.New(decl, &logstore.Options{ReadOnly: true})
		require.Error(t, err, "read-only too: "+tc.want)
		if old != nil {
			require.NoError(t, os.WriteFile(path, old, 0o600))
		} else {
			require.NoError(t, os.Remove(path))
		}
	}
}

// A Store opened read-only lists the remembered events and writes
// nothing: Remember and Forget return ErrReadOnly, and the state
// directory, a temporary file left by a crash included, is byte for byte
// as before. Broken by removing temporary files in a read-only New (the
// directory changes) and by dropping Forget's read-only check (the
// event's file is removed).
func TestAReadOnlyStoreListsRememberedEventsAndWritesNone(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	decl := bookingLogDecl(t, dir)
	st, err := logstore.New(decl, nil)
	require.NoError(t, err)
	require.NoError(t, st.Remember(ctx, rememberedEvent(1, 2)))
	require.NoError(t, st.Remember(ctx, rememberedEvent(2, 2)))
	require.NoError(t, st.Close())
	names := rememberedFiles(t, dir)
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".frist-remembered", ".frist-tmp-"+names[0]), []byte("{"), 0o600))
	before := stateBytes(t, dir)

	ro, err := logstore.New(decl, &logstore.Options{ReadOnly: true})
	require.NoError(t, err)
	ps, err := ro.ListRemembered(ctx, "", 0)
	require.NoError(t, err)
	assert.Len(t, ps, 2, "a read-only store lists what is remembered")
	require.ErrorIs(t, ro.Remember(ctx, rememberedEvent(3, 1)), logstore.ErrReadOnly)
	require.ErrorIs(t, ro.Forget(ctx, rememberedID(1)), logstore.ErrReadOnly)
	require.NoError(t, ro.Close())
	assert.Equal(t, before, stateBytes(t, dir), "a read-only store changed the state directory")

	// On a directory where nothing was ever remembered it creates nothing.
	empty := t.TempDir()
	ro, err = logstore.New(bookingLogDecl(t, empty), &logstore.Options{ReadOnly: true})
	require.NoError(t, err)
	ps, err = ro.ListRemembered(ctx, "", 0)
	require.NoError(t, err)
	assert.Empty(t, ps)
	require.ErrorIs(t, ro.Remember(ctx, rememberedEvent(1, 1)), logstore.ErrReadOnly)
	require.NoError(t, ro.Close())
	assert.Empty(t, stateBytes(t, empty))
}

// A reader that opens the state directory read-only while the writer
// remembers and forgets events (frist plan beside a running service) sees
// every event whole: each event's file is complete or absent. Broken by
// writing the event's file in place (os.WriteFile on its final name): a
// reader then meets a truncated file and New fails (in 9 of 10 runs; the
// window is short); and by failing on a file the writer removed between the reader's
// listing of the directory and its read of the file.
func TestAReaderBesideTheWriterSeesOnlyWholeEvents(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	decl := bookingLogDecl(t, dir)
	st, err := logstore.New(decl, nil)
	require.NoError(t, err)
	defer func() { require.NoError(t, st.Close()) }()
	const keys, reads, writes = 1000, 400, 60
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
			if err := st.Remember(ctx, rememberedEvent(n, keys)); err != nil {
				done <- err
				return
			}
			if written.Add(1) == 1 {
				close(started)
			}
			if n > 2 {
				if err := st.Forget(ctx, rememberedID(n-2)); err != nil {
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
		t.Fatalf("the writer stopped before its first event: %v", err)
	}
	seen := 0
	for read := 0; read < reads || written.Load() < writes; read++ {
		ro, err := logstore.New(decl, &logstore.Options{ReadOnly: true})
		require.NoError(t, err, "read %d: a reader must find every remembered event whole", read)
		ps, err := ro.ListRemembered(ctx, "", 0)
		require.NoError(t, err)
		require.NoError(t, ro.Close())
		for _, p := range ps {
			var n int
			_, err := fmt.Sscanf(strings.TrimPrefix(p.ID, "01900000-0000-7000-9000-"), "%d", &n)
			require.NoError(t, err)
			require.Equal(t, rememberedEvent(n, keys).Keys, p.Keys, "read %d: event %d must be whole", read, n)
			seen++
		}
	}
	require.Positive(t, seen, "the reader must have met events (else this test proves nothing)")
}
