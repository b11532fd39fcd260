package audit_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/audit"
)

// dropped returns a signed log of n entries with its first k dropped as a
// backend drops them: the Base of entry k, and the kept entries followed
// by the entry that records the drop.
func dropped(t *testing.T, s *audit.Signer, n, k int) (audit.Base, []audit.Entry) {
	t.Helper()
	log := signedLog(t, s, n)
	last := log[k-1]
	b := audit.NewBase(last.Head(), last.Time, log[0].Hash, s)
	kept := append([]audit.Entry(nil), log[k:]...)
	rec := audit.DropEntry(audit.Entry{Time: log[n-1].Time}.SignedBy(s), 1, uint64(k), k)
	kept = append(kept, audit.Seal(log[n-1].Head(), rec))
	return b, kept
}

func verifyFrom(b audit.Base, entries []audit.Entry, keys audit.Keys, from uint64) error {
	v := audit.NewVerifierFrom(b, nil)
	if keys != nil {
		v.RequireSignatures(keys, from)
	}
	for _, e := range entries {
		if err := v.Add(e); err != nil {
			return err
		}
	}
	_, err := v.Done()
	return err
}

func TestVerifyFromBaseAcceptsTheKeptLog(t *testing.T) {
	s := signer(t, "k1", 1)
	b, kept := dropped(t, s, 10, 4)
	keys := audit.Keys{"k1": s.PublicKey().Key}
	require.NoError(t, verifyFrom(b, kept, keys, 0))
	head, err := audit.VerifyFrom(b, kept, nil)
	require.NoError(t, err)
	assert.Equal(t, kept[len(kept)-1].Head(), head)
	first, last, ok := audit.ParseDrop(kept[len(kept)-1])
	require.True(t, ok)
	assert.Equal(t, []uint64{1, 4}, []uint64{first, last})
	assert.Equal(t, 4, kept[len(kept)-1].Count)
}

// Each attack on the Base is found and named as what it is. Each case was
// seen to fail against a deliberately broken Verifier: with checkBase
// returning nil ("unsigned", "other key", "signed base changed"); with
// Done's drop-entry comparison removed ("no drop entry", "base moved
// forward, unsigned"); with the first case of check removed, "seq moved
// forward" was reported as an inserted entry; with the BadBase case of check removed, the error
// was the generic "sealed to a different version" of kind Changed ("hash
// changed").
func TestVerifyFromBaseFindsForgedBase(t *testing.T) {
	s := signer(t, "k1", 1)
	other := signer(t, "k1", 2)
	keys := audit.Keys{"k1": s.PublicKey().Key}
	tests := []struct {
		name   string
		forge  func(b audit.Base, kept []audit.Entry) (audit.Base, []audit.Entry)
		keys   audit.Keys
		kind   audit.VerifyKind
		reason string
	}{{
		name: "unsigned", keys: keys, kind: audit.BadBase, reason: "not signed",
		forge: func(b audit.Base, kept []audit.Entry) (audit.Base, []audit.Entry) {
			b.Sig = ""
			return b, kept
		},
	}, {
		name: "other key", keys: keys, kind: audit.BadBase, reason: "does not verify",
		forge: func(b audit.Base, kept []audit.Entry) (audit.Base, []audit.Entry) {
			return audit.NewBase(b.Head(), b.Time, b.Genesis, other), kept
		},
	}, {
		name: "signed base changed", keys: keys, kind: audit.BadBase, reason: "does not verify",
		forge: func(b audit.Base, kept []audit.Entry) (audit.Base, []audit.Entry) {
			b.Genesis = "0000"
			return b, kept
		},
	}, {
		// Entries 5 and 6 deleted and the base moved to 6 without the
		// key: the drop entry still names 4.
		name: "base moved forward, unsigned", kind: audit.BadBase, reason: "the latest drop, recorded by entry 11, dropped entries up to 4",
		forge: func(b audit.Base, kept []audit.Entry) (audit.Base, []audit.Entry) {
			e := kept[1]
			return audit.NewBase(e.Head(), e.Time, b.Genesis, nil), kept[2:]
		},
	}, {
		// Entries 1 to 6 of a log never dropped deleted, and a base
		// stored: no entry records a drop.
		name: "no drop entry", kind: audit.BadBase, reason: "no kept entry records a drop",
		forge: func(b audit.Base, kept []audit.Entry) (audit.Base, []audit.Entry) {
			log := signedLog(t, s, 10)
			return audit.NewBase(log[5].Head(), log[5].Time, log[0].Hash, nil), log[6:]
		},
	}, {
		name: "hash changed", kind: audit.BadBase, reason: "not the one the base records",
		forge: func(b audit.Base, kept []audit.Entry) (audit.Base, []audit.Entry) {
			b.Hash = kept[0].Hash
			return b, kept
		},
	}, {
		name: "seq moved forward", kind: audit.BadBase, reason: "the base says entries up to 6 were dropped, but this entry is kept",
		forge: func(b audit.Base, kept []audit.Entry) (audit.Base, []audit.Entry) {
			b.Seq = 6
			return b, kept
		},
	}, {
		name: "seq moved back", kind: audit.Removed, reason: "between the base (entry 3, the last dropped) and entry 5",
		forge: func(b audit.Base, kept []audit.Entry) (audit.Base, []audit.Entry) {
			b.Seq = 3
			return b, kept
		},
	}, {
		name: "base deleted", kind: audit.Removed, reason: "entries 1 to 4 are missing before entry 5",
		forge: func(b audit.Base, kept []audit.Entry) (audit.Base, []audit.Entry) {
			return audit.Base{}, kept
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, kept := dropped(t, s, 10, 4)
			b, kept = tt.forge(b, kept)
			err := verifyFrom(b, kept, tt.keys, 0)
			var ve *audit.VerifyError
			require.True(t, errors.As(err, &ve), "%v", err)
			assert.Equal(t, tt.kind, ve.Kind, "%v", err)
			assert.Contains(t, ve.Reason, tt.reason)
			assert.ErrorIs(t, err, audit.ErrBroken)
			_, err = audit.VerifyFrom(b, kept, nil)
			if tt.keys == nil {
				assert.Error(t, err, "found without keys too")
			}
		})
	}
}

