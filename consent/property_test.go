package consent_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/memstore"
)

// noScanner hides the store's optional store.ConsentScanner, so the ledger
// reads through ConsentEvents and folds forwards.
type noScanner struct {
	store.Driver
	store.Consents
}

// TestStatusIsTheSameReadForwardsOrBackwards pins that the fast path,
// which reads backwards from the time asked about and stops at the grant
// in force, answers exactly as folding the whole history forwards does,
// for random histories with refusals, repeated grants and withdrawals and
// events at the same instant.
func TestStatusIsTheSameReadForwardsOrBackwards(t *testing.T) {
	decl, err := policy.LoadFile("testdata/ledger.yaml")
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(7, 11))
	kinds := []store.ConsentKind{store.ConsentGranted, store.ConsentWithdrawn, store.ConsentRefused}
	for round := range 200 {
		st, err := memstore.New(decl)
		require.NoError(t, err)
		fast := newFixtureOn(t, decl, st, st)
		slow := newFixtureOn(t, decl, noScanner{st, st}, st)
		n := rng.IntN(12)
		for i := range n {
			ev := store.ConsentEvent{
				ID: fmt.Sprintf("01900000-0000-7000-8000-%012d", rng.IntN(1_000_000)*100+i), Subject: "s", Purpose: "booking",
				Kind: kinds[rng.IntN(len(kinds))], At: t0.Add(time.Duration(rng.IntN(8)) * time.Minute),
				Version: []string{"2025-02", "2024-01"}[rng.IntN(2)], Method: "web_form", Actor: "subject",
			}
			require.NoError(t, st.AppendConsent(t.Context(), ev))
		}
		for m := -1; m <= 9; m++ {
			at := t0.Add(time.Duration(m) * time.Minute)
			want, err := slow.ledger.Status(t.Context(), "s", "booking", at)
			require.NoError(t, err)
			got, err := fast.ledger.Status(t.Context(), "s", "booking", at)
			require.NoError(t, err)
			require.Equal(t, want, got, "round %d, %d events, at minute %d", round, n, m)
		}
	}
}
