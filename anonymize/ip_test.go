package anonymize

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustSpec(t testing.TB, spec string) Operator {
	t.Helper()
	s, err := Parse(spec)
	require.NoError(t, err)
	op, err := s.Build(nil)
	require.NoError(t, err)
	return op
}

// examples/policies/stadt-amt.yaml: "Die IP-Adresse des aufrufenden Rechners wird anonymisiert, so
// dass es nicht möglich ist, einen Bezug auf einzelne Nutzer herzustellen."
// examples/policies/jobcenter.yaml: "Hierfür muss die IP-Adresse des Nutzenden für die Dauer von
// sieben Tagen gespeichert bleiben und wird danach anonymisiert."
func TestIPMaskMasksAddresses(t *testing.T) {
	tests := []struct {
		spec, in, want string
	}{
		{"ip_mask", "192.0.2.77", "192.0.2.0"},
		{"ip_mask", "2001:db8:abcd:12:1:2:3:4", "2001:db8:abcd::"},
		{"ip_mask(v4=1, v6=80)", "192.0.2.77", "192.0.2.0"},
		{"ip_mask(v4=1, v6=80)", "2001:db8:abcd:12::1", "2001:db8:abcd::"},
		{"ip_mask(v4=0)", "192.0.2.77", "192.0.2.77"},
		{"ip_mask(v4=2)", "192.0.2.77", "192.0.0.0"},
		{"ip_mask(v4=3)", "192.0.2.77", "192.0.0.0"},
		{"ip_mask(v4=4)", "192.0.2.77", "0.0.0.0"},
		{"ip_mask(v4_prefix=20)", "192.0.31.77", "192.0.16.0"},
		{"ip_mask(v6_prefix=64)", "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::"},
		{"ip_mask(v6=128)", "2001:db8::1", "::"},
		{"ip_mask(level=one_byte)", "192.0.2.77", "192.0.2.0"},
		{"ip_mask(level=one_byte)", "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::"},
		{"ip_mask(level=two_bytes)", "192.0.2.77", "192.0.0.0"},
		{"ip_mask(level=two_bytes)", "2001:db8:1:2:3:4:5:6", "2001:db8:1::"},
		{"ip_mask(level=three_bytes)", "192.0.2.77", "192.0.0.0"},
		{"ip_mask(level=three_bytes)", "2001:db8:1:2:3:4:5:6", "2001:d00::"},
		{"ip_mask(level=google)", "2001:db8:1:2:3:4:5:6", "2001:db8:1::"},
		// IPv4-mapped IPv6 is masked as the IPv4 address it carries.
		{"ip_mask", "::ffff:192.0.2.77", "192.0.2.0"},
		{"ip_mask(v6=0)", "::ffff:192.0.2.77", "192.0.2.0"},
		// Zones and ports are dropped.
		{"ip_mask", "fe80::1:2:3:4%eth0", "fe80::"},
		{"ip_mask", "192.0.2.77:8080", "192.0.2.0"},
		{"ip_mask", "[2001:db8:1:2::7]:443", "2001:db8:1::"},
		{"ip_mask", "[fe80::1%eth0]:443", "fe80::"},
		{"ip_mask", "[::ffff:192.0.2.77]:80", "192.0.2.0"},
	}
	for _, tt := range tests {
		t.Run(tt.spec+" "+tt.in, func(t *testing.T) {
			op := mustSpec(t, tt.spec)
			got, err := op.Apply(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			again, err := op.Apply(got)
			require.NoError(t, err)
			assert.Equal(t, got, again, "masking is idempotent")
		})
	}
}

func TestIPMaskRejectsWhatIsNotAnAddress(t *testing.T) {
	op := mustSpec(t, "ip_mask")
	for _, in := range []any{
		"", "localhost", "192.0.2", "192.0.2.256", "192.0.2.1.5", " 192.0.2.1", "192.0.2.1 ", "::g",
		"192.0.2.1:99999", "[192.0.2.1]:80", "1.2.3.4/24", "http://192.0.2.1/", "[::1]", "[::1]:",
		[]byte("nope!"), []byte{1, 2, 3}, netip.Addr{},
	} {
		got, err := op.Apply(in)
		assert.ErrorIs(t, err, ErrInvalidInput, "%q", in)
		assert.Nil(t, got, "%q is not passed through", in)
		if s, ok := in.(string); ok && len(s) > 3 {
			assert.NotContains(t, err.Error(), s, "the error does not repeat the input")
		}
	}
	for _, in := range []any{int64(3221225985), 1.5, true} {
		_, err := op.Apply(in)
		assert.ErrorIs(t, err, ErrUnsupportedType, "%T", in)
	}
	got, err := op.Apply(nil)
	require.NoError(t, err)
	assert.Nil(t, got)
}

func TestIPMaskKeepsTheTypeOfItsInput(t *testing.T) {
	op := mustSpec(t, "ip_mask")
	tests := []struct {
		name    string
		in, out any
	}{
		{"text bytes", []byte("192.0.2.77"), []byte("192.0.2.0")},
		{"raw IPv4 bytes", []byte{192, 0, 2, 77}, []byte{192, 0, 2, 0}},
		{"raw IPv6 bytes", netip.MustParseAddr("2001:db8:1:2::1").AsSlice(), netip.MustParseAddr("2001:db8:1::").AsSlice()},
		{"raw mapped bytes stay 16 bytes", netip.MustParseAddr("::ffff:192.0.2.77").AsSlice(), netip.MustParseAddr("::ffff:192.0.2.0").AsSlice()},
		{"netip.Addr", netip.MustParseAddr("192.0.2.77"), netip.MustParseAddr("192.0.2.0")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := op.Apply(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.out, got)
			again, err := op.Apply(got)
			require.NoError(t, err)
			assert.Equal(t, got, again, "masking is idempotent")
		})
	}
}

func TestNewIPMaskChecksPrefixLengths(t *testing.T) {
	_, err := NewIPMask(33, 48)
	assert.ErrorIs(t, err, ErrBadParameter)
	_, err = NewIPMask(24, -1)
	assert.ErrorIs(t, err, ErrBadParameter)
	m, err := NewIPMask(16, 32)
	require.NoError(t, err)
	v4, v6 := m.Bits()
	assert.Equal(t, []int{16, 32}, []int{v4, v6})
	v4, v6 = DefaultIPMask().Bits()
	assert.Equal(t, []int{24, 48}, []int{v4, v6}, "the default keeps IPv4 /24 and IPv6 /48 at most")
	got, err := MaskIP("198.51.100.200")
	require.NoError(t, err)
	assert.Equal(t, "198.51.100.0", got)
}
