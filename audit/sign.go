package audit

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// SignatureLabel is the label under which the seed of a Signer is derived
// from a key ring's secret (anonymize.KeyRing.DeriveKey), so that every
// component that appends to the log signs with the same key.
const SignatureLabel = "frist audit ed25519 v1"

// Signer signs the entries it is attached to (Entry.SignedBy) when they
// are sealed, with an Ed25519 key. The hash chain alone shows that a log
// was changed only to someone who knows what it looked like before: anyone
// who can write to the database can rewrite an entry and re-seal every
// entry after it. A signature can be made only with the private key, which
// the application holds apart from the database, and checked by anyone
// with the public key, so that a data-protection officer or a supervisory
// authority can verify the log without being able to forge it (Art. 5(2),
// accountability). Ed25519 rather than an HMAC for that reason: an HMAC
// can be checked only by whoever could also forge it.
type Signer struct {
	id  string
	key ed25519.PrivateKey
}

// NewSigner returns a Signer with the key ID id and the Ed25519 key of the
// 32-byte seed.
func NewSigner(id string, seed []byte) (*Signer, error) {
	if err := checkKeyID(id); err != nil {
		return nil, err
	}
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("audit: a signing seed has %d bytes, want %d", len(seed), ed25519.SeedSize)
	}
	return &Signer{id: id, key: ed25519.NewKeyFromSeed(seed)}, nil
}

// ID returns the signer's key ID.
func (s *Signer) ID() string { return s.id }

// PublicKey returns the key that verifies the signer's signatures.
func (s *Signer) PublicKey() PublicKey {
	return PublicKey{ID: s.id, Key: s.key.Public().(ed25519.PublicKey)}
}

// Sign returns the signature of msg in the form Entry.Sig has,
// "<keyid>:<base64url signature>".
func (s *Signer) Sign(msg []byte) string {
	return s.id + ":" + base64.RawURLEncoding.EncodeToString(ed25519.Sign(s.key, msg))
}

// SignedBy returns e with s attached: Seal then signs the sealed entry's
// hash into Sig. A nil s attaches nothing.
func (e Entry) SignedBy(s *Signer) Entry {
	e.signer = s
	return e
}

// Signer returns the signer attached to e, or nil; Seal detaches it. A
// component that copies an entry into another log attaches it to the copy.
func (e Entry) Signer() *Signer { return e.signer }

// PublicKey is a key that verifies signatures of a Signer.
type PublicKey struct {
	ID  string
	Key ed25519.PublicKey
}

// String returns the key as a line of a public key file:
// "<keyid> ed25519 <base64url key>".
func (p PublicKey) String() string {
	return p.ID + " ed25519 " + base64.RawURLEncoding.EncodeToString(p.Key)
}

// ParsePublicKey reads a key in the form String writes.
func ParsePublicKey(s string) (PublicKey, error) {
	f := strings.Fields(s)
	if len(f) != 3 || f[1] != "ed25519" {
		return PublicKey{}, errors.New(`audit: a public key is "<keyid> ed25519 <base64url key>"`)
	}
	if err := checkKeyID(f[0]); err != nil {
		return PublicKey{}, err
	}
	k, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(f[2], "="))
	if err != nil || len(k) != ed25519.PublicKeySize {
		return PublicKey{}, fmt.Errorf("audit: the public key %s is not %d bytes of base64url", f[0], ed25519.PublicKeySize)
	}
	return PublicKey{ID: f[0], Key: k}, nil
}

// Keys are the public keys a verification accepts, by key ID.
type Keys map[string]ed25519.PublicKey

// CheckSignature reports why sig ("<keyid>:<base64url signature>") is not
// a signature of msg by one of keys, or nil.
func (k Keys) CheckSignature(sig string, msg []byte) error {
	if sig == "" {
		return errors.New("it is not signed")
	}
	id, b64, ok := strings.Cut(sig, ":")
	if !ok {
		return errors.New("its signature is not of the form <keyid>:<signature>")
	}
	pub, ok := k[id]
	if !ok {
		return fmt.Errorf("it is signed with the key %q, which is not among the public keys given", id)
	}
	raw, err := base64.RawURLEncoding.DecodeString(b64)
	if err != nil || !ed25519.Verify(pub, msg, raw) {
		return fmt.Errorf("its signature does not verify with the key %q: it was altered and re-sealed by someone without the private key", id)
	}
	return nil
}

// checkKeyID checks a key ID: 1 to 32 letters, digits, '.', '_' or '-'.
func checkKeyID(id string) error {
	if id == "" || len(id) > 32 {
		return errors.New("audit: a key ID has 1 to 32 characters")
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return errors.New("audit: a key ID holds only letters, digits, '.', '_' and '-'")
		}
	}
	return nil
}
