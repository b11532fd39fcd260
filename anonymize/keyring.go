package anonymize

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"strconv"
	"strings"
	"sync"
)

// MinKeySize is the shortest secret, in bytes, that a Key may have: 256
// bits, the output size of SHA-256.
const MinKeySize = 32

// Key is one secret of a key ring. ID is written into every pseudonym made
// with the key, so that pseudonyms made before a rotation can still be
// checked. ID must be 1 to 32 characters of letters, digits, '-', '_' and
// '.'; Secret must be at least MinKeySize bytes of random data.
type Key struct {
	ID     string
	Secret []byte
}

// KeyRing holds the keys of one pseudonymization domain (for example the
// bookings of one service). The last key is current: [KeyRing.Pseudonym]
// uses it, while [KeyRing.Verify] accepts pseudonyms made under any key in
// the ring. Keys are rotated by adding a key ([KeyRing.With]). A KeyRing is
// made with NewKeyRing (the zero KeyRing holds no key and cannot be used),
// is immutable and safe for concurrent use.
//
// Pseudonyms are keyed (HMAC-SHA-256) because an unkeyed hash of personal
// data is not a pseudonym in the sense of GDPR Art. 4(5): the inputs come
// from small spaces that anyone can enumerate. All 2^32 IPv4 addresses are
// hashed in minutes on one GPU, and every German mobile number or every
// e-mail address in a leaked list not much slower, so an unkeyed hash is
// reversed by a lookup table. With a secret key held apart from the data
// ("additional information ... kept separately", Art. 4(5)), reversing a
// pseudonym requires the key. For that reason this package offers no
// unkeyed hashing operator and refuses specs asking for one
// (ErrUnkeyedHash).
type KeyRing struct {
	keys []*ringKey
	byID map[string]*ringKey
}

type ringKey struct {
	id     string
	prefix string // id + ":"
	secret []byte
	pool   sync.Pool
}

// NewKeyRing returns a key ring holding keys, the last of which is current.
// It fails with an error wrapping ErrWeakKey if there is no key, a secret
// is shorter than MinKeySize or an ID is malformed, and with ErrDuplicate if
// an ID repeats. Secrets are copied.
func NewKeyRing(keys ...Key) (*KeyRing, error) {
	if len(keys) == 0 {
		return nil, &opError{op: "keyring", reason: "at least one key is needed", err: ErrWeakKey}
	}
	r := &KeyRing{byID: make(map[string]*ringKey, len(keys))}
	for i, k := range keys {
		where := "key " + strconv.Itoa(i)
		if !validKeyID(k.ID) {
			return nil, &opError{op: "keyring", reason: where + ": ID must be 1 to 32 letters, digits, '-', '_' or '.'", err: ErrWeakKey}
		}
		where = "key " + strconv.Quote(k.ID)
		if len(k.Secret) < MinKeySize {
			return nil, &opError{op: "keyring", reason: where + ": secret has " + strconv.Itoa(len(k.Secret)) +
				" bytes, at least " + strconv.Itoa(MinKeySize) + " are required", err: ErrWeakKey}
		}
		if _, dup := r.byID[k.ID]; dup {
			return nil, &opError{op: "keyring", reason: where + ": ID given twice", err: ErrDuplicate}
		}
		secret := append([]byte(nil), k.Secret...)
		rk := &ringKey{id: k.ID, prefix: k.ID + ":", secret: secret}
		rk.pool.New = func() any { return &macState{h: hmac.New(sha256.New, secret)} }
		r.keys = append(r.keys, rk)
		r.byID[k.ID] = rk
	}
	return r, nil
}

// With returns a new ring with k added as the current key; r is unchanged.
// This is how keys are rotated: pseudonyms made under earlier keys remain
// verifiable as long as those keys stay in the ring.
func (r *KeyRing) With(k Key) (*KeyRing, error) {
	keys := make([]Key, 0, len(r.keys)+1)
	for _, rk := range r.keys {
		keys = append(keys, Key{ID: rk.id, Secret: rk.secret})
	}
	return NewKeyRing(append(keys, k)...)
}

// CurrentID returns the ID of the current key.
func (r *KeyRing) CurrentID() string { return r.keys[len(r.keys)-1].id }

// IDs returns the key IDs in the ring, oldest first.
func (r *KeyRing) IDs() []string {
	ids := make([]string, len(r.keys))
	for i, k := range r.keys {
		ids[i] = k.id
	}
	return ids
}

// Pseudonym returns "<key id>:<base64url HMAC-SHA-256 of value>" under the
// current key. The same value gives the same pseudonym under the same key
// and, without the key, nothing about the value can be learned from it.
func (r *KeyRing) Pseudonym(value string) string {
	k := r.keys[len(r.keys)-1]
	var out [80]byte
	return string(k.appendPseudonym(out[:0], value))
}

// Pseudonyms returns the pseudonym of value under every key of the ring,
// oldest key first and the current one (Pseudonym's) last: what Pseudonym
// returned for value before each rotation. Records and audit entries filed
// under an older key are found again by them.
func (r *KeyRing) Pseudonyms(value string) []string {
	out := make([]string, len(r.keys))
	for i, k := range r.keys {
		var buf [80]byte
		out[i] = string(k.appendPseudonym(buf[:0], value))
	}
	return out
}

// Verify reports whether pseudonym was made from value under one of the
// ring's keys. The comparison takes constant time.
func (r *KeyRing) Verify(value, pseudonym string) bool {
	id, mac, ok := strings.Cut(pseudonym, ":")
	if !ok {
		return false
	}
	k := r.byID[id]
	if k == nil {
		return false
	}
	want, err := base64.RawURLEncoding.DecodeString(mac)
	if err != nil || len(want) != sha256.Size {
		return false
	}
	var sum [sha256.Size]byte
	k.sum(sum[:0], value)
	return hmac.Equal(sum[:], want)
}

type macState struct {
	h   hash.Hash
	buf []byte
}

func (k *ringKey) sum(dst []byte, value string) []byte {
	st := k.pool.Get().(*macState)
	st.h.Reset()
	st.buf = append(st.buf[:0], value...)
	st.h.Write(st.buf)
	dst = st.h.Sum(dst)
	if cap(st.buf) > 4096 {
		st.buf = nil
	}
	k.pool.Put(st)
	return dst
}

func (k *ringKey) appendPseudonym(dst []byte, value string) []byte {
	dst = append(dst, k.prefix...)
	var sum [sha256.Size]byte
	k.sum(sum[:0], value)
	return base64.RawURLEncoding.AppendEncode(dst, sum[:])
}

func validKeyID(id string) bool {
	if id == "" || len(id) > 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// DeriveKey returns a 32-byte key for another use of the secret of the key
// with the given ID, such as encryption: the HMAC-SHA-256 of label under
// that secret. Different labels give independent keys, and none of them
// reveals the secret or the pseudonyms made with it. It returns false for
// an ID the ring does not hold. CurrentID names the key to derive from for
// new data; older IDs serve data written before a rotation.
func (r *KeyRing) DeriveKey(id, label string) ([]byte, bool) {
	k := r.byID[id]
	if k == nil {
		return nil, false
	}
	m := hmac.New(sha256.New, k.secret)
	m.Write([]byte("frist-derive-v1\n"))
	m.Write([]byte(label))
	return m.Sum(nil), true
}
