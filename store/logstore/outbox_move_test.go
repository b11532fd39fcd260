package logstore_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/logstore"
)

// moveOldOutboxCase is the name under which TestKillStepChild runs New on
// an outbox of the earlier format, killed at a step of moving it.
const moveOldOutboxCase = "outbox move"

// oldOutgoing is an entry of the outbox file of the earlier format
// (.frist-outbox.json, a JSON list of them), and the content of a
// notification's file in .frist-outbox.
type oldOutgoing struct {
	ID        string    `json:"id"`
	Recipient string    `json:"recipient"`
	Body      []byte    `json:"body"`
	Attempts  int       `json:"attempts"`
	Since     time.Time `json:"since"`
	Next      time.Time `json:"next"`
}

// movedOutbox is what the outbox of the earlier format in these tests
// holds: notifications 1 to 3, the second tried three times.
func movedOutbox() []store.Outgoing {
	two := outgoing(2)
	two.Attempts, two.Next = 3, now.Add(7*time.Hour)
	return []store.Outgoing{outgoing(1), two, outgoing(3)}
}

// writeOldOutbox writes ns as the outbox file of the earlier format in
// dir, in the order given.
func writeOldOutbox(t testing.TB, dir string, ns ...store.Outgoing) []byte {
	t.Helper()
	es := make([]oldOutgoing, len(ns))
	for i, o := range ns {
		es[i] = oldOutgoing(o)
		es[i].Since, es[i].Next = o.Since.UTC(), o.Next.UTC()
	}
	b, err := json.Marshal(es)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".frist-outbox.json"), b, 0o600))
	return b
}

// writeNotificationFile writes o's file in dir's .frist-outbox as a move
// does, for a move a crash interrupted.
func writeNotificationFile(t testing.TB, dir string, n int, o store.Outgoing) {
	t.Helper()
	e := oldOutgoing(o)
	e.Since, e.Next = o.Since.UTC(), o.Next.UTC()
	b, err := json.Marshal(e)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, ".frist-outbox"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(dir, notificationFile(n)), b, 0o600))
}

// requireMoved requires st, opened on dir, to list exactly want, and the
// directory to hold each body of want in its notification's file alone:
// no outbox file of the earlier format, no temporary file.
func requireMoved(t *testing.T, st *logstore.Store, dir string, want []store.Outgoing) {
	t.Helper()
	requireOutbox(t, st, want...)
	assert.NoFileExists(t, filepath.Join(dir, ".frist-outbox.json"), "the outbox file of the earlier format is removed once moved")
	for _, o := range want {
		var n int
		_, err := fmt.Sscanf(strings.TrimPrefix(o.ID, "01900000-0000-7000-a000-"), "%d", &n)
		require.NoError(t, err)
		assert.Equal(t, []string{notificationFile(n)}, filesHolding(t, dir, onDisk(n)), "notification %d is in its own file alone", n)
	}
	assert.Empty(t, leftBehind(t, dir), "no temporary file is left behind")
}

// A writable New moves the notifications of an outbox file of the earlier
// format (.frist-outbox.json) into .frist-outbox, one file each, with
// every field as it was, and removes the old file; a read-only New lists
// them from the old file and writes nothing. When a move a crash
// interrupted left a notification in both, each is listed once. The
// moved notifications are rescheduled and dequeued as any other.
//
// Broken on purpose to see this fail: with the old file ignored
// (openOutbox not reading it), the stores listed nothing; with it left in
// place after the move (its removal skipped), each body was in two files,
// the old one holding the dequeued notification's body; with a read-only
// New moving too (moveOldOutbox run without checking readOnly), the state
// directory changed; with a notification in both listed from both (the
// old file's entries appended without looking at the directory's),
// ListOutgoing returned notification 2 twice.
func TestAnOutboxOfTheEarlierFormatIsMovedIntoTheDirectory(t *testing.T) {
	for _, interrupted := range []bool{false, true} {
		t.Run(map[bool]string{false: "whole", true: "after an interrupted move"}[interrupted], func(t *testing.T) {
			ctx := t.Context()
			dir := t.TempDir()
			decl := bookingLogDecl(t, dir)
			want := movedOutbox()
			writeOldOutbox(t, dir, want[2], want[0], want[1])
			if interrupted {
				writeNotificationFile(t, dir, 2, want[1])
			}
			before := stateBytes(t, dir)

			ro, err := logstore.New(decl, &logstore.Options{ReadOnly: true})
			require.NoError(t, err)
			requireOutbox(t, ro, want...)
			require.NoError(t, ro.Close())
			assert.Equal(t, before, stateBytes(t, dir), "a read-only store moves nothing")

			st, err := logstore.New(decl, nil)
			require.NoError(t, err)
			requireMoved(t, st, dir, want)
			require.NoError(t, st.Close())

			st, err = logstore.New(decl, nil)
			require.NoError(t, err)
			defer func() { require.NoError(t, st.Close()) }()
			requireMoved(t, st, dir, want)
			ok, err := st.Reschedule(ctx, outgoingID(2), 3, now.Add(9*time.Hour))
			require.NoError(t, err)
			require.True(t, ok)
			require.NoError(t, st.Dequeue(ctx, outgoingID(1)))
			assert.Empty(t, filesHolding(t, dir, onDisk(1)), "a moved notification, dequeued, leaves nothing of its body")
			want[1].Attempts, want[1].Next = 4, now.Add(9*time.Hour)
			requireOutbox(t, st, want[1], want[2])
		})
	}
}

