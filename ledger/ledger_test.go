package ledger_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/ledger"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
)

func declaration(t testing.TB, controller string) *policy.Declaration {
	t.Helper()
	d, err := policy.Load(strings.NewReader(strings.ReplaceAll(testYAML, "CONTROLLER", controller)), "test.yaml")
	require.NoError(t, err)
	return d
}

const testYAML = `
controller: { name: CONTROLLER, address: "Markt 1, 12345 Beispiel", public_authority: true }
dpo: { address: "Markt 1, 12345 Beispiel" }
authority: { name: LDI NRW, address: "Kavalleriestr. 2-4, 40213 Düsseldorf" }
purposes:
  - id: booking
    description: { de: "Buchung eines Termins", en: "Booking an appointment" }
    legal_basis: [6.1.a]
    consent: { version: "1", withdraw: [{ email: "datenschutz@example.org" }] }
datasets:
  - id: appointment
    table: appointments
    key: id
    subject: citizen
    time: { starts_at: starts_at }
    purposes: [booking]
    fields:
      email: { category: contact }
    rules:
      - { after: 14d, from: starts_at, delete: true }
      - { on: cancelled, delete: true }
      - { on: consent_withdrawn, delete: true }
`

func ring(t testing.TB, secrets ...string) *anonymize.KeyRing {
	t.Helper()
	var keys []anonymize.Key
	for i, s := range secrets {
		// "id=secret", or a secret alone for the key l<n>.
		id, sec, ok := strings.Cut(s, "=")
		if !ok {
			id, sec = fmt.Sprintf("l%d", i+1), s
		}
		keys = append(keys, anonymize.Key{ID: id, Secret: []byte(strings.Repeat(sec, 32)[:32])})
	}
	r, err := anonymize.NewKeyRing(keys...)
	require.NoError(t, err)
	return r
}

var at = time.Date(2026, 5, 4, 9, 30, 0, 0, time.UTC)

func erasures() []retention.Erasure {
	return []retention.Erasure{
		{ID: "0190f0a0-0000-7000-8000-000000000001", Recorded: at, Event: retention.Event{Kind: policy.EventCancelled, Dataset: "appointment", Key: "4711", At: at}},
		{ID: "0190f0a0-0000-7000-8000-000000000002", Recorded: at.Add(time.Minute), Event: retention.Event{Kind: policy.EventConsentWithdrawn, Subject: "erika.mustermann@example.org", Purpose: "booking", At: at.Add(time.Minute)}},
		{ID: "0190f0a0-0000-7000-8000-000000000003", Recorded: at.Add(2 * time.Minute), Event: retention.Event{Kind: policy.EventErasureRequested, Subject: "max.mustermann@example.org", At: at.Add(time.Minute)}},
	}
}

func readAll(t *testing.T, l *ledger.File) ([]retention.Erasure, error) {
	t.Helper()
	var out []retention.Erasure
	err := l.Erasures(context.Background(), func(er retention.Erasure) error {
		out = append(out, er)
		return nil
	})
	return out, err
}

