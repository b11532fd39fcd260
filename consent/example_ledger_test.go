package consent_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/consent"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store/memstore"
)

// exampleDeclaration is a booking service whose appointments rest on
// consent and are deleted when it is withdrawn.
const exampleDeclaration = `
controller: {name: Stadt Beispiel, address: "Markt 1, 12345 Beispiel", time_zone: Europe/Berlin, public_authority: true}
dpo: {address: "Markt 1, 12345 Beispiel"}
authority: {name: LDI NRW, address: "Kavalleriestraße 2-4, 40213 Düsseldorf"}
purposes:
  - id: booking
    description: {de: Online-Terminbuchung, en: Online appointment booking}
    legal_basis: [6.1.a]
    consent: {version: "2025-01", withdraw: [link], renew_after_withdrawal: true}
datasets:
  - id: appointment
    table: appointments
    key: id
    subject: citizen_id
    time: {starts_at: starts_at}
    purposes: [booking]
    fields: {name: {category: identity}}
    rules:
      - {after: 14d, from: starts_at, delete: true}
      - {on: consent_withdrawn, delete: true}
`

// exampleLedger returns a ledger on memstore at a fixed time.
func exampleLedger() (*consent.Ledger, *memstore.Store, func() time.Time) {
	decl, err := policy.Load(strings.NewReader(exampleDeclaration), "example.yaml")
	if err != nil {
		panic(err)
	}
	st, err := memstore.New(decl)
	if err != nil {
		panic(err)
	}
	keys, err := anonymize.NewKeyRing(anonymize.Key{ID: "k1", Secret: []byte("a secret of at least thirty-two bytes")})
	if err != nil {
		panic(err)
	}
	linkKeys, err := anonymize.NewKeyRing(anonymize.Key{ID: "l1", Secret: []byte("another secret, also thirty-two bytes")})
	if err != nil {
		panic(err)
	}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	eng, err := retention.New(decl, st, &retention.Options{Now: clock, AuditKey: keys})
	if err != nil {
		panic(err)
	}
	ledger, err := consent.New(eng, st, &consent.Options{Keys: keys, LinkKeys: linkKeys})
	if err != nil {
		panic(err)
	}
	return ledger, st, clock
}

// Grant, Valid and Withdraw: a withdrawal deletes the subject's
// appointments at once and acts for the future only.
func Example() {
	ctx := context.Background()
	ledger, st, now := exampleLedger()
	grantedAt := now().Add(-time.Hour)

	_, err := ledger.Grant(ctx, consent.Grant{
		Subject: "4711", Purpose: "booking", Version: "2025-01", Method: "web_form",
		At: grantedAt, Evidence: "198.51.100.23",
	})
	fmt.Println("grant:", err)
	_ = st.Insert(ctx, "appointment", map[string]any{"id": 1, "citizen_id": 4711, "starts_at": now().Add(48 * time.Hour), "name": "Erika"})

	ok, _ := ledger.Valid(ctx, "4711", "booking", now())
	fmt.Println("valid now:", ok)

	w, err := ledger.Withdraw(ctx, "4711", "booking", policy.ChannelEmail)
	fmt.Println("withdraw:", err, "- deleted:", w.Processed())

	ok, _ = ledger.Valid(ctx, "4711", "booking", now())
	fmt.Println("valid after withdrawal:", ok)
	ok, _ = ledger.Valid(ctx, "4711", "booking", grantedAt.Add(time.Minute))
	fmt.Println("valid at a time before the withdrawal:", ok)
	st2, _ := ledger.Status(ctx, "4711", "booking", now())
	fmt.Println("new grant required:", st2.RenewRequired)
	// Output:
	// grant: <nil>
	// valid now: true
	// withdraw: <nil> - deleted: 1
	// valid after withdrawal: false
	// valid at a time before the withdrawal: true
	// new grant required: true
}
