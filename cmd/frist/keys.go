package main

import (
	"crypto/rand"
	"fmt"
	"os"

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
Several lines of one ring rotate it: the last is current. Create one
(mode 0600, never overwriting) with
  frist keys new frist.keys
The booking example's key file (booking.db.keys) is in the same format.
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
	add := func(name string) {
		if name != "" && !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	for _, ds := range decl.Datasets {
		if ds.SubjectKey != nil {
			add(ds.SubjectKey.Pseudonym)
		}
		for _, id := range ds.Identifiers {
			add(id.Pseudonym)
		}
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
	rings, err := anonymize.ParseKeyFile(f, path)
	if err != nil {
		return nil, err
	}
	k := &keys{rings: map[string]*anonymize.KeyRing{}}
	for ring, r := range rings {
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
