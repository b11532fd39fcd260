package anonymize

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNullYieldsNilForEveryType(t *testing.T) {
	op := mustSpec(t, "null")
	for _, in := range []any{nil, "x", int64(1), 1.5, true, []byte("x"), time.Unix(0, 0)} {
		got, err := op.Apply(in)
		require.NoError(t, err)
		assert.Nil(t, got)
	}
}

func TestRedactNeverContainsTheInput(t *testing.T) {
	op := mustSpec(t, "redact")
	custom := mustSpec(t, `redact("[entfernt]")`)
	for _, in := range []string{"Erika Mustermann", "erika@example.org", "192.0.2.1", "x", strings.Repeat("geheim ", 100)} {
		for _, o := range []Operator{op, custom} {
			got, err := o.Apply(in)
			require.NoError(t, err)
			s := got.(string)
			if !strings.Contains(DefaultRedaction+"[entfernt]", in) {
				assert.NotContains(t, s, in)
			}
			b, err := o.Apply([]byte(in))
			require.NoError(t, err)
			assert.Equal(t, s, string(b.([]byte)), "[]byte redacts to the same text")
		}
	}
	got, err := op.Apply("a")
	require.NoError(t, err)
	assert.Equal(t, DefaultRedaction, got)
	got, err = custom.Apply("a")
	require.NoError(t, err)
	assert.Equal(t, "[entfernt]", got)

	for in, want := range map[any]any{int64(42): int64(0), 4.2: 0.0, true: false, nil: nil} {
		got, err := op.Apply(in)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	_, err = op.Apply(time.Unix(0, 0))
	assert.ErrorIs(t, err, ErrUnsupportedType)
}

func TestPseudonymOperatorAcceptsIdentifierTypes(t *testing.T) {
	ring := testRing(t, "k")
	s, err := Parse("pseudonym(key=bookings)")
	require.NoError(t, err)
	op, err := s.Build(map[string]*KeyRing{"bookings": ring})
	require.NoError(t, err)

	got, err := op.Apply(int64(42))
	require.NoError(t, err)
	assert.Equal(t, ring.Pseudonym("42"), got, "integers are pseudonymized in decimal")
	got, err = op.Apply([]byte("abc"))
	require.NoError(t, err)
	assert.Equal(t, ring.Pseudonym("abc"), got)
	got, err = op.Apply(nil)
	require.NoError(t, err)
	assert.Nil(t, got)
	for _, in := range []any{true, 1.5, time.Unix(0, 0)} {
		_, err := op.Apply(in)
		assert.ErrorIs(t, err, ErrUnsupportedType, "%T", in)
	}
	_, err = Pseudonymize{}.Apply("x")
	assert.ErrorIs(t, err, ErrMissingKey, "an operator without a key ring fails instead of panicking")
}
