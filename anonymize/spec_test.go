package anonymize

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseCanonicalizesSpecs(t *testing.T) {
	tests := []struct {
		in, want, name, key string
		nulls               bool
	}{
		{in: "null", want: "null", name: "null", nulls: true},
		{in: "  null ( ) ", want: "null", name: "null", nulls: true},
		{in: "redact", want: "redact", name: "redact"},
		{in: `redact("[entfernt]")`, want: `redact("[entfernt]")`, name: "redact"},
		{in: `redact(text = "x y")`, want: `redact("x y")`, name: "redact"},
		{in: "ip_mask", want: "ip_mask", name: "ip_mask"},
		{in: "ip_mask(v4=1, v6=80)", want: "ip_mask(v4=1, v6=80)", name: "ip_mask"},
		{in: "ip_mask(v6=80,v4=1)", want: "ip_mask(v4=1, v6=80)", name: "ip_mask"},
		{in: "ip_mask(level=two_bytes)", want: "ip_mask(level=two_bytes)", name: "ip_mask"},
		{in: "ip_mask(v4_prefix=20, v6_prefix=40)", want: "ip_mask(v4_prefix=20, v6_prefix=40)", name: "ip_mask"},
		{in: "pseudonym(key=bookings)", want: "pseudonym(bookings)", name: "pseudonym", key: "bookings"},
		{in: "pseudonym(bookings)", want: "pseudonym(bookings)", name: "pseudonym", key: "bookings"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s, err := Parse(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, s.String())
			assert.Equal(t, tt.name, s.Name())
			assert.Equal(t, tt.key, s.KeyName())
			assert.Equal(t, tt.nulls, s.Nulls())
			again, err := Parse(s.String())
			require.NoError(t, err, "the canonical form parses")
			assert.Equal(t, s.String(), again.String(), "the canonical form is a fixed point")
		})
	}
}

func TestParseErrorsNameOperatorAndParameter(t *testing.T) {
	tests := []struct {
		in       string
		sentinel error
		op       string
		param    string
		contains string
	}{
		{in: "", sentinel: ErrSyntax, contains: "expected an operator name"},
		{in: "IP_MASK", sentinel: ErrSyntax, contains: "expected an operator name"},
		{in: "ip_mask(", sentinel: ErrSyntax, op: "ip_mask", contains: "missing value"},
		{in: "ip_mask(v4=1", sentinel: ErrSyntax, op: "ip_mask", contains: "missing \")\""},
		{in: "ip_mask(v4=1) x", sentinel: ErrSyntax, op: "ip_mask", contains: "unexpected text"},
		{in: "ip_mask x", sentinel: ErrSyntax, op: "ip_mask", contains: "expected \"(\""},
		{in: `redact("abc`, sentinel: ErrSyntax, op: "redact", contains: "unterminated"},
		{in: "ip_mask(v4=)", sentinel: ErrSyntax, op: "ip_mask", param: "v4", contains: "missing value"},
		{in: "ip_mask(v4=1 v6=2)", sentinel: ErrSyntax, op: "ip_mask", param: "v4"},
		{in: "ipmask", sentinel: ErrUnknownOperator, op: "ipmask", contains: "known: "},
		{in: "ip_mask(v4=5)", sentinel: ErrBadParameter, op: "ip_mask", param: "v4", contains: "0 to 4"},
		{in: "ip_mask(v4=x)", sentinel: ErrBadParameter, op: "ip_mask", param: "v4"},
		{in: "ip_mask(v6=129)", sentinel: ErrBadParameter, op: "ip_mask", param: "v6"},
		{in: "ip_mask(v4_prefix=33)", sentinel: ErrBadParameter, op: "ip_mask", param: "v4_prefix"},
		{in: "ip_mask(v4=1, v4_prefix=24)", sentinel: ErrBadParameter, op: "ip_mask", param: "v4_prefix"},
		{in: "ip_mask(level=paranoid)", sentinel: ErrBadParameter, op: "ip_mask", param: "level", contains: "one of"},
		{in: "ip_mask(level=google, v4=1)", sentinel: ErrBadParameter, op: "ip_mask", param: "v4", contains: "level"},
		{in: "ip_mask(v5=1)", sentinel: ErrBadParameter, op: "ip_mask", param: "v5", contains: "unknown parameter"},
		{in: "ip_mask(v4=1, v4=2)", sentinel: ErrBadParameter, op: "ip_mask", param: "v4", contains: "twice"},
		{in: "ip_mask(1)", sentinel: ErrBadParameter, op: "ip_mask", contains: "name=value"},
		{in: "pseudonym", sentinel: ErrBadParameter, op: "pseudonym", param: "key", contains: "required"},
		{in: "null(x=1)", sentinel: ErrBadParameter, op: "null", param: "x", contains: "no parameters"},
		{in: "sha256", sentinel: ErrUnkeyedHash, op: "sha256"},
		{in: "md5", sentinel: ErrUnkeyedHash, op: "md5"},
		{in: "hash(salt=x)", sentinel: ErrUnkeyedHash, op: "hash"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s, err := Parse(tt.in)
			require.Error(t, err)
			assert.Nil(t, s)
			assert.ErrorIs(t, err, tt.sentinel)
			var se *SpecError
			require.True(t, errors.As(err, &se), "error is a *SpecError")
			assert.Equal(t, tt.op, se.Operator)
			assert.Equal(t, tt.param, se.Param)
			assert.Contains(t, err.Error(), tt.contains)
			if tt.op != "" {
				assert.True(t, strings.HasPrefix(err.Error(), "anonymize: "+tt.op+": "), err.Error())
			}
		})
	}
}

