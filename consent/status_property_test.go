package consent

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/memstore"
)

// TestStatusIsTheSameReadForwardsOrBackwards pins that status, which reads
// backwards from the time asked about (store.ConsentStore.ScanConsents)
// and stops at the grant in force, answers exactly as folding the whole
// history forwards does, for random histories with refusals, repeated
// grants and withdrawals and events at the same instant.
//
// Seen to fail with backscan.visit stopping at the newest withdrawal
// instead of reading on to the grant it ends.
func TestStatusIsTheSameReadForwardsOrBackwards(t *testing.T) {
	decl, err := policy.LoadFile("testdata/ledger.yaml")
	require.NoError(t, err)
	keys, err := anonymize.NewKeyRing(anonymize.Key{ID: "audit", Secret: []byte("audit secret, long enough for HMAC-SHA-256!!")})
	require.NoError(t, err)
	p := decl.Purpose("booking")
	require.NotNil(t, p)
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(7, 11))
	kinds := []store.ConsentKind{store.ConsentGranted, store.ConsentWithdrawn, store.ConsentRefused}
	for round := range 200 {
		st, err := memstore.New(decl)
		require.NoError(t, err)
		eng, err := retention.New(decl, st, &retention.Options{AuditKey: keys})
		require.NoError(t, err)
		l, err := New(eng, st, &Options{Keys: keys})
		require.NoError(t, err)
		n := rng.IntN(12)
		for i := range n {
			ev := store.ConsentEvent{
				ID: fmt.Sprintf("01900000-0000-7000-8000-%012d", rng.IntN(1_000_000)*100+i), Subject: "s", Purpose: "booking",
				Kind: kinds[rng.IntN(len(kinds))], At: t0.Add(time.Duration(rng.IntN(8)) * time.Minute),
				Version: []string{"2025-02", "2024-01"}[rng.IntN(2)], Method: "web_form", Actor: "subject",
			}
			_, err := st.AppendConsent(t.Context(), ev, audit.Entry{Time: ev.At, Action: "consent." + string(ev.Kind), Count: 1})
			require.NoError(t, err)
		}
		evs, err := st.ConsentEvents(t.Context(), "s", "booking")
		require.NoError(t, err)
		for m := -1; m <= 9; m++ {
			at := t0.Add(time.Duration(m) * time.Minute)
			got, err := l.status(t.Context(), "s", p, at)
			require.NoError(t, err)
			require.Equal(t, fold(p, evs, at), got, "round %d, %d events, at minute %d", round, n, m)
		}
	}
}
