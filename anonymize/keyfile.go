package anonymize

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// The key file is the one format in which frist, its command line and
// applications keep key rings: UTF-8 text, one key a line,
//
//	RING ID SECRET
//
// RING names the ring (the name a declaration's pseudonym(key=RING) or
// subject_key uses, or "audit"), ID is the key's ID (Key.ID) and SECRET
// is at least MinKeySize random bytes in base64 (standard or URL
// alphabet, padded or not). Blank lines and lines starting with "#" are
// ignored. Several lines of one ring rotate it: the last is current, the
// earlier ones still verify. The secrets are the "additional information"
// that Art. 4(5) GDPR requires to be kept separately from the
// pseudonymised data: keep the file out of the database's backups,
// readable only by the service's user (mode 0600).

// ErrKeyFile is returned for a key file that cannot be read or used; the
// message names the file and line, never a secret.
var ErrKeyFile = errors.New("anonymize: unusable key file")

// ReadKeyFile reads the key file at path and returns its rings by name.
func ReadKeyFile(path string) (map[string]*KeyRing, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKeyFile, err)
	}
	defer f.Close()
	return ParseKeyFile(f, path)
}

// ParseKeyFile reads a key file from r; name is the file's name for
// messages.
func ParseKeyFile(r io.Reader, name string) (map[string]*KeyRing, error) {
	byRing := map[string][]Key{}
	var order []string
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if line == 1 && strings.HasPrefix(text, "{") {
			return nil, fmt.Errorf("%w %s:1: a JSON key file of an older version; convert it to \"RING ID SECRET\" lines (the booking example converts its own on start)", ErrKeyFile, name)
		}
		parts := strings.Fields(text)
		if len(parts) != 3 {
			return nil, fmt.Errorf("%w %s:%d: expected \"RING ID SECRET\", got %d words", ErrKeyFile, name, line, len(parts))
		}
		secret, err := decodeSecret(parts[2])
		if err != nil {
			return nil, fmt.Errorf("%w %s:%d: the secret of key %s is not base64", ErrKeyFile, name, line, parts[1])
		}
		if _, ok := byRing[parts[0]]; !ok {
			order = append(order, parts[0])
		}
		byRing[parts[0]] = append(byRing[parts[0]], Key{ID: parts[1], Secret: secret})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w %s: %v", ErrKeyFile, name, err)
	}
	rings := make(map[string]*KeyRing, len(byRing))
	for _, ring := range order {
		r, err := NewKeyRing(byRing[ring]...)
		if err != nil {
			return nil, fmt.Errorf("%w %s: ring %q: %v", ErrKeyFile, name, ring, err)
		}
		rings[ring] = r
	}
	return rings, nil
}

// decodeSecret decodes standard or URL base64, padded or not.
func decodeSecret(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not base64")
}

// KeyLine is one line of a key file.
type KeyLine struct {
	Ring string
	Key  Key
}

// NewKeyLines returns a fresh key of MinKeySize random bytes, with ID
// ring+"1", for each ring.
func NewKeyLines(rings ...string) ([]KeyLine, error) {
	out := make([]KeyLine, 0, len(rings))
	for _, r := range rings {
		if !validKeyID(r) {
			return nil, fmt.Errorf("%w: %q is not a ring name (letters, digits, -, _ and .)", ErrKeyFile, r)
		}
		secret := make([]byte, MinKeySize)
		if _, err := rand.Read(secret); err != nil {
			return nil, fmt.Errorf("anonymize: creating keys: %w", err)
		}
		out = append(out, KeyLine{Ring: r, Key: Key{ID: r + "1", Secret: secret}})
	}
	return out, nil
}

// WriteKeyFile writes lines as a new key file at path with mode 0600. It
// never overwrites: an existing file is an error wrapping os.ErrExist.
// The file is written under a temporary name and renamed, so a crash
// leaves no half-written key file.
func WriteKeyFile(path string, lines []KeyLine) error {
	var b bytes.Buffer
	b.WriteString("# frist key file: RING ID SECRET. Keep it secret and out of the database's backups (Art. 4(5) GDPR).\n")
	for _, l := range lines {
		if !validKeyID(l.Ring) || !validKeyID(l.Key.ID) || len(l.Key.Secret) < MinKeySize {
			return fmt.Errorf("%w: ring %q key %q cannot be written", ErrKeyFile, l.Ring, l.Key.ID)
		}
		fmt.Fprintf(&b, "%s %s %s\n", l.Ring, l.Key.ID, base64.StdEncoding.EncodeToString(l.Key.Secret))
	}
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("%w: %s: %w", ErrKeyFile, path, os.ErrExist)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".frist-keys-*")
	if err != nil {
		return fmt.Errorf("%w: %v", ErrKeyFile, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("%w: %v", ErrKeyFile, err)
	}
	if _, err := tmp.Write(b.Bytes()); err != nil {
		tmp.Close()
		return fmt.Errorf("%w: %v", ErrKeyFile, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("%w: %v", ErrKeyFile, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("%w: %v", ErrKeyFile, err)
	}
	// Link refuses an existing target, so two writers cannot both win.
	if err := os.Link(tmp.Name(), path); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrKeyFile, path, err)
	}
	return nil
}
