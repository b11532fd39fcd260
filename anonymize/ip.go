package anonymize

import (
	"net/netip"
	"strconv"
	"strings"
)

// IPMask keeps the leading bits of an IP address and zeroes the rest. The
// zero IPMask keeps nothing; use [NewIPMask], [IPLevel] or [DefaultIPMask].
//
// An IPMask is an Operator. It accepts a string (an address, optionally
// with a zone or a port), a []byte holding such text or the 4 or 16 raw
// bytes of an address (text is tried first, so any other 4 or 16 bytes are
// read as a raw address), and a netip.Addr; it returns a value of the same
// type. The port and the zone are dropped, since both can tell hosts apart.
// An IPv4-mapped IPv6 address (::ffff:192.0.2.1) is masked as the IPv4
// address it carries and returned in IPv4 form. Anything that is not an IP
// address is an error wrapping ErrInvalidInput; it is never returned
// unchanged.
type IPMask struct {
	v4, v6 uint8 // bits kept
}

// DefaultIPMask returns what "anonymize an IP address" means here: at most the
// leading 24 bits of an IPv4 address (the last byte zeroed) and the leading
// 48 bits of an IPv6 address are kept.
//
// examples/policies/stadt-amt.yaml: "Die IP-Adresse des aufrufenden Rechners wird anonymisiert, so
// dass es nicht möglich ist, einen Bezug auf einzelne Nutzer herzustellen."
//
// IPv6 needs a shorter prefix than one might think. Providers delegate a
// /64 to a household or a single phone, and commonly a /56 or /48 to a
// subscriber line, so the leading 64 (or 56) bits of an IPv6 address name
// one subscriber as well as the full address does: truncating to /64 is
// pseudonymization at best, not anonymization (GDPR Recital 26). A /48 is
// the smallest prefix that usually covers many subscribers; that is why the
// default keeps 48 bits, as Google Analytics' IP anonymization (the last 80
// bits zeroed) does.
func DefaultIPMask() IPMask { return defaultIPMask }

var defaultIPMask = IPMask{v4: 24, v6: 48}

// NewIPMask returns a mask keeping the leading v4Bits of an IPv4 address
// (0 to 32) and the leading v6Bits of an IPv6 address (0 to 128).
func NewIPMask(v4Bits, v6Bits int) (IPMask, error) {
	if v4Bits < 0 || v4Bits > 32 {
		return IPMask{}, &opError{op: "ip_mask", reason: "IPv4 prefix length must be 0 to 32, not " + strconv.Itoa(v4Bits), err: ErrBadParameter}
	}
	if v6Bits < 0 || v6Bits > 128 {
		return IPMask{}, &opError{op: "ip_mask", reason: "IPv6 prefix length must be 0 to 128, not " + strconv.Itoa(v6Bits), err: ErrBadParameter}
	}
	return IPMask{v4: uint8(v4Bits), v6: uint8(v6Bits)}, nil
}

// ipLevels are the named levels: the conventions of common web analytics
// tools, and "default".
var ipLevels = map[string]IPMask{
	// Matomo's "IP anonymization" setting, which counts masked bytes:
	// 1 byte (192.168.100.xxx; IPv6 /64 kept), 2 bytes (192.168.xxx.xxx;
	// IPv6 /48 kept), 3 bytes (192.xxx.xxx.xxx; IPv6 /24 kept).
	"one_byte":    {v4: 24, v6: 64},
	"two_bytes":   {v4: 16, v6: 48},
	"three_bytes": {v4: 8, v6: 24},
	// Google Analytics' anonymize_ip: last IPv4 byte and last 80 IPv6
	// bits zeroed.
	"google": {v4: 24, v6: 48},
	// The package default (DefaultIPMask).
	"default": defaultIPMask,
}

// IPLevelNames returns the names IPLevel accepts.
func IPLevelNames() []string {
	return []string{"default", "google", "one_byte", "two_bytes", "three_bytes"}
}

// IPLevel returns the mask for a named level: "one_byte", "two_bytes" and
// "three_bytes" as Matomo masks IPv4 bytes (keeping IPv6 /64, /48 and /24
// respectively; note that one_byte's IPv6 /64 is not anonymous, see
// DefaultIPMask), "google" as Google Analytics' anonymize_ip (IPv4 /24,
// IPv6 /48), and "default" (DefaultIPMask).
func IPLevel(name string) (IPMask, bool) {
	m, ok := ipLevels[name]
	return m, ok
}

// Bits returns the number of leading bits kept of IPv4 and IPv6 addresses.
func (m IPMask) Bits() (v4, v6 int) { return int(m.v4), int(m.v6) }

// MaskAddr returns a with the zone dropped, an IPv4-mapped address
// unmapped, and all but the leading bits zeroed. The zero Addr is an
// error.
func (m IPMask) MaskAddr(a netip.Addr) (netip.Addr, error) {
	if !a.IsValid() {
		return netip.Addr{}, invalid("ip_mask", "not an IP address")
	}
	a = a.Unmap().WithZone("")
	bits := int(m.v6)
	if a.Is4() {
		bits = int(m.v4)
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return netip.Addr{}, invalid("ip_mask", "cannot mask address")
	}
	return p.Addr(), nil
}

