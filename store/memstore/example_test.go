package memstore_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/memstore"
)

const bookingPolicy = `
controller:
  name: Stadt Musterstadt
  address: Marktplatz 1, 12345 Musterstadt
  time_zone: Europe/Berlin
  public_authority: true
dpo: {address: "Marktplatz 1, 12345 Musterstadt", contact: {email: dsb@musterstadt.example}}
authority: {name: LDI NRW, address: "Kavalleriestr. 2-4, 40213 Düsseldorf"}
purposes:
  - id: booking
    description: {de: Terminbuchung, en: Appointment booking}
    legal_basis: [6.1.e]
datasets:
  - id: appointment
    table: appointments
    key: id
    subject: citizen_id
    time: {appointment_at: starts_at}
    purposes: [booking]
    fields:
      name: {category: identity}
      email: {category: contact}
    rules:
      - {after: 14d, from: appointment_at, delete: true}
`

// A memstore holds an application's rows for tests. A batch deletes the
// appointments two weeks past and records a hash-chained audit entry with
// pseudonymized subjects in the same step.
func Example() {
	decl, err := policy.Load(strings.NewReader(bookingPolicy), "policy.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	st, err := memstore.New(decl)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 3, 0, 0, 0, time.UTC)
	for i, days := range []int{-30, -15, -3} {
		_ = st.Insert(ctx, "appointment", map[string]any{
			"id": i + 1, "citizen_id": 100 + i, "name": "Erika Mustermann", "email": "erika@example.org",
			"starts_at": now.AddDate(0, 0, days),
		})
	}
	ring, _ := anonymize.NewKeyRing(anonymize.Key{ID: "k1", Secret: bytes.Repeat([]byte{1}, 32)})

	res, err := st.Process(ctx, store.Batch{
		Selection: store.Selection{
			Dataset: "appointment",
			Bounds:  []store.Bound{{Column: "appointment_at", Cutoff: now.AddDate(0, 0, -14)}},
			Now:     now,
			Limit:   1000,
		},
		Action: store.Action{Delete: true},
		Audit: func(rs []store.Record, n int) (audit.Entry, error) {
			e := audit.Entry{Time: now, Action: "delete", Dataset: "appointment", Rule: "delete_after_14d_appointment_at", Count: n}
			for _, r := range rs {
				e.Subjects = append(e.Subjects, ring.Pseudonym(r.Subject))
			}
			return e, nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range res.Processed {
		fmt.Println("deleted", r.Key)
	}
	fmt.Println("left:", st.Len("appointment"))
	log, _ := st.ReadAudit(ctx, 0, 0)
	_, err = audit.Verify(log, nil)
	fmt.Println("entries:", len(log), "count:", log[0].Count, "verified:", err == nil)
	fmt.Println("subject pseudonymized:", audit.IsPseudonym(log[0].Subjects[0]))
	// Output:
	// deleted 1
	// deleted 2
	// left: 1
	// entries: 1 count: 2 verified: true
	// subject pseudonymized: true
}
