package anonymize_test

import (
	"fmt"

	"github.com/frist-go/frist/anonymize"
)

// examples/policies/jobcenter.yaml: the IP address "muss ... für die Dauer von sieben Tagen
// gespeichert bleiben und wird danach anonymisiert". A declaration names the
// operator as text; the rule's executor parses, builds and applies it.
func ExampleParse_ipMask() {
	spec, err := anonymize.Parse("ip_mask(v4=1, v6=80)")
	if err != nil {
		fmt.Println(err)
		return
	}
	op, err := spec.Build(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, ip := range []string{"192.0.2.77", "[2001:db8:4a:7f01::1]:443", "::ffff:198.51.100.23", "fe80::1%eth0"} {
		masked, err := op.Apply(ip)
		fmt.Println(masked, err)
	}
	_, err = op.Apply("not an address")
	fmt.Println(err)
	// Output:
	// 192.0.2.0 <nil>
	// 2001:db8:4a:: <nil>
	// 198.51.100.0 <nil>
	// fe80:: <nil>
	// anonymize: ip_mask: not an IP address (length 14)
}

func ExampleIPLevel() {
	for _, level := range []string{"one_byte", "two_bytes", "three_bytes"} {
		m, _ := anonymize.IPLevel(level)
		v4, _ := m.MaskString("192.168.100.23")
		v6, _ := m.MaskString("2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff")
		fmt.Println(level, v4, v6)
	}
	// Output:
	// one_byte 192.168.100.0 2001:db8:aaaa:bbbb::
	// two_bytes 192.168.0.0 2001:db8:aaaa::
	// three_bytes 192.0.0.0 2001:d00::
}