func TestAppendedErasuresReadBackAndNoIdentifierIsInTheClear(t *testing.T) {
	path := filepath.Join(t.TempDir(), "erasures.jsonl")
	l, err := ledger.Open(path, declaration(t, "Stadt Beispiel"), ring(t, "a"))
	require.NoError(t, err)
	for _, er := range erasures() {
		require.NoError(t, l.Append(context.Background(), er))
	}
	got, err := readAll(t, l)
	require.NoError(t, err)
	require.Len(t, got, 3)
	for i, want := range erasures() {
		assert.Equal(t, want.ID, got[i].ID)
		assert.Equal(t, want.Event.Kind, got[i].Event.Kind)
		assert.Equal(t, want.Event.Dataset, got[i].Event.Dataset)
		assert.Equal(t, want.Event.Key, got[i].Event.Key)
		assert.Equal(t, want.Event.Subject, got[i].Event.Subject)
		assert.Equal(t, want.Event.Purpose, got[i].Event.Purpose)
		assert.True(t, want.Event.At.Equal(got[i].Event.At))
		assert.True(t, want.Recorded.Equal(got[i].Recorded))
	}
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	for _, clear := range []string{"4711", "erika", "mustermann", "example.org"} {
		assert.NotContains(t, string(raw), clear, "an identifier is encrypted in the file")
	}
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "the file is readable by its owner only")

	// A reopened ledger, and one whose ring has a newer key, read it.
	rotated, err := ring(t, "a").With(anonymize.Key{ID: "l9", Secret: []byte(strings.Repeat("z", 32))})
	require.NoError(t, err)
	l2, err := ledger.Open(path, declaration(t, "Stadt Beispiel"), rotated)
	require.NoError(t, err)
	got, err = readAll(t, l2)
	require.NoError(t, err)
	assert.Len(t, got, 3)
}

// TestALedgerThatCannotBeTrustedIsRefusedWhole covers bad input: every
// case is an error naming the file and line, and Erasures calls fn for
// nothing, so that nothing is replayed from a damaged ledger.
//
// Seen to fail: with the ciphertext not bound to the line's other fields
// (nil additional data), the line whose dataset was moved to another entry
// decrypted and was accepted.
func TestALedgerThatCannotBeTrustedIsRefusedWhole(t *testing.T) {
	good := func(t *testing.T) string {
		path := filepath.Join(t.TempDir(), "erasures.jsonl")
		l, err := ledger.Open(path, declaration(t, "Stadt Beispiel"), ring(t, "a"))
		require.NoError(t, err)
		for _, er := range erasures() {
			require.NoError(t, l.Append(context.Background(), er))
		}
		return path
	}
	edit := func(t *testing.T, path string, fn func(lines []string) []string) {
		raw, err := os.ReadFile(path)
		require.NoError(t, err)
		lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
		require.NoError(t, os.WriteFile(path, []byte(strings.Join(fn(lines), "\n")+"\n"), 0o600))
	}
	tests := []struct {
		name   string
		damage func(t *testing.T, path string)
		decl   string
		ring   []string
		want   string
	}{
		{"a line cut in the middle", func(t *testing.T, p string) {
			edit(t, p, func(l []string) []string { l[2] = l[2][:len(l[2])/2]; return l })
		}, "Stadt Beispiel", []string{"a"}, "erasures.jsonl:3: not an erasure"},
		{"an incomplete last line", func(t *testing.T, p string) {
			raw, _ := os.ReadFile(p)
			require.NoError(t, os.WriteFile(p, raw[:len(raw)-20], 0o600))
		}, "Stadt Beispiel", []string{"a"}, "erasures.jsonl:4: the last line is incomplete"},
		{"another key ring", nil, "Stadt Beispiel", []string{"m1=b"}, `erasures.jsonl:2: written with the key "l1", which the key ring does not hold`},
		{"the same key ID with another secret", nil, "Stadt Beispiel", []string{"c"}, `erasures.jsonl:2: it does not decrypt with the key "l1"`},
		{"another controller's declaration", nil, "Stadt Anders", []string{"a"}, `erasures.jsonl:1: the ledger is kept for the controller "Stadt Beispiel", but the declaration is that of "Stadt Anders"`},
		{"a field moved to another line", func(t *testing.T, p string) {
			edit(t, p, func(l []string) []string {
				l[2] = strings.Replace(l[2], `"event":"consent_withdrawn"`, `"event":"cancelled"`, 1)
				return l
			})
		}, "Stadt Beispiel", []string{"a"}, "erasures.jsonl:3: it does not decrypt"},
		{"an undeclared dataset", func(t *testing.T, p string) {
			edit(t, p, func(l []string) []string {
				l[1] = strings.Replace(l[1], `"dataset":"appointment"`, `"dataset":"contacts"`, 1)
				return l
			})
		}, "Stadt Beispiel", []string{"a"}, `erasures.jsonl:2: it names the dataset "contacts", which the declaration does not declare`},
		{"not a ledger", func(t *testing.T, p string) {
			require.NoError(t, os.WriteFile(p, []byte("id,email\n1,a@example.org\n"), 0o600))
		}, "Stadt Beispiel", []string{"a"}, "erasures.jsonl:1: not an erasure ledger"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := good(t)
			if tt.damage != nil {
				tt.damage(t, path)
			}
			before, err := os.ReadFile(path)
			require.NoError(t, err)
			l, err := ledger.Open(path, declaration(t, tt.decl), ring(t, tt.ring...))
			if err == nil {
				var calls int
				err = l.Erasures(context.Background(), func(retention.Erasure) error { calls++; return nil })
				assert.Zero(t, calls, "nothing is handed out of a damaged ledger")
			}
			require.Error(t, err)
			assert.True(t, errors.Is(err, ledger.ErrDamaged), "%v", err)
			assert.Contains(t, err.Error(), tt.want)
			for _, clear := range []string{"4711", "erika", "mustermann"} {
				assert.NotContains(t, err.Error(), clear, "errors never quote an identifier")
			}
			after, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, before, after, "reading changes nothing")
		})
	}
}

