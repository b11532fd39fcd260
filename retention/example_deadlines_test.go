package retention_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
)

// bookingPolicy is the appointment booking of the Jobcenter Kreis Segeberg:
// "Nach dem erfolgten Termin werden die personenbezogenen Daten innerhalb
// von zwei Wochen gelöscht. Bei einer Terminstornierung oder einem Widerruf
// werden die verarbeiteten personenbezogenen Daten sofort gelöscht."
const bookingPolicy = `
controller: { name: Jobcenter Kreis Segeberg, address: "Kisdorfer Weg 7a, 24568 Kaltenkirchen", time_zone: Europe/Berlin, public_authority: true }
dpo: { address: "Kisdorfer Weg 7a, 24568 Kaltenkirchen" }
authority: { name: BfDI, address: "Graurheindorfer Str. 153, 53117 Bonn" }
purposes:
  - id: booking
    description: { de: Buchung eines Beratungstermins, en: Booking a counselling appointment }
    legal_basis: [{ basis: 6.1.a }]
    consent: { version: "2024-05", withdraw: [{ kind: link }] }
datasets:
  - id: appointment
    table: appointments
    key: id
    subject: citizen_id
    time: [{ name: appointment_at, column: starts_at }]
    purposes: [booking]
    fields:
      - { name: name, category: identity }
      - { name: email, category: contact }
    rules:
      - { id: delete_after_appointment, after: 2w, from: appointment_at, delete: true }
      - { id: delete_on_cancel, on: cancelled, delete: true }
      - { id: delete_on_withdrawal, on: consent_withdrawn, delete: true }
`

// When will this appointment be deleted? Deadlines answers from the
// declaration alone, in the controller's time zone: two calendar weeks
// after the appointment, although the clocks go back in between.
func ExampleDeadlines() {
	decl, err := policy.Load(strings.NewReader(bookingPolicy), "booking.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	appointment := time.Date(2024, 10, 21, 9, 30, 0, 0, berlin)

	deadlines, err := retention.Deadlines(decl, "appointment",
		map[string]time.Time{"appointment_at": appointment}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range deadlines {
		if d.Event != "" {
			fmt.Printf("%s: %s immediately on %s\n", d.Rule, d.Action, d.Event)
			continue
		}
		fmt.Printf("%s: %s by %s, not before %s\n", d.Rule, d.Action,
			d.Due.Format("Mon 2 Jan 2006 15:04 MST"), d.Earliest.Format("15:04 MST"))
	}
	// Output:
	// delete_after_appointment: delete by Mon 4 Nov 2024 09:30 CET, not before 09:28 CET
	// delete_on_cancel: delete immediately on cancelled
	// delete_on_withdrawal: delete immediately on consent_withdrawn
}
