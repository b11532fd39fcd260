package sqltest

import (
	"strings"
	"time"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
)

// erasureYAML anonymizes two fields of past appointments in place (a Go
// operator and a redaction) and deletes appointments booked long ago: the
// declaration of the tests that search a database's files for what a
// sweep erased.
const erasureYAML = `
controller: { name: Stadt Beispiel, address: "Markt 1, 12345 Beispiel", public_authority: true }
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
    purposes: [booking]
    fields:
      email: { category: contact }
      ip: { category: online_identifier }
    rules:
      - { after: 7d, from: starts_at, anonymize: { ip: "ip_mask(v4=1, v6=80)", email: redact } }
      - { after: 30d, from: created_unix, delete: true }
`

// ErasureDeclaration returns the declaration of the erasure tests: an
// appointment's ip and email are masked and redacted 7 days after it
// starts, and the appointment is deleted 30 days after created_unix.
func ErasureDeclaration() (*policy.Declaration, error) {
	return policy.Load(strings.NewReader(erasureYAML), "erasure.yaml")
}

// ErasureTable is the CREATE TABLE statement of ErasureDeclaration's
// appointments in flavour f.
func ErasureTable(f Flavor) string {
	if f == Postgres {
		return `CREATE TABLE appointments (id bigint PRIMARY KEY, citizen text, starts_at timestamptz,
 created_unix bigint, email text, ip text, anonymized_at timestamptz)`
	}
	return `CREATE TABLE appointments (id INTEGER PRIMARY KEY, citizen TEXT, starts_at DATETIME,
 created_unix INTEGER, email TEXT, ip TEXT, anonymized_at DATETIME)`
}

// ErasureEngine returns an engine for decl on st whose clock stands at now,
// with a fixed audit key and batches of batchSize records.
func ErasureEngine(decl *policy.Declaration, st store.Driver, now time.Time, batchSize int) (*retention.Engine, error) {
	ring, err := anonymize.NewKeyRing(anonymize.Key{ID: "k1", Secret: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		return nil, err
	}
	return retention.New(decl, st, &retention.Options{Now: func() time.Time { return now }, AuditKey: ring, BatchSize: batchSize})
}
