package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

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
	// Ledger encrypts the erasure ledger (package ledger), with the key
	// ring "ledger" that frist replay reads from the same file. Key files
	// written before it existed have none; -ledger then asks for one.
	Ledger *anonymize.KeyRing
}

// keyNames are the rings of Keys in the order of the key file, each
// required.
var keyNames = []string{"audit", "links", "subjects", "tokens"}

// optionalKeyNames are rings a new key file gets and an older one may lack.
var optionalKeyNames = []string{"ledger"}

// ErrKeyFile is returned for a key file that cannot be used.
var ErrKeyFile = errors.New("booking: unusable key file")

// LoadOrCreateKeys reads the key file at path, in the format of frist's
// command line and library ("RING ID SECRET" lines, anonymize.ReadKeyFile),
// or creates it with fresh random keys (mode 0600) when it does not exist;
// "frist keys new FILE audit links subjects tokens ledger" creates the same. A key
// file in the JSON form of earlier versions is converted in place, keeping
// its keys and their IDs, so that pseudonyms made with them still verify.
// The secrets are additional information that must be "kept separately"
// from the pseudonymised data (Art. 4(5)): keep the file out of the
// database's backups.
func LoadOrCreateKeys(path string) (*Keys, error) {
	raw, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		lines, err := anonymize.NewKeyLines(append(slices.Clone(keyNames), optionalKeyNames...)...)
		if err != nil {
			return nil, err
		}
		if err := anonymize.WriteKeyFile(path, lines); err != nil {
			return nil, fmt.Errorf("booking: creating key file: %w", err)
		}
	case err != nil:
		return nil, fmt.Errorf("booking: reading key file: %w", err)
	case strings.HasPrefix(strings.TrimSpace(string(raw)), "{"):
		if err := convertJSONKeys(path, raw); err != nil {
			return nil, err
		}
	}
	rings, err := anonymize.ReadKeyFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKeyFile, err)
	}
	k := &Keys{Audit: rings["audit"], Links: rings["links"], Subjects: rings["subjects"], Tokens: rings["tokens"], Ledger: rings["ledger"]}
	for _, n := range keyNames {
		if rings[n] == nil {
			return nil, fmt.Errorf("%w %s: no key of the ring %q; the service needs the rings %s (frist keys new FILE %s)",
				ErrKeyFile, path, n, strings.Join(keyNames, ", "), strings.Join(keyNames, " "))
		}
	}
	return k, nil
}

// convertJSONKeys rewrites a key file of the JSON form of earlier versions
// (one base64 secret per ring) as "RING ID SECRET" lines, with the key IDs
// those versions used.
func convertJSONKeys(path string, raw []byte) error {
	var secrets map[string]string
	if err := json.Unmarshal(raw, &secrets); err != nil {
		return fmt.Errorf("%w %s: %v", ErrKeyFile, path, err)
	}
	var lines []anonymize.KeyLine
	for _, n := range keyNames {
		b, err := base64.StdEncoding.DecodeString(secrets[n])
		if err != nil || len(b) < anonymize.MinKeySize {
			return fmt.Errorf("%w %s: key %q is not %d bytes of base64", ErrKeyFile, path, n, anonymize.MinKeySize)
		}
		lines = append(lines, anonymize.KeyLine{Ring: n, Key: anonymize.Key{ID: n + "1", Secret: b}})
	}
	tmp := path + ".converting"
	_ = os.Remove(tmp)
	if err := anonymize.WriteKeyFile(tmp, lines); err != nil {
		return fmt.Errorf("booking: converting the key file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("booking: converting the key file: %w", err)
	}
	return nil
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
