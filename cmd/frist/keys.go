package main

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"strings"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/policy"
)

// auditRing is the name of the key ring that pseudonymizes subjects in
// audit entries.
const auditRing = "audit"

// keysHelp explains the key file in every usage text that takes one.
const keysHelp = `Keys are read from the file named by --keys (default: $FRIST_KEYS), one
key a line, "RING ID SECRET", SECRET being at least 32 random bytes in
base64. The ring "audit" pseudonymizes subjects in audit entries; other
rings are those the declaration's operators name (pseudonym(key=RING)).
Several lines of one ring rotate it: the last is current. Create one with
  printf 'audit k1 %s\n' "$(head -c 32 /dev/urandom | base64)" > frist.keys
  chmod 600 frist.keys
`

// keys are the key rings the engine needs.
type keys struct {
	audit *anonymize.KeyRing
	rings map[string]*anonymize.KeyRing
}

// ringsNeeded returns the key ring names decl's operators use.
func ringsNeeded(decl *policy.Declaration) []string {
	if decl == nil {
		return nil
	}
	var names []string
	seen := map[string]bool{}
	for _, ds := range decl.Datasets {
		for _, r := range ds.Rules {
			for _, fo := range r.Anonymize {
				spec, err := anonymize.Parse(fo.Op)
				if err != nil || spec.KeyName() == "" || seen[spec.KeyName()] {
					continue
				}
				seen[spec.KeyName()] = true
				names = append(names, spec.KeyName())
			}
		}
	}
	return names
}

// readKeys reads the key file at path and checks that it holds the audit
// ring and every ring decl needs. It warns on warn when the file is
// readable by others.
func readKeys(path string, decl *policy.Declaration, warn func(string)) (*keys, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the key file: %v", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().Perm()&0o077 != 0 {
		warn(fmt.Sprintf("the key file %s is readable by others (mode %v); restrict it with chmod 600", path, fi.Mode().Perm()))
	}
	byRing := map[string][]anonymize.Key{}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		parts := strings.Fields(text)
		if len(parts) != 3 {
			return nil, fmt.Errorf("%s:%d: expected \"RING ID SECRET\", got %d words", path, line, len(parts))
		}
		secret, err := decodeSecret(parts[2])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: the secret of key %s is not base64", path, line, parts[1])
		}
		byRing[parts[0]] = append(byRing[parts[0]], anonymize.Key{ID: parts[1], Secret: secret})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %v", path, err)
	}
	k := &keys{rings: map[string]*anonymize.KeyRing{}}
	for ring, ks := range byRing {
		r, err := anonymize.NewKeyRing(ks...)
		if err != nil {
			return nil, fmt.Errorf("%s: ring %q: %v", path, ring, err)
		}
		if ring == auditRing {
			k.audit = r
		} else {
			k.rings[ring] = r
		}
	}
	if k.audit == nil {
		return nil, fmt.Errorf("%s has no key of the ring %q, which pseudonymizes subjects in audit entries", path, auditRing)
	}
	for _, name := range ringsNeeded(decl) {
		if k.rings[name] == nil {
			return nil, fmt.Errorf("%s has no key of the ring %q, which the declaration's operators name", path, name)
		}
	}
	return k, nil
}

// decodeSecret decodes standard or URL base64, padded or not.
func decodeSecret(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("not base64")
}

// throwawayKeys returns random key rings for a dry run, which computes no
// pseudonym and writes nothing, so that plan needs no secrets.
func throwawayKeys(decl *policy.Declaration) (*keys, error) {
	ring := func() (*anonymize.KeyRing, error) {
		secret := make([]byte, anonymize.MinKeySize)
		if _, err := rand.Read(secret); err != nil {
			return nil, err
		}
		return anonymize.NewKeyRing(anonymize.Key{ID: "dryrun", Secret: secret})
	}
	k := &keys{rings: map[string]*anonymize.KeyRing{}}
	var err error
	if k.audit, err = ring(); err != nil {
		return nil, err
	}
	for _, name := range ringsNeeded(decl) {
		if k.rings[name], err = ring(); err != nil {
			return nil, err
		}
	}
	return k, nil
}
