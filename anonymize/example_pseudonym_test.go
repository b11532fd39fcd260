package anonymize_test

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/frist-go/frist/anonymize"
)

// A key ring per pseudonymization domain; the secret comes from the
// application's secret store, never from the declaration. Rotation adds a
// key: new pseudonyms use it, old ones stay checkable.
func ExampleKeyRing_Pseudonym() {
	ring, err := anonymize.NewKeyRing(anonymize.Key{ID: "2024", Secret: bytes.Repeat([]byte{0x2a}, 32)})
	if err != nil {
		fmt.Println(err)
		return
	}
	old := ring.Pseudonym("erika.mustermann@example.org")
	fmt.Println(old)

	ring, _ = ring.With(anonymize.Key{ID: "2025", Secret: bytes.Repeat([]byte{0x17}, 32)})
	fmt.Println(ring.Pseudonym("erika.mustermann@example.org"))
	fmt.Println(ring.Verify("erika.mustermann@example.org", old))

	_, err = anonymize.NewKeyRing(anonymize.Key{ID: "weak", Secret: []byte("password")})
	fmt.Println(err)
	_, err = anonymize.Parse("sha256")
	fmt.Println(errors.Is(err, anonymize.ErrUnkeyedHash))
	// Output:
	// 2024:AeDmeQRZKXYwbhJo_kvbgfEhVBtyEudKCrsSSS1EyB0
	// 2025:KUAc-1clGsVfqcpQyLdFFKo9AZkdQXqS5VPuIfhLk8E
	// true
	// anonymize: keyring: key "weak": secret has 8 bytes, at least 32 are required
	// true
}
