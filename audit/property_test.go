package audit_test

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/audit"
)

// TestVerifyDetectsEveryRandomTampering applies random damage to random
// logs and requires that Verify, given the recorded head, reports it.
func TestVerifyDetectsEveryRandomTampering(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	damages := []struct {
		name string
		do   func(l []audit.Entry, i int) []audit.Entry
	}{
		{"change", func(l []audit.Entry, i int) []audit.Entry { l[i].Note += "x"; return l }},
		{"change and re-seal", func(l []audit.Entry, i int) []audit.Entry {
			l[i].Count++
			l[i].Hash = l[i].ComputeHash()
			return l
		}},
		{"remove", func(l []audit.Entry, i int) []audit.Entry { return slices.Delete(l, i, i+1) }},
		{"duplicate", func(l []audit.Entry, i int) []audit.Entry { return slices.Insert(l, i, l[i]) }},
		{"insert forged", func(l []audit.Entry, i int) []audit.Entry {
			var prev audit.Head
			if i > 0 {
				prev = l[i-1].Head()
			}
			return slices.Insert(l, i, audit.Seal(prev, audit.Entry{Time: t0, Action: "delete"}))
		}},
		{"swap with next", func(l []audit.Entry, i int) []audit.Entry {
			if i+1 < len(l) {
				l[i], l[i+1] = l[i+1], l[i]
			} else {
				l[i], l[i-1] = l[i-1], l[i]
			}
			return l
		}},
		{"truncate", func(l []audit.Entry, i int) []audit.Entry { return l[:i] }},
		{"zero seq", func(l []audit.Entry, i int) []audit.Entry {
			l[i].Seq = 0
			l[i].Hash = l[i].ComputeHash()
			return l
		}},
	}
	for range 2000 {
		n := 2 + rng.IntN(20)
		orig := chain(n)
		want := orig[n-1].Head()
		d := damages[rng.IntN(len(damages))]
		i := rng.IntN(n)
		log := d.do(slices.Clone(orig), i)
		_, err := audit.Verify(log, &want)
		var ve *audit.VerifyError
		require.True(t, errors.As(err, &ve), "damage %q at entry %d of %d went unnoticed", d.name, i+1, n)
		require.ErrorIs(t, err, audit.ErrBroken)
	}
}
