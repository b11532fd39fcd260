package anonymize

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// propertyInputs gives, per operator spec, inputs the operator accepts.
var propertyInputs = map[string][]any{
	"ip_mask":                    {"192.0.2.77", "2001:db8:1:2::3", "::ffff:10.1.2.3", "[::1]:80", "10.0.0.1:22", []byte{10, 1, 2, 3}},
	"ip_mask(level=three_bytes)": {"192.0.2.77", "2001:db8:1:2::3"},
	"mask_email":                 {"erika@example.org", "A.B+c@Sub.Example.DE"},
	"mask_email(false)":          {"erika@example.org"},
	"mask_phone":                 {"+49 5423 123456", "0171/1234567"},
	"mask_phone(true)":           {"+49 (0) 5423 123456", "05423 123456"},
	"initials":                   {"Erika Mustermann", "Anna-Lena Schmidt"},
	"scrub":                      {"Mail erika@example.org, Tel. 0171 1234567, geb. 17.05.1980, IP 192.0.2.1"},
	"truncate_time(hour)":        {time.Date(2024, 5, 17, 10, 47, 0, 0, time.UTC), "2024-05-17 10:47:12"},
	"truncate_time(month)":       {time.Date(2024, 5, 17, 10, 47, 0, 0, time.UTC), "2024-05-17"},
	"birth_year":                 {"1980-05-17", time.Date(1980, 5, 17, 0, 0, 0, 0, time.UTC)},
	"age_band(at=2025-01-01)":    {"1980-05-17"},
	"postal_code(3)":             {"24568", "D-01067"},
	"user_agent":                 {"Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0"},
	"redact":                     {"Erika Mustermann", int64(7)},
	"null":                       {"x", int64(7)},
}

func TestMaskingAndGeneralizationAreIdempotent(t *testing.T) {
	for spec, inputs := range propertyInputs {
		op := mustSpec(t, spec)
		for _, in := range inputs {
			once, err := op.Apply(in)
			require.NoError(t, err, "%s(%v)", spec, in)
			twice, err := op.Apply(once)
			require.NoError(t, err, "%s(%v)", spec, once)
			assert.Equal(t, once, twice, "%s is idempotent on %v", spec, in)
		}
	}
}

func TestMaskedOutputDoesNotContainTheIdentifyingPart(t *testing.T) {
	for spec, want := range map[string]struct{ in, secret string }{
		"mask_email":        {"erika.mustermann@example.org", "erika"},
		"mask_email(false)": {"erika@mustermann-gmbh.de", "mustermann"},
		"mask_phone(true)":  {"+49 5423 987654", "987654"},
		"initials":          {"Erika Mustermann", "rika"},
		"ip_mask":           {"192.0.2.177", "177"},
		"redact":            {"Erika Mustermann", "Erika"},
	} {
		got, err := mustSpec(t, spec).Apply(want.in)
		require.NoError(t, err)
		assert.NotContains(t, got, want.secret, spec)
	}
}

// Operators are shared by the executor's workers; run them from many
// goroutines under -race.
func TestOperatorsAreSafeForConcurrentUse(t *testing.T) {
	ring := testRing(t, "k")
	keys := map[string]*KeyRing{"k": ring}
	specs := []string{"pseudonym(k)"}
	for spec := range propertyInputs {
		specs = append(specs, spec)
	}
	for _, spec := range specs {
		s, err := Parse(spec)
		require.NoError(t, err)
		op, err := s.Build(keys)
		require.NoError(t, err)
		inputs := propertyInputs[spec]
		if len(inputs) == 0 {
			inputs = []any{"citizen-1", "citizen-2"}
		}
		want := make([]any, len(inputs))
		for i, in := range inputs {
			want[i], err = op.Apply(in)
			require.NoError(t, err)
		}
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := range 200 {
					i := (g + n) % len(inputs)
					got, err := op.Apply(inputs[i])
					if !assert.NoError(t, err) || !assert.Equal(t, want[i], got, spec) {
						return
					}
				}
			}()
		}
		wg.Wait()
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := fmt.Sprint("v", g)
			p := ring.Pseudonym(v)
			for range 200 {
				assert.Equal(t, p, ring.Pseudonym(v))
				assert.True(t, ring.Verify(v, p))
			}
		}()
	}
	wg.Wait()
}

func TestEveryBuiltinOperatorHasADocAndParses(t *testing.T) {
	for _, name := range Operators() {
		d, ok := builtin.Definition(name)
		require.True(t, ok)
		assert.NotEmpty(t, d.Doc, name)
		spec := name
		for _, p := range d.Params {
			if p.Required {
				v := "x"
				if p.Name == "at" {
					v = "2025-01-01"
				} else if p.Name == "unit" {
					v = "day"
				}
				spec = strings.TrimSuffix(spec, ")")
				if strings.Contains(spec, "(") {
					spec += ", "
				} else {
					spec += "("
				}
				spec += p.Name + "=" + v + ")"
			}
		}
		_, err := Parse(spec)
		assert.NoError(t, err, spec)
	}
}