// A Base at or before the position signatures are required from is let
// through unsigned, like the entries there; one after it is not. Broken
// by: comparing with < instead of <= in checkBase (the base at 4 with
// from 4 was refused).
func TestVerifyFromBaseSignedFrom(t *testing.T) {
	s := signer(t, "k1", 1)
	keys := audit.Keys{"k1": s.PublicKey().Key}
	b, kept := dropped(t, s, 10, 4)
	b.Sig = ""
	require.NoError(t, verifyFrom(b, kept, keys, 4))
	require.Error(t, verifyFrom(b, kept, keys, 3))
}

// ParseDrop reads only the entries DropEntry makes: a copy of one in
// another log, whose note goes on, is not a drop of this log.
func TestParseDropReadsOnlyDropEntries(t *testing.T) {
	e := audit.DropEntry(audit.Entry{Action: "delete", Dataset: "x", Subjects: []string{"a:b"}}, 3, 9, 7)
	assert.Equal(t, audit.DropAction, e.Action)
	assert.Empty(t, e.Dataset)
	assert.Nil(t, e.Subjects)
	_, last, ok := audit.ParseDrop(e)
	assert.True(t, ok)
	assert.Equal(t, uint64(9), last)
	e.Note += "; chain abc seq 4 hash def"
	_, _, ok = audit.ParseDrop(e)
	assert.False(t, ok)
	_, _, ok = audit.ParseDrop(audit.Entry{Action: "delete", Note: "entries 1 to 2 dropped: their retention ended"})
	assert.False(t, ok)
}

// LatestDrop returns the latest drop entry seen, the one Done matches to
// the Base, so that its time can be checked against the declaration; an
// entry that only looks like one (another Note) is not taken for it.
// Seen to fail: with Add keeping the first drop entry for LatestDrop
// instead of the latest, it returned entry 7, the drop of entries 1 to 2.
func TestVerifierLatestDropIsTheOneDoneMatches(t *testing.T) {
	s := signer(t, "k1", 1)
	log := signedLog(t, s, 6)
	// Two drops in the kept part: of 1 to 2, then of 3 to 4.
	b := audit.NewBase(log[3].Head(), log[3].Time, log[0].Hash, s)
	kept := append([]audit.Entry(nil), log[4:]...)
	first := audit.Seal(kept[len(kept)-1].Head(), audit.DropEntry(audit.Entry{Time: log[5].Time}.SignedBy(s), 1, 2, 2))
	kept = append(kept, first)
	second := audit.Seal(first.Head(), audit.DropEntry(audit.Entry{Time: log[5].Time}.SignedBy(s), 3, 4, 2))
	kept = append(kept, second)
	fake := audit.Seal(second.Head(), audit.Entry{Time: log[5].Time, Action: audit.DropAction, Note: "entries 1 to 9 dropped: see there"}.SignedBy(s))
	kept = append(kept, fake)

	v := audit.NewVerifierFrom(b, nil)
	_, ok := v.LatestDrop()
	assert.False(t, ok, "no drop seen yet")
	for _, e := range kept {
		require.NoError(t, v.Add(e))
	}
	_, err := v.Done()
	require.NoError(t, err)
	got, ok := v.LatestDrop()
	require.True(t, ok)
	assert.Equal(t, second.Seq, got.Seq)
	assert.Equal(t, second.Hash, got.Hash)
}