// An outbox file of the earlier format that cannot be read back fails
// New, writable or read-only, naming the file and what is wrong, and
// nothing of it is moved; the error holds no body. Broken by taking a
// file that does not decode for an empty outbox (readOldOutbox returning
// no notifications): New succeeded on the torn, empty and non-list files
// and removed them, notifications and all; by decoding without
// DisallowUnknownFields: the file with a field this version does not know
// was moved without it; by not checking entries: the entry without
// attempts or without a recipient was moved, into a file every later New
// refuses; by not checking for an ID twice: the file holding one ID twice
// was moved, one of the two lost.
func TestADamagedOutboxOfTheEarlierFormatFailsNewNamingTheFile(t *testing.T) {
	dir := t.TempDir()
	decl := bookingLogDecl(t, dir)
	good := writeOldOutbox(t, dir, outgoing(1), outgoing(2))
	path := filepath.Join(dir, ".frist-outbox.json")
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
			assert.FileExists(t, path, "the file is left for the operator")
			assert.NoDirExists(t, filepath.Join(dir, ".frist-outbox"), "nothing of it is moved")
		})
	}
	require.NoError(t, os.WriteFile(path, good, 0o600))
	st, err := logstore.New(decl, nil)
	require.NoError(t, err, "the file restored is moved")
	requireMoved(t, st, dir, []store.Outgoing{outgoing(1), outgoing(2)})
	require.NoError(t, st.Close())
}

// moveSteps are the steps of moving movedOutbox, as TestKillStepChild's
// killAt names them: each step per notification by the time it is
// reached.
func moveSteps() []string {
	var out []string
	for k := 1; k <= len(movedOutbox()); k++ {
		for _, s := range logstore.MoveOldOutboxSteps {
			out = append(out, s+"#"+strconv.Itoa(k))
		}
	}
	return append(out, logstore.MoveOldOutboxEnd...)
}

// stepHit splits "name#k" into the step's name and k, and reads "name"
// as its first hit.
func stepHit(step string) (name string, k int) {
	name, k = step, 1
	if i := strings.LastIndexByte(step, '#'); i >= 0 {
		name = step[:i]
		k, _ = strconv.Atoi(step[i+1:])
	}
	return name, k
}

// failAtHit fails step ("name" or "name#k", as killAt reads it) at its
// k-th hit, and at every later one when always is set.
func failAtHit(step string, always bool) func(string) error {
	name, k := stepHit(step)
	hits := 0
	return func(s string) error {
		if s != name {
			return nil
		}
		hits++
		if hits == k || always && hits > k {
			return fmt.Errorf("%s: %w", s, errInjected)
		}
		return nil
	}
}

// A New whose move of the outbox of the earlier format fails part way (a
// full disk, an I/O error: at every step, once or until the disk
// recovers) fails, naming the old file and wrapping the failure, and
// leaves every notification in the old file, the directory or both: a
// read-only New then lists each once, and the next writable New finishes
// the move. Broken by removing the old file before the notifications are
// written (outbox.old.drop first): every failure at a write or rename
// lost the notifications not yet moved; by not skipping what the
// directory holds already: the read-only New listed the moved ones twice.
func TestAFailedMoveOfTheOutboxFailsNewAndTheNextFinishesIt(t *testing.T) {
	for _, step := range moveSteps() {
		for _, always := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/always=%v", step, always), func(t *testing.T) {
				dir := t.TempDir()
				decl := bookingLogDecl(t, dir)
				want := movedOutbox()
				writeOldOutbox(t, dir, want...)
				st, err := logstore.NewFailAt(decl, nil, failAtHit(step, always))
				if err == nil {
					require.NoError(t, st.Close())
				}
				require.Error(t, err, "New fails at %s", step)
				assert.ErrorIs(t, err, errInjected)
				assert.Contains(t, err.Error(), filepath.Join(dir, ".frist-outbox.json"), "the error names the old file")

				ro, err := logstore.New(decl, &logstore.Options{ReadOnly: true})
				require.NoError(t, err)
				requireOutbox(t, ro, want...)
				require.NoError(t, ro.Close())

				st, err = logstore.New(decl, nil)
				require.NoError(t, err, "the next New finishes the move (and the failed one released the lock)")
				requireMoved(t, st, dir, want)
				require.NoError(t, st.Close())
			})
		}
	}
}
