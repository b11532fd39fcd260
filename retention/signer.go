package retention

import (
	"fmt"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/audit"
)

// AuditSigner returns the signer of audit entries whose Ed25519 key is
// derived from the current key of ring (anonymize.KeyRing.DeriveKey with
// audit.SignatureLabel), under that key's ID. The engine signs every entry
// it appends with the signer of Options.AuditKey, and the consent ledger
// and the request service sign with the engine's (Engine.AuditSigner), so
// that one public key verifies the whole log (frist audit keys prints it).
func AuditSigner(ring *anonymize.KeyRing) (*audit.Signer, error) {
	if ring == nil || len(ring.IDs()) == 0 {
		// A zero KeyRing has no current key to derive from.
		return nil, ErrNoAuditKey
	}
	id := ring.CurrentID()
	seed, _ := ring.DeriveKey(id, audit.SignatureLabel)
	s, err := audit.NewSigner(id, seed)
	if err != nil {
		return nil, fmt.Errorf("retention: the audit key %q cannot sign: %w", id, err)
	}
	return s, nil
}

// AuditSigner returns the signer with which the engine signs its audit
// entries; components that append to the same log sign with it too.
func (e *Engine) AuditSigner() *audit.Signer { return e.signer }
