package anonymize

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testKey returns a deterministic 32-byte secret derived from id.
func testKey(id string) Key {
	return Key{ID: id, Secret: bytes.Repeat([]byte(id+"#"), 32)[:32]}
}

func testRing(t testing.TB, ids ...string) *KeyRing {
	t.Helper()
	keys := make([]Key, len(ids))
	for i, id := range ids {
		keys[i] = testKey(id)
	}
	r, err := NewKeyRing(keys...)
	require.NoError(t, err)
	return r
}

func TestNewKeyRingRefusesWeakKeys(t *testing.T) {
	tests := []struct {
		name     string
		keys     []Key
		sentinel error
		contains string
	}{
		{name: "no keys", keys: nil, sentinel: ErrWeakKey, contains: "at least one key"},
		{name: "31-byte secret", keys: []Key{{ID: "k", Secret: make([]byte, 31)}}, sentinel: ErrWeakKey, contains: "31 bytes, at least 32"},
		{name: "empty ID", keys: []Key{{ID: "", Secret: make([]byte, 32)}}, sentinel: ErrWeakKey, contains: "ID must be"},
		{name: "colon in ID", keys: []Key{{ID: "a:b", Secret: make([]byte, 32)}}, sentinel: ErrWeakKey, contains: "ID must be"},
		{name: "repeated ID", keys: []Key{testKey("k"), testKey("k")}, sentinel: ErrDuplicate, contains: "twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewKeyRing(tt.keys...)
			assert.Nil(t, r)
			require.ErrorIs(t, err, tt.sentinel)
			assert.Contains(t, err.Error(), tt.contains)
		})
	}
}

func TestPseudonymsAreStablePerKeyAndDifferAcrossKeys(t *testing.T) {
	a := testRing(t, "a")
	a2 := testRing(t, "a")
	b := testRing(t, "b")
	values := []string{"", "alice@example.org", "192.0.2.1", "+49 5423 123456", strings.Repeat("x", 10000)}
	for _, v := range values {
		pa := a.Pseudonym(v)
		assert.Equal(t, pa, a.Pseudonym(v), "same key, same value, same pseudonym")
		assert.Equal(t, pa, a2.Pseudonym(v), "a ring rebuilt from the same key gives the same pseudonym")
		assert.NotEqual(t, pa, b.Pseudonym(v), "another key gives another pseudonym")
		assert.True(t, strings.HasPrefix(pa, "a:"), "the pseudonym carries the key ID")
		assert.Len(t, pa, len("a:")+43, "base64url of 32 bytes without padding")
		assert.NotContains(t, pa[2:], "=")
		if v != "" {
			assert.NotContains(t, pa, v)
		}
		assert.True(t, a.Verify(v, pa))
		assert.False(t, b.Verify(v, pa), "a ring without the key cannot verify")
		assert.False(t, a.Verify(v+"!", pa))
	}
	assert.NotEqual(t, a.Pseudonym("x"), a.Pseudonym("y"))
}

func TestKeyRotationKeepsOldPseudonymsVerifiable(t *testing.T) {
	old := testRing(t, "2024")
	p2024 := old.Pseudonym("citizen-17")

	rotated, err := old.With(testKey("2025"))
	require.NoError(t, err)
	assert.Equal(t, "2025", rotated.CurrentID())
	assert.Equal(t, []string{"2024", "2025"}, rotated.IDs())
	assert.Equal(t, "2024", old.CurrentID(), "With leaves the old ring unchanged")

	p2025 := rotated.Pseudonym("citizen-17")
	assert.True(t, strings.HasPrefix(p2025, "2025:"))
	assert.NotEqual(t, p2024, p2025)
	assert.True(t, rotated.Verify("citizen-17", p2024), "a pseudonym made before the rotation is still checkable")
	assert.True(t, rotated.Verify("citizen-17", p2025))
	assert.Equal(t, []string{p2024, p2025}, rotated.Pseudonyms("citizen-17"), "every key's pseudonym, the current one last")
	assert.Equal(t, []string{p2024}, old.Pseudonyms("citizen-17"))

	_, err = old.With(testKey("2024"))
	assert.ErrorIs(t, err, ErrDuplicate)
	_, err = old.With(Key{ID: "short", Secret: []byte("too short")})
	assert.ErrorIs(t, err, ErrWeakKey)
}

func TestVerifyRejectsMalformedPseudonyms(t *testing.T) {
	r := testRing(t, "k")
	good := r.Pseudonym("v")
	for _, p := range []string{"", "k", "k:", "x:" + good[2:], "k:" + good[2:len(good)-1], "k:!!!!", good + "A", strings.ToUpper(good)} {
		assert.False(t, r.Verify("v", p), "%q", p)
	}
}

func TestKeyRingCopiesSecrets(t *testing.T) {
	k := testKey("k")
	r, err := NewKeyRing(k)
	require.NoError(t, err)
	before := r.Pseudonym("v")
	for i := range k.Secret {
		k.Secret[i] = 0
	}
	assert.Equal(t, before, r.Pseudonym("v"), "changing the caller's slice does not change the ring")
}

// The expected value was computed independently with Python's hmac module:
// base64.urlsafe_b64encode(hmac.new(b"\x2a"*32, b"erika.mustermann@example.org", hashlib.sha256).digest()).
func TestPseudonymIsBase64URLOfHMACSHA256(t *testing.T) {
	r, err := NewKeyRing(Key{ID: "2024", Secret: bytes.Repeat([]byte{0x2a}, 32)})
	require.NoError(t, err)
	assert.Equal(t, "2024:AeDmeQRZKXYwbhJo_kvbgfEhVBtyEudKCrsSSS1EyB0", r.Pseudonym("erika.mustermann@example.org"))
}

func TestDeriveKeyIsPerLabelPerKeyAndNotThePseudonym(t *testing.T) {
	a := Key{ID: "a", Secret: []byte("0123456789abcdef0123456789abcdef")}
	b := Key{ID: "b", Secret: []byte("fedcba9876543210fedcba9876543210")}
	ring, err := NewKeyRing(a, b)
	require.NoError(t, err)
	k1, ok := ring.DeriveKey("a", "ledger")
	require.True(t, ok)
	require.Len(t, k1, 32)
	k2, _ := ring.DeriveKey("a", "ledger")
	assert.Equal(t, k1, k2, "the same key and label give the same key")
	other, _ := ring.DeriveKey("b", "ledger")
	assert.NotEqual(t, k1, other, "another key gives another derived key")
	label, _ := ring.DeriveKey("a", "audit")
	assert.NotEqual(t, k1, label, "another label gives another derived key")
	_, ok = ring.DeriveKey("c", "ledger")
	assert.False(t, ok, "an ID the ring does not hold")
	assert.NotContains(t, ring.Pseudonym("ledger"), base64.RawURLEncoding.EncodeToString(k1), "a derived key is not the pseudonym of its label")
}
