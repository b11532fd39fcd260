package sqltest

import (
	"strings"

	"github.com/frist-go/frist/policy"
)

// declYAML is the declaration of the backends' own tests: an appointment
// table with an integer key and a time column in every format, and a
// contact table with a text key.
const declYAML = `
controller: { name: Stadt Beispiel, address: "Markt 1, 12345 Beispiel", time_zone: Europe/Berlin, public_authority: true }
dpo: { address: "Markt 1, 12345 Beispiel" }
authority: { name: LDI NRW, address: "Kavalleriestr. 2-4, 40213 Düsseldorf" }
purposes:
  - id: booking
    description: { de: "Buchung eines Termins", en: "Booking an appointment" }
    legal_basis: [6.1.e]
datasets:
  - id: appointment
    table: appointments
    key: id
    subject: citizen
    marker: anonymized_at
    time:
      starts_at: starts_at
      created_unix: { column: created_unix, format: unix }
      created_ms: { column: created_ms, format: unix_ms }
      created_text: { column: created_text, format: rfc3339 }
    purposes: [booking]
    fields:
      name: { category: identity }
      email: { category: contact }
      ip: { category: online_identifier }
    rules:
      - { after: 14d, from: starts_at, delete: true }
  - id: contact
    table: contacts
    key: ref
    subject: citizen
    time: { settled_at: settled_at }
    purposes: [booking]
    fields:
      message: { category: free_text }
    rules:
      - { after: 30d, from: settled_at, delete: true }
`

// Declaration returns the validated declaration of the backends' own tests.
func Declaration() (*policy.Declaration, error) {
	return policy.Load(strings.NewReader(declYAML), "sqltest.yaml")
}

// IntKey reports which datasets of Declaration have integer keys.
func IntKey(ds *policy.Dataset) bool { return ds.ID == "appointment" }
