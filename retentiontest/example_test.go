package retentiontest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/retentiontest"
	"github.com/frist-go/frist/store/memstore"
)

// bookingDeclaration declares what the Jobcenter Kreis Segeberg promises:
// "Nach dem erfolgten Termin werden die personenbezogenen Daten innerhalb
// von zwei Wochen gelöscht."
const bookingDeclaration = `
controller: {name: Jobcenter Kreis Segeberg, address: "Kisdorfer Weg 7a, 24568 Kaltenkirchen", time_zone: Europe/Berlin, public_authority: true}
dpo: {address: "Kisdorfer Weg 7a, 24568 Kaltenkirchen"}
authority: {name: BfDI, address: "Graurheindorfer Str. 153, 53117 Bonn"}
purposes:
  - id: booking
    description: {de: Buchung eines Beratungstermins, en: Booking a counselling appointment}
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
    rules:
      - {after: 14d, from: appointment_at, delete: true}
`

// An application's test asserts that an appointment is deleted two weeks
// after it took place, and not before. In a real test, pass the test's
// *testing.T where this example passes reporter{}.
func ExampleRequireDeletedBy() {
	ctx := context.Background()
	decl, err := policy.Load(strings.NewReader(bookingDeclaration), "booking.yaml")
	if err != nil {
		panic(err)
	}
	st, _ := memstore.New(decl)
	key, _ := anonymize.NewKeyRing(anonymize.Key{ID: "k1", Secret: []byte("example audit key, at least 32 bytes")})
	clock := retentiontest.NewClock(time.Date(2025, 6, 2, 8, 0, 0, 0, time.UTC))
	eng, _ := retention.New(decl, st, &retention.Options{Now: clock.Now, AuditKey: key})

	appointment := time.Date(2025, 6, 5, 9, 30, 0, 0, time.UTC)
	_ = st.Insert(ctx, "appointment", map[string]any{"id": int64(42), "citizen_id": "c-7", "starts_at": appointment, "name": "Erika Mustermann"})

	retentiontest.RequireDeletedBy(ctx, reporter{}, clock, eng, st, "appointment", "42", appointment.AddDate(0, 0, 14))
	_, exists, _ := st.Get(ctx, "appointment", "42")
	fmt.Println("exists:", exists, "at", clock.Now().Format(time.DateTime))

	// A stricter promise than the declaration makes fails, naming the rule,
	// the record and both deadlines.
	_ = st.Insert(ctx, "appointment", map[string]any{"id": int64(43), "citizen_id": "c-8", "starts_at": appointment.AddDate(0, 0, 20)})
	retentiontest.RequireDeletedBy(ctx, reporter{}, clock, eng, st, "appointment", "43", appointment.AddDate(0, 0, 30))
	// Output:
	// exists: false at 2025-06-19 09:30:00
	// FAIL: retentiontest: record appointment/43 must be deleted by 2025-07-05T09:30:00Z, but rule delete_after_14d_appointment_at deletes it only by 2025-07-09T09:30:00Z
}

// reporter prints failures; it stands in for the *testing.T of a real test.
type reporter struct{ testing.TB }

func (reporter) Helper() {}

func (reporter) Fatalf(format string, args ...any) { fmt.Printf("FAIL: "+format+"\n", args...) }
