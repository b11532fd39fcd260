package consent_test

import (
	"testing"
	"time"
)

// FuzzParseWithdrawalToken pins that no input makes the parser panic, and
// that any token it accepts says exactly what the one signed token says:
// a changed link never withdraws another subject's or purpose's consent.
func FuzzParseWithdrawalToken(f *testing.F) {
	fx := newFixture(f, "testdata/ledger.yaml")
	fx.grant(f, bookingGrant("1001"))
	tok, err := fx.ledger.WithdrawalToken(fx.ctx, "1001", "booking", t0.Add(time.Hour))
	if err != nil {
		f.Fatal(err)
	}
	signed, err := fx.ledger.ParseWithdrawalToken(tok)
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{tok, "", ".", "e30.link:AAAA", tok + "A", tok[:len(tok)-1], "x" + tok} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lk, err := fx.ledger.ParseWithdrawalToken(s)
		// Each fuzzing process signs its own token (with its own random
		// link ID) under the same key, so the content is compared without
		// the ID.
		lk.ID = signed.ID
		if err == nil && lk != signed {
			t.Fatalf("a token other than the signed one was accepted with content %+v", lk)
		}
	})
}