// TestAppendRemovesAnIncompleteLastLine: a crash in the middle of an
// append leaves a line without its newline; the next append removes it
// and the ledger reads whole again.
//
// Seen to fail: without the cut in completeEnd, the new line was written
// over the fragment's start and its tail stayed behind as a line that is
// not an erasure.
func TestAppendRemovesAnIncompleteLastLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "erasures.jsonl")
	decl, r := declaration(t, "Stadt Beispiel"), ring(t, "a")
	l, err := ledger.Open(path, decl, r)
	require.NoError(t, err)
	ers := erasures()
	require.NoError(t, l.Append(context.Background(), ers[0]))
	// The interrupted line is longer than the next one, so that writing
	// over it without cutting it off would leave its tail behind.
	long := ers[1]
	long.Event.Subject = strings.Repeat("x", 600)
	require.NoError(t, l.Append(context.Background(), long))
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, raw[:len(raw)-30], 0o600))
	require.NoError(t, l.Append(context.Background(), ers[2]))
	got, err := readAll(t, l)
	require.NoError(t, err)
	require.Len(t, got, 2, "the interrupted erasure is gone, the next one is there")
	assert.Equal(t, ers[0].ID, got[0].ID)
	assert.Equal(t, ers[2].ID, got[1].ID)
}

// TestConcurrentAppendsKeepEveryLineWhole appends from two handles (as
// two replicas would) and several goroutines each.
//
// Seen to fail: without the flock in Append, two handles computing the
// same end offset overwrote each other's lines.
func TestConcurrentAppendsKeepEveryLineWhole(t *testing.T) {
	path := filepath.Join(t.TempDir(), "erasures.jsonl")
	decl, r := declaration(t, "Stadt Beispiel"), ring(t, "a")
	a, err := ledger.Open(path, decl, r)
	require.NoError(t, err)
	b, err := ledger.Open(path, decl, r)
	require.NoError(t, err)
	var wg sync.WaitGroup
	const each = 50
	for w := 0; w < 8; w++ {
		l := a
		if w%2 == 1 {
			l = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				er := retention.Erasure{ID: fmt.Sprintf("w%d-%d", w, i), Recorded: at, Event: retention.Event{Kind: policy.EventCancelled, Dataset: "appointment", Key: fmt.Sprint(i), At: at}}
				assert.NoError(t, l.Append(context.Background(), er))
			}
		}()
	}
	wg.Wait()
	got, err := readAll(t, a)
	require.NoError(t, err)
	assert.Len(t, got, 8*each)
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, 8*each+1, bytes.Count(raw, []byte("\n")))
}
