package audit_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/audit"
)

// chain returns a genuine log of n entries.
func chain(n int) []audit.Entry {
	var log []audit.Entry
	var head audit.Head
	for i := range n {
		e := audit.Seal(head, audit.Entry{
			Time: t0.Add(time.Duration(i) * time.Minute), Action: "delete", Dataset: "appointment",
			Rule: "delete_after_14d_appointment_at", Count: i + 1, Subjects: []string{pseudonym(fmt.Sprint(i))},
		})
		log = append(log, e)
		head = e.Head()
	}
	return log
}

func TestVerifyAcceptsGenuineLog(t *testing.T) {
	log := chain(5)
	head, err := audit.Verify(log, nil)
	require.NoError(t, err)
	assert.Equal(t, log[4].Head(), head)

	want := log[4].Head()
	head, err = audit.Verify(log, &want)
	require.NoError(t, err, "a log that reaches the expected head verifies")
	assert.Equal(t, want, head)

	older := log[2].Head()
	_, err = audit.Verify(log, &older)
	require.NoError(t, err, "a log that has grown past the expected head verifies")

	head, err = audit.Verify(nil, nil)
	require.NoError(t, err)
	assert.Equal(t, audit.Head{}, head, "the empty log has the zero head")
}

func TestVerifyFindsTampering(t *testing.T) {
	forge := func(prev audit.Entry) audit.Entry {
		return audit.Seal(prev.Head(), audit.Entry{Time: prev.Time, Action: "delete", Count: 99})
	}
	tests := []struct {
		name    string
		tamper  func(log []audit.Entry) []audit.Entry
		want    *audit.Head // nil: use none
		kind    audit.VerifyKind
		seq     uint64
		idOfSeq bool // the error names the ID of the original entry at seq
	}{
		{
			name:   "changed field",
			tamper: func(l []audit.Entry) []audit.Entry { l[2].Count = 1000; return l },
			kind:   audit.Changed, seq: 3, idOfSeq: true,
		},
		{
			name:   "changed subject",
			tamper: func(l []audit.Entry) []audit.Entry { l[1].Subjects = nil; return l },
			kind:   audit.Changed, seq: 2, idOfSeq: true,
		},
		{
			name: "changed and re-sealed",
			tamper: func(l []audit.Entry) []audit.Entry {
				e := l[2]
				e.Count = 0
				e.Hash = e.ComputeHash()
				l[2] = e
				return l
			},
			kind: audit.Changed, seq: 3, idOfSeq: true,
		},
		{
			name:   "removed from the middle",
			tamper: func(l []audit.Entry) []audit.Entry { return slices.Delete(l, 2, 3) },
			kind:   audit.Removed, seq: 3,
		},
		{
			name:   "removed first",
			tamper: func(l []audit.Entry) []audit.Entry { return l[1:] },
			kind:   audit.Removed, seq: 1,
		},
		{
			name: "forged entry inserted before the genuine one",
			tamper: func(l []audit.Entry) []audit.Entry {
				return slices.Insert(l, 2, forge(l[1]))
			},
			kind: audit.Inserted, seq: 3,
		},
		{
			name: "forged entry inserted after the genuine one",
			tamper: func(l []audit.Entry) []audit.Entry {
				return slices.Insert(l, 3, forge(l[1]))
			},
			kind: audit.Inserted, seq: 3,
		},
		{
			name:   "duplicated entry",
			tamper: func(l []audit.Entry) []audit.Entry { return slices.Insert(l, 3, l[2]) },
			kind:   audit.Inserted, seq: 3, idOfSeq: true,
		},
		{
			name:   "old entry copied to the end",
			tamper: func(l []audit.Entry) []audit.Entry { return append(l, l[1]) },
			kind:   audit.Inserted, seq: 2, idOfSeq: true,
		},
		{
			name: "swapped",
			tamper: func(l []audit.Entry) []audit.Entry {
				l[2], l[3] = l[3], l[2]
				return l
			},
			kind: audit.Reordered, seq: 3, idOfSeq: true,
		},
		{
			name:   "truncated",
			tamper: func(l []audit.Entry) []audit.Entry { return l[:3] },
			want:   &audit.Head{Seq: 5},
			kind:   audit.Truncated, seq: 4,
		},
		{
			name:   "emptied",
			tamper: func(l []audit.Entry) []audit.Entry { return nil },
			want:   &audit.Head{Seq: 5},
			kind:   audit.Truncated, seq: 1,
		},
		{
			name:   "fork at the end",
			tamper: func(l []audit.Entry) []audit.Entry { return append(l, forge(l[3])) },
			kind:   audit.Forked, seq: 5,
		},
		{
			name: "rewritten and re-sealed from the third entry on",
			tamper: func(l []audit.Entry) []audit.Entry {
				head := l[1].Head()
				for i := 2; i < len(l); i++ {
					e := l[i]
					e.Count = 0
					l[i] = audit.Seal(head, e)
					head = l[i].Head()
				}
				return l
			},
			want: &audit.Head{Seq: 5},
			kind: audit.Forked, seq: 5,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := chain(5)
			want := tt.want
			if want != nil && want.Hash == "" && want.Seq == 5 {
				w := orig[4].Head()
				want = &w
			}
			log := tt.tamper(slices.Clone(orig))
			_, err := audit.Verify(log, want)
			require.Error(t, err)
			require.ErrorIs(t, err, audit.ErrBroken)
			var ve *audit.VerifyError
			require.True(t, errors.As(err, &ve), "Verify returns a *VerifyError")
			assert.Equal(t, tt.kind, ve.Kind, "kind; error: %v", err)
			assert.Equal(t, tt.seq, ve.Seq, "position; error: %v", err)
			assert.NotEmpty(t, ve.Reason)
			if tt.idOfSeq {
				assert.Equal(t, orig[tt.seq-1].ID, ve.ID, "the error names the entry")
			}
		})
	}
}

