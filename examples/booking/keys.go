package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/frist-go/frist/anonymize"
)

// Keys are the secrets of the service, each a key ring of its own so that a
// pseudonym made for one purpose cannot be replayed for another.
type Keys struct {
	// Audit names subjects in frist's audit log and pseudonymises the
	// evidence of consent grants (Art. 4(5), Art. 5(1)(c)). It is passed
	// to retention.Options.AuditKey and consent.Options.Keys.
	Audit *anonymize.KeyRing
	// Links signs withdrawal links (consent.Options.LinkKeys).
	Links *anonymize.KeyRing
	// Subjects turns a citizen's e-mail address into the surrogate
	// citizen_id stored in appointments and carried by withdrawal links, so
	// that neither holds the address in clear and all bookings of one
	// person share one subject (Art. 7(3): a withdrawal deletes them all).
	Subjects *anonymize.KeyRing
	// Tokens signs the appointment links of confirmation and cancellation
	// pages.
	Tokens *anonymize.KeyRing
}

// keyNames are the rings of Keys in the order of the key file.
var keyNames = []string{"audit", "links", "subjects", "tokens"}

// ErrKeyFile is returned for a key file that cannot be used.
var ErrKeyFile = errors.New("booking: unusable key file")

// LoadOrCreateKeys reads the key file at path, a JSON object with one
// base64 secret of 32 bytes per ring, or creates it with fresh random
// secrets (mode 0600) when it does not exist. The secrets are additional
// information that must be "kept separately" from the pseudonymised data
// (Art. 4(5)): keep the file out of the database's backups.
func LoadOrCreateKeys(path string) (*Keys, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		secrets := make(map[string]string, len(keyNames))
		for _, n := range keyNames {
			b := make([]byte, 32)
			if _, err := rand.Read(b); err != nil {
				return nil, fmt.Errorf("booking: creating keys: %w", err)
			}
			secrets[n] = base64.StdEncoding.EncodeToString(b)
		}
		raw, err = json.MarshalIndent(secrets, "", "  ")
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, raw, 0o600); err != nil {
			return nil, fmt.Errorf("booking: creating key file: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("booking: reading key file: %w", err)
	}
	var secrets map[string]string
	if err := json.Unmarshal(raw, &secrets); err != nil {
		return nil, fmt.Errorf("%w %s: %v", ErrKeyFile, path, err)
	}
	bs := make(map[string][]byte, len(keyNames))
	for _, n := range keyNames {
		b, err := base64.StdEncoding.DecodeString(secrets[n])
		if err != nil {
			return nil, fmt.Errorf("%w %s: key %q is not base64", ErrKeyFile, path, n)
		}
		bs[n] = b
	}
	return newKeys(bs, path)
}

// DeriveKeys derives every ring from seed. The simulation and tests use it
// so that their output is reproducible; a service must use random secrets
// (LoadOrCreateKeys), since anyone who knows the seed can compute every
// pseudonym.
func DeriveKeys(seed string) (*Keys, error) {
	bs := make(map[string][]byte, len(keyNames))
	for _, n := range keyNames {
		sum := sha256.Sum256([]byte("frist booking example " + n + " " + seed))
		bs[n] = sum[:]
	}
	return newKeys(bs, "seed")
}

func newKeys(secrets map[string][]byte, source string) (*Keys, error) {
	rings := make([]*anonymize.KeyRing, len(keyNames))
	for i, n := range keyNames {
		r, err := anonymize.NewKeyRing(anonymize.Key{ID: n + "1", Secret: secrets[n]})
		if err != nil {
			return nil, fmt.Errorf("%w %s: key %q: %v", ErrKeyFile, source, n, err)
		}
		rings[i] = r
	}
	return &Keys{Audit: rings[0], Links: rings[1], Subjects: rings[2], Tokens: rings[3]}, nil
}
