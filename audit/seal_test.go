package audit_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/audit"
)

// pseudonym imitates anonymize's KeyRing.Pseudonym for key ID "k1".
func pseudonym(v string) string {
	m := hmac.New(sha256.New, []byte("test key of thirty-two bytes....."))
	m.Write([]byte(v))
	return "k1:" + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

var t0 = time.Date(2026, 3, 29, 1, 30, 0, 123456789, time.FixedZone("CET", 3600))

func TestSealSetsChainFields(t *testing.T) {
	first := audit.Seal(audit.Head{}, audit.Entry{Time: t0, Action: "delete", Count: 1})
	assert.Equal(t, uint64(1), first.Seq, "the first entry is at position 1")
	assert.Empty(t, first.Prev, "the first entry has no predecessor")
	assert.Len(t, first.Hash, 64, "the hash is hex SHA-256")
	assert.Equal(t, first.Hash, first.ComputeHash())

	second := audit.Seal(first.Head(), audit.Entry{Time: t0, Action: "delete", Count: 2})
	assert.Equal(t, uint64(2), second.Seq)
	assert.Equal(t, first.Hash, second.Prev, "Prev is the hash of the previous entry")
	assert.Equal(t, audit.Head{Seq: 2, Hash: second.Hash}, second.Head())
}

func TestSealAssignsUUIDv7FromEntryTime(t *testing.T) {
	e := audit.Seal(audit.Head{}, audit.Entry{Time: t0, Action: "delete"})
	id, err := uuid.Parse(e.ID)
	require.NoError(t, err)
	assert.Equal(t, uuid.Version(7), id.Version())
	sec, nsec := id.Time().UnixTime()
	assert.Equal(t, t0.UnixMilli(), sec*1000+nsec/1e6, "the ID's timestamp is the entry's time")

	kept := audit.Seal(audit.Head{}, audit.Entry{ID: "0190f6d2-0000-7000-8000-000000000000", Time: t0, Action: "delete"})
	assert.Equal(t, "0190f6d2-0000-7000-8000-000000000000", kept.ID, "an ID the caller set is kept")
}

func TestSealNormalisesTimeToUTCMicroseconds(t *testing.T) {
	e := audit.Seal(audit.Head{}, audit.Entry{Time: t0, Action: "delete"})
	assert.Equal(t, time.UTC, e.Time.Location())
	assert.Equal(t, 123456000, e.Time.Nanosecond(), "nanoseconds are truncated to microseconds")
	assert.True(t, e.Time.Equal(t0.Truncate(time.Microsecond)))

	// A database that returns the time in another zone or with a monotonic
	// reading stripped still yields the same hash.
	back := e
	back.Time = e.Time.In(time.FixedZone("X", -5*3600))
	assert.Equal(t, e.Hash, back.ComputeHash())
}

func TestSealSortsAndDeduplicatesSubjects(t *testing.T) {
	a, b := pseudonym("a"), pseudonym("b")
	in := []string{b, a, b}
	e := audit.Seal(audit.Head{}, audit.Entry{Time: t0, Action: "delete", Subjects: in})
	want := []string{a, b}
	if b < a {
		want = []string{b, a}
	}
	assert.Equal(t, want, e.Subjects)
	assert.Equal(t, []string{b, a, b}, in, "Seal does not modify the caller's slice")

	empty := audit.Seal(audit.Head{}, audit.Entry{Time: t0, Action: "delete", Subjects: []string{}})
	null := audit.Seal(audit.Head{}, audit.Entry{ID: empty.ID, Time: t0, Action: "delete"})
	assert.Equal(t, empty.Hash, null.Hash, "nil and empty Subjects hash alike, as SQL returns either")
}

func TestHashCoversEveryField(t *testing.T) {
	base := audit.Seal(audit.Head{Seq: 4, Hash: strings.Repeat("a", 64)}, audit.Entry{
		Time: t0, Action: "anonymize", Dataset: "access_log", Rule: "r", Count: 3,
		Subjects: []string{pseudonym("x")}, Policy: "p", Note: "n",
	})
	mutations := map[string]func(*audit.Entry){
		"Seq":      func(e *audit.Entry) { e.Seq++ },
		"ID":       func(e *audit.Entry) { e.ID = "other" },
		"Time":     func(e *audit.Entry) { e.Time = e.Time.Add(time.Microsecond) },
		"Action":   func(e *audit.Entry) { e.Action = "delete" },
		"Dataset":  func(e *audit.Entry) { e.Dataset = "other" },
		"Rule":     func(e *audit.Entry) { e.Rule = "other" },
		"Count":    func(e *audit.Entry) { e.Count++ },
		"Subjects": func(e *audit.Entry) { e.Subjects = nil },
		"Policy":   func(e *audit.Entry) { e.Policy = "q" },
		"Note":     func(e *audit.Entry) { e.Note = "m" },
		"Prev":     func(e *audit.Entry) { e.Prev = "" },
	}
	for field, mutate := range mutations {
		t.Run(field, func(t *testing.T) {
			e := base
			e.Subjects = append([]string(nil), base.Subjects...)
			mutate(&e)
			assert.NotEqual(t, base.Hash, e.ComputeHash(), "changing %s must change the hash", field)
		})
	}
}

func TestHashIsUnambiguousAcrossFieldBoundaries(t *testing.T) {
	a := audit.Seal(audit.Head{}, audit.Entry{ID: "x", Time: t0, Action: "ab", Dataset: "c"})
	b := audit.Seal(audit.Head{}, audit.Entry{ID: "x", Time: t0, Action: "a", Dataset: "bc"})
	assert.NotEqual(t, a.Hash, b.Hash, "moving text from one field to the next must change the hash")
}

func TestValidate(t *testing.T) {
	ok := audit.Entry{Time: t0, Action: "delete", Count: 1, Subjects: []string{pseudonym("Erika Mustermann")}}
	require.NoError(t, ok.Validate())
	require.True(t, audit.IsPseudonym(pseudonym("x")))
	padded := "key-2024.1:" + base64.URLEncoding.EncodeToString(make([]byte, 32))
	require.NoError(t, audit.Entry{Time: t0, Action: "a", Subjects: []string{padded}}.Validate(), "padded base64url is accepted")

	tests := []struct {
		name  string
		entry audit.Entry
		want  string
	}{
		{"zero time", audit.Entry{Action: "delete"}, "time is zero"},
		{"no action", audit.Entry{Time: t0}, "action is empty"},
		{"negative count", audit.Entry{Time: t0, Action: "delete", Count: -1}, "count -1 is negative"},
		{"name", audit.Entry{Time: t0, Action: "delete", Subjects: []string{"Erika Mustermann"}}, "subjects[0] is not a keyed pseudonym"},
		{"e-mail", audit.Entry{Time: t0, Action: "delete", Subjects: []string{pseudonym("a"), "erika@example.org"}}, "subjects[1]"},
		{"IPv4", audit.Entry{Time: t0, Action: "delete", Subjects: []string{"192.0.2.7"}}, "no ':'"},
		{"IPv6", audit.Entry{Time: t0, Action: "delete", Subjects: []string{"2001:db8::7"}}, "not base64url"},
		{"record ID", audit.Entry{Time: t0, Action: "delete", Subjects: []string{"4711"}}, "no ':'"},
		{"short digest", audit.Entry{Time: t0, Action: "delete", Subjects: []string{"k1:c2hvcnQ"}}, "at least 16"},
		{"empty key ID", audit.Entry{Time: t0, Action: "delete", Subjects: []string{":" + pseudonym("a")[3:]}}, "key ID before ':' is empty"},
		{"key ID with space", audit.Entry{Time: t0, Action: "delete", Subjects: []string{"Max M:" + pseudonym("a")[3:]}}, "key ID may hold only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.entry.Validate()
			require.ErrorIs(t, err, audit.ErrInvalid)
			assert.Contains(t, err.Error(), tt.want)
			for _, s := range tt.entry.Subjects {
				if !audit.IsPseudonym(s) {
					assert.NotContains(t, err.Error(), s, "the error must not repeat the raw value")
				}
			}
		})
	}
}
