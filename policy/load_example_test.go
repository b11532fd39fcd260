package policy_test

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/frist-go/frist/policy"
)

// ExampleLoad loads the declaration of Stadt Recklinghausen's appointment
// booking, whose notice promises "Anonymisierung nach 48 Stunden", and
// computes when a booking made before the change to summer time is
// anonymized.
func ExampleLoad() {
	const src = `
controller:
  name: Stadt Recklinghausen
  address: Rathausplatz 3, 45657 Recklinghausen
  time_zone: Europe/Berlin
  public_authority: true
purposes:
  - id: booking
    description: Terminvereinbarung im Bürgerbüro
    legal_basis: [{ basis: 6.1.a, national: "§ 35 DSG NRW" }]
    consent: { version: "2024-01", withdraw: [email] }
datasets:
  - id: appointment
    table: appointments
    key: id
    time: { booked_at: created_at }
    purposes: [booking]
    fields:
      name: { category: identity, required: true }
      email: { category: contact, required: true }
      phone: { category: contact }
    rules:
      - after: 48h
        from: booked_at
        anonymize: { name: "null", email: "null", phone: "null" }
`
	decl, err := policy.Load(strings.NewReader(src), "recklinghausen.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	ds := decl.Dataset("appointment")
	rule := ds.Rules[0]
	fmt.Println(rule.ID)
	fmt.Println(decl.Position("datasets[0].rules[0].after"))

	booked := time.Date(2026, 3, 28, 10, 0, 0, 0, decl.Location())
	fmt.Println(rule.After.AddTo(booked, decl.Location()).Format(time.DateTime + " MST"))
	// Output:
	// anonymize_after_48h_booked_at
	// {recklinghausen.yaml 23 16}
	// 2026-03-30 11:00:00 CEST
}

// ExampleLoad_errors shows that every problem is reported at once, each
// with file, line, column, field path and reason.
func ExampleLoad_errors() {
	const src = `controller: { name: Stadt Versmold, address: "Münsterstraße 16, 33775 Versmold" }
purposes:
  - id: booking
    legal_basis: 6.1.b
datasets:
  - id: appointment
    table: appointments
    key: id
    time: { booked_at: created_at }
    purposes: [bookings]
    fields: { email: { category: contact } }
    rules:
      - { after: 14 days, from: booked_at, delete: true }
      - { on: cancelled, delet: true }
`
	_, err := policy.Load(strings.NewReader(src), "versmold.yaml")
	fmt.Println(err)
	var list policy.ErrorList
	fmt.Println(errors.As(err, &list), len(list), errors.Is(err, policy.ErrInvalid))
	// Output:
	// versmold.yaml:10:16: datasets[0].purposes[0]: purpose "bookings" is not declared
	// versmold.yaml:13:18: datasets[0].rules[0].after: "14 days" is not a duration (use 14d)
	// versmold.yaml:14:26: datasets[0].rules[1].delet: unknown field "delet" in a rule (did you mean "delete"?)
	// true 3 true
}