// ParseIP parses an IP address written alone, with a zone
// ("fe80::1%eth0") or with a port ("192.0.2.1:443", "[2001:db8::1]:443").
// The port is discarded. Anything else is an error wrapping
// ErrInvalidInput that does not contain s.
func ParseIP(s string) (netip.Addr, error) {
	// Pick the one parser that can succeed, so valid input costs a single
	// parse: "[v6]:port", "v4:port" (exactly one colon), or an address.
	withPort := len(s) > 0 && s[0] == '['
	if !withPort {
		if i := strings.IndexByte(s, ':'); i >= 0 && strings.IndexByte(s[i+1:], ':') < 0 {
			withPort = true
		}
	}
	if withPort {
		if ap, err := netip.ParseAddrPort(s); err == nil {
			return ap.Addr(), nil
		}
	} else if a, err := netip.ParseAddr(s); err == nil {
		return a, nil
	}
	return netip.Addr{}, invalid("ip_mask", "not an IP address (length "+strconv.Itoa(len(s))+")")
}

// MaskString parses s as ParseIP does and returns the masked address in
// its canonical text form.
func (m IPMask) MaskString(s string) (string, error) {
	a, err := ParseIP(s)
	if err != nil {
		return "", err
	}
	a, err = m.MaskAddr(a)
	if err != nil {
		return "", err
	}
	return a.String(), nil
}

// Apply masks v as described on IPMask.
func (m IPMask) Apply(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		out, err := m.MaskString(x)
		if err != nil {
			return nil, err
		}
		return out, nil
	case []byte:
		if a, err := ParseIP(string(x)); err == nil {
			a, err = m.MaskAddr(a)
			if err != nil {
				return nil, err
			}
			return a.AppendTo(nil), nil
		}
		if len(x) == 4 || len(x) == 16 {
			a, _ := netip.AddrFromSlice(x)
			a, err := m.MaskAddr(a)
			if err != nil {
				return nil, err
			}
			if len(x) == 4 || a.Is6() {
				b := a.AsSlice()
				return b, nil
			}
			// A mapped address given as 16 raw bytes stays 16 bytes.
			b := netip.AddrFrom16(a.As16()).AsSlice()
			return b, nil
		}
		return nil, invalid("ip_mask", "not an IP address ("+strconv.Itoa(len(x))+" bytes)")
	case netip.Addr:
		out, err := m.MaskAddr(x)
		if err != nil {
			return nil, err
		}
		return out, nil
	}
	return nil, unsupported("ip_mask", v)
}

// MaskIP masks s with DefaultIPMask.
func MaskIP(s string) (string, error) { return defaultIPMask.MaskString(s) }

func compileIPMask(a Args) (Constructor, error) {
	m := defaultIPMask
	if a.Has("level") {
		for _, p := range []string{"v4", "v6", "v4_prefix", "v6_prefix"} {
			if a.Has(p) {
				return nil, a.Errorf(p, "cannot be combined with level")
			}
		}
		name := a.String("level")
		lm, ok := IPLevel(name)
		if !ok {
			_, err := a.Choice("level", IPLevelNames()...)
			return nil, err
		}
		m = lm
	}
	if a.Has("v4") && a.Has("v4_prefix") {
		return nil, a.Errorf("v4_prefix", "cannot be combined with v4")
	}
	if a.Has("v6") && a.Has("v6_prefix") {
		return nil, a.Errorf("v6_prefix", "cannot be combined with v6")
	}
	if a.Has("v4") {
		n, err := a.Int("v4", 0, 4)
		if err != nil {
			return nil, err
		}
		m.v4 = uint8(32 - 8*n)
	}
	if a.Has("v4_prefix") {
		n, err := a.Int("v4_prefix", 0, 32)
		if err != nil {
			return nil, err
		}
		m.v4 = uint8(n)
	}
	if a.Has("v6") {
		n, err := a.Int("v6", 0, 128)
		if err != nil {
			return nil, err
		}
		m.v6 = uint8(128 - n)
	}
	if a.Has("v6_prefix") {
		n, err := a.Int("v6_prefix", 0, 128)
		if err != nil {
			return nil, err
		}
		m.v6 = uint8(n)
	}
	return func(*KeyRing) (Operator, error) { return m, nil }, nil
}

var ipMaskDefinition = Definition{
	Name: "ip_mask",
	Doc:  "zero the trailing bits of an IP address (default: IPv4 /24, IPv6 /48 kept)",
	Params: []Param{
		{Name: "level", Doc: "named level: " + "default, google, one_byte, two_bytes, three_bytes"},
		{Name: "v4", Doc: "number of trailing IPv4 bytes zeroed, 0 to 4 (Matomo's count)"},
		{Name: "v6", Doc: "number of trailing IPv6 bits zeroed, 0 to 128 (80 keeps a /48)"},
		{Name: "v4_prefix", Doc: "number of leading IPv4 bits kept, 0 to 32"},
		{Name: "v6_prefix", Doc: "number of leading IPv6 bits kept, 0 to 128"},
	},
	Compile: compileIPMask,
}