func TestVerifyErrorMessage(t *testing.T) {
	err := &audit.VerifyError{Seq: 7, ID: "x", Kind: audit.Changed, Reason: "because"}
	assert.Equal(t, "audit: chain broken at entry 7 (x): changed: because", err.Error())
	assert.Equal(t, "audit: chain broken at entry 3: removed: r", (&audit.VerifyError{Seq: 3, Kind: audit.Removed, Reason: "r"}).Error())
	for k, s := range map[audit.VerifyKind]string{audit.Changed: "changed", audit.Removed: "removed", audit.Inserted: "inserted",
		audit.Reordered: "reordered", audit.Truncated: "truncated", audit.Forked: "forked", audit.BadBase: "base", audit.Early: "early", 0: "VerifyKind(0)"} {
		assert.Equal(t, s, k.String())
	}
}

func TestVerifierPagesThroughLongLog(t *testing.T) {
	log := chain(1000)
	want := log[999].Head()
	// Verify page by page, carrying only the head between pages.
	var head audit.Head
	for page := range 10 {
		v := audit.NewVerifier(head, &want)
		for _, e := range log[page*100 : (page+1)*100] {
			require.NoError(t, v.Add(e))
		}
		head = v.Head()
	}
	v := audit.NewVerifier(head, &want)
	got, err := v.Done()
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

func TestVerifierKeepsReportingFirstError(t *testing.T) {
	log := chain(4)
	log[1].Count = 0
	v := audit.NewVerifier(audit.Head{}, nil)
	require.NoError(t, v.Add(log[0]))
	first := v.Add(log[1])
	require.ErrorIs(t, first, audit.ErrBroken)
	assert.Equal(t, first, v.Add(log[2]), "a broken chain stays broken")
	assert.Equal(t, log[0].Head(), v.Head(), "the head is the last entry accepted")
	_, err := v.Done()
	assert.Equal(t, first, err)
}

func TestVerifierReportsGapAsRemoved(t *testing.T) {
	log := chain(4)
	v := audit.NewVerifier(audit.Head{}, nil)
	require.NoError(t, v.Add(log[0]))
	err := v.Add(log[2])
	var ve *audit.VerifyError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, audit.Removed, ve.Kind, "a Verifier cannot look ahead: a gap is a removal")
	assert.Equal(t, uint64(2), ve.Seq)
}