func TestBuildNeedsTheNamedKeyRing(t *testing.T) {
	s, err := Parse("pseudonym(key=bookings)")
	require.NoError(t, err)
	_, err = s.Build(nil)
	require.ErrorIs(t, err, ErrMissingKey)
	assert.Contains(t, err.Error(), `"bookings"`)

	ring := testRing(t, "k1")
	op, err := s.Build(map[string]*KeyRing{"bookings": ring})
	require.NoError(t, err)
	got, err := op.Apply("alice@example.org")
	require.NoError(t, err)
	assert.Equal(t, ring.Pseudonym("alice@example.org"), got)

	// Operators without keys build from no key rings at all.
	s, err = Parse("ip_mask")
	require.NoError(t, err)
	op, err = s.Build(nil)
	require.NoError(t, err)
	got, err = op.Apply("192.0.2.77")
	require.NoError(t, err)
	assert.Equal(t, "192.0.2.0", got)
}

func TestRegistryAcceptsApplicationOperators(t *testing.T) {
	r := NewRegistry()
	err := r.Register(Definition{
		Name:   "constant",
		Params: []Param{{Name: "value", Positional: true, Required: true}},
		Compile: func(a Args) (Constructor, error) {
			v := a.String("value")
			return func(*KeyRing) (Operator, error) {
				return OperatorFunc(func(any) (any, error) { return v, nil }), nil
			}, nil
		},
	})
	require.NoError(t, err)
	s, err := r.Parse("constant(x)")
	require.NoError(t, err)
	op, err := s.Build(nil)
	require.NoError(t, err)
	got, err := op.Apply("anything")
	require.NoError(t, err)
	assert.Equal(t, "x", got)
	assert.Contains(t, r.Operators(), "constant")
	assert.Contains(t, r.Operators(), "ip_mask", "a new registry holds the built-ins")

	_, err = Parse("constant(x)")
	assert.ErrorIs(t, err, ErrUnknownOperator, "the package-level registry is not changed")
	assert.NotContains(t, Operators(), "constant")

	assert.ErrorIs(t, r.Register(Definition{Name: "constant", Compile: func(Args) (Constructor, error) { return nil, nil }}), ErrDuplicate)
	assert.ErrorIs(t, r.Register(Definition{Name: "sha256", Compile: func(Args) (Constructor, error) { return nil, nil }}), ErrUnkeyedHash)
	assert.ErrorIs(t, r.Register(Definition{Name: "Bad", Compile: func(Args) (Constructor, error) { return nil, nil }}), ErrBadParameter)
	assert.ErrorIs(t, r.Register(Definition{Name: "nocompile"}), ErrBadParameter)
	assert.ErrorIs(t, r.Register(Definition{Name: "late", Params: []Param{{Name: "a"}, {Name: "b", Positional: true}},
		Compile: func(Args) (Constructor, error) { return nil, nil }}), ErrBadParameter)
	assert.ErrorIs(t, r.Register(Definition{Name: "twokeys", Params: []Param{{Name: "a", Key: true}, {Name: "b", Key: true}},
		Compile: func(Args) (Constructor, error) { return nil, nil }}), ErrBadParameter)

	var zero Registry
	require.NoError(t, zero.Register(Definition{Name: "only", Compile: func(Args) (Constructor, error) {
		return func(*KeyRing) (Operator, error) { return Null{}, nil }, nil
	}}))
	assert.Equal(t, []string{"only"}, zero.Operators())
	d, ok := zero.Definition("only")
	assert.True(t, ok)
	assert.Equal(t, "only", d.Name)
}

func TestSpecParamReportsGivenValuesAndDefaults(t *testing.T) {
	s, err := Parse("mask_email(keep_domain=false)")
	require.NoError(t, err)
	v, ok := s.Param("keep_domain")
	assert.True(t, ok)
	assert.Equal(t, "false", v)

	s, err = Parse("postal_code")
	require.NoError(t, err)
	v, ok = s.Param("digits")
	assert.True(t, ok)
	assert.Equal(t, "2", v, "the default when the spec does not give it")
	_, ok = s.Param("nope")
	assert.False(t, ok)

	_, err = Parse("mask_email(keep_domain=yes)")
	var se *SpecError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "keep_domain", se.Param)
	assert.Contains(t, err.Error(), "true or false")
}

func TestUnitAndKindNamesCoverInvalidValues(t *testing.T) {
	assert.Equal(t, "TimeUnit(9)", TimeUnit(9).String())
	assert.Equal(t, "[?]", Kind(42).Placeholder())
	assert.Equal(t, "?", Kind(42).String())
}
