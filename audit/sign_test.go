package audit_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/audit"
)

func signer(t *testing.T, id string, b byte) *audit.Signer {
	t.Helper()
	s, err := audit.NewSigner(id, []byte(strings.Repeat(string(rune('a'+b)), 32)))
	require.NoError(t, err)
	return s
}

// signedLog seals n entries signed by s.
func signedLog(t *testing.T, s *audit.Signer, n int) []audit.Entry {
	t.Helper()
	var out []audit.Entry
	var head audit.Head
	for i := 0; i < n; i++ {
		e := audit.Seal(head, audit.Entry{Time: time.Date(2026, 1, 1, 0, i, 0, 0, time.UTC), Action: "delete", Dataset: "appointment", Count: i + 1}.SignedBy(s))
		out = append(out, e)
		head = e.Head()
	}
	return out
}

func verifySigned(entries []audit.Entry, keys audit.Keys, from uint64) error {
	v := audit.NewVerifier(audit.Head{}, nil)
	v.RequireSignatures(keys, from)
	for _, e := range entries {
		if err := v.Add(e); err != nil {
			return err
		}
	}
	_, err := v.Done()
	return err
}

// TestSignedEntriesCannotBeResealedWithoutTheKey is the attack the hash
// chain alone does not stop: entry 2 is rewritten and it and every entry
// after it re-sealed. The chain verifies; the signatures do not, neither
// when the forger signs with a key of their own under the same ID nor
// when they leave the signatures off.
//
// Seen to fail: with RequireSignatures not checking Sig in Verifier.check,
// the re-sealed log verified.
func TestSignedEntriesCannotBeResealedWithoutTheKey(t *testing.T) {
	s := signer(t, "k1", 0)
	keys := audit.Keys{"k1": s.PublicKey().Key}
	log := signedLog(t, s, 4)
	require.NoError(t, verifySigned(log, keys, 0))
	for _, e := range log {
		assert.True(t, strings.HasPrefix(e.Sig, "k1:"), e.Sig)
		assert.Nil(t, e.Signer(), "a sealed entry carries no signer")
	}

	forger := signer(t, "k1", 7)
	for name, resign := range map[string]*audit.Signer{"signed with another key": forger, "unsigned": nil} {
		t.Run(name, func(t *testing.T) {
			forged := append([]audit.Entry(nil), log[:1]...)
			head := log[0].Head()
			for i, e := range log[1:] {
				e.ID, e.Seq, e.Prev, e.Hash, e.Sig = "", 0, "", "", ""
				if i == 0 {
					e.Count = 999
				}
				e = audit.Seal(head, e.SignedBy(resign))
				forged = append(forged, e)
				head = e.Head()
			}
			_, err := audit.Verify(forged, nil)
			require.NoError(t, err, "the re-sealed chain verifies by its hashes")
			err = verifySigned(forged, keys, 0)
			var ve *audit.VerifyError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, uint64(2), ve.Seq, "the first re-sealed entry is named")
			assert.Equal(t, audit.Changed, ve.Kind)
		})
	}
}

func TestEntriesBeforeSigningBeganVerifyByTheirHashes(t *testing.T) {
	s := signer(t, "k1", 0)
	var head audit.Head
	var log []audit.Entry
	for i := 0; i < 4; i++ {
		e := audit.Entry{Time: time.Date(2026, 1, 1, 0, i, 0, 0, time.UTC), Action: "delete", Count: 1}
		if i >= 2 {
			e = e.SignedBy(s)
		}
		e = audit.Seal(head, e)
		log = append(log, e)
		head = e.Head()
	}
	keys := audit.Keys{"k1": s.PublicKey().Key}
	assert.NoError(t, verifySigned(log, keys, 2))
	var ve *audit.VerifyError
	require.ErrorAs(t, verifySigned(log, keys, 0), &ve)
	assert.Equal(t, uint64(1), ve.Seq)
	assert.Contains(t, ve.Reason, "not signed")
}

func TestPublicKeysRoundTripAndBadOnesAreRefused(t *testing.T) {
	s := signer(t, "k1", 0)
	p, err := audit.ParsePublicKey(s.PublicKey().String())
	require.NoError(t, err)
	assert.Equal(t, s.PublicKey(), p)
	for _, bad := range []string{"", "k1 rsa AAAA", "k1 ed25519 !!!", "k1 ed25519 AAAA", "k 1 ed25519 x"} {
		_, err := audit.ParsePublicKey(bad)
		assert.Error(t, err, bad)
	}
	_, err = audit.NewSigner("k1", []byte("short"))
	assert.ErrorContains(t, err, "want 32")
	_, err = audit.NewSigner("bad id", make([]byte, 32))
	assert.Error(t, err)
}
