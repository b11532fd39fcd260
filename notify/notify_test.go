package notify_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/notify"
	"github.com/frist-go/frist/policy"
)

// TestAuditNotesReadBack: every note AuditNote writes reads back as the
// recipient and outcome it records, whatever the notifier's error says,
// and text of another form does not read as a communication. Seen to
// fail: with ParseAuditNote cutting the recipient at the last space, a
// NOT told note whose error has spaces read as another recipient.
func TestAuditNotesReadBack(t *testing.T) {
	for _, o := range []notify.Outcome{notify.Told, notify.NotTold, notify.ByController} {
		for _, err := range []error{nil, errors.New("recipient x told (Art. 19)"), errors.Join(errors.New("a"), errors.New("b\nc"))} {
			note := notify.AuditNote("maixit", o, err)
			rid, got, ok := notify.ParseAuditNote(note)
			require.True(t, ok, note)
			assert.Equal(t, "maixit", rid, note)
			assert.Equal(t, o, got, note)
		}
	}
	for _, note := range []string{"", "recipient", "recipient maixit", "recipient maixit told", "recipient maixit told (Art. 19) and more",
		"hold 1 reason Art. 17(3)(e) GDPR", "recipient  told (Art. 19)"} {
		_, _, ok := notify.ParseAuditNote(note)
		assert.False(t, ok, "%q", note)
	}
}

// twoRecipients declares agentur (through the purpose booking) and maixit
// (through the purpose and the dataset appointment) as recipients of the
// appointments; the access log has none.
const twoRecipients = `
controller: {name: Jobcenter, address: "Kisdorfer Weg 7a, 24568 Kaltenkirchen", time_zone: Europe/Berlin, public_authority: true}
dpo: {address: "Kisdorfer Weg 7a, 24568 Kaltenkirchen"}
authority: {name: BfDI, address: "Graurheindorfer Str. 153, 53117 Bonn"}
recipients:
  - {id: agentur, name: Agentur für Arbeit, role: public_body, country: DE, disclosure: routine}
  - {id: maixit, name: maixit GmbH, role: processor, country: DE}
  - {id: gericht, name: Sozialgericht, role: public_body, country: DE}
purposes:
  - {id: booking, description: {de: Buchung, en: Booking}, legal_basis: [6.1.e], recipients: [agentur, maixit]}
  - {id: website, description: {de: Webseite, en: Website}, legal_basis: [6.1.e]}
datasets:
  - id: appointment
    table: appointments
    key: id
    time: [{name: starts_at}]
    purposes: [booking]
    recipients: [maixit, gericht]
    fields: [{name: name, category: identity}]
    rules: [{after: 14d, from: starts_at, delete: true}]
  - id: access_log
    table: access_log
    key: id
    time: [{name: requested_at}]
    purposes: [website]
    fields: [{name: ip, category: online_identifier}]
    rules: [{after: 7d, from: requested_at, delete: true}]
`

// TestRecipientsOfDatasets: a recipient counts for a dataset that names
// it or serves a purpose naming it, once, in the declaration's order of
// recipients, and only when every record reaches it: the court, a public
// body that does not say so, receives records case by case and is never
// told (telling it would disclose the person). Seen to fail: without the
// purposes' recipients, agentur was missing; without the Contains check,
// maixit received "appointment" twice; without the Routine filter, gericht
// was listed.
func TestRecipientsOfDatasets(t *testing.T) {
	decl, err := policy.Load(strings.NewReader(twoRecipients), "recipients.yaml")
	require.NoError(t, err)
	order, by := notify.Recipients(decl, []string{"access_log", "appointment", "unknown"})
	assert.Equal(t, []string{"agentur", "maixit"}, order)
	assert.Equal(t, map[string][]string{"agentur": {"appointment"}, "maixit": {"appointment"}}, by)
	order, _ = notify.Recipients(decl, []string{"access_log"})
	assert.Empty(t, order)
}

type notifierFunc func(context.Context, notify.Notification) error

func (f notifierFunc) Notify(ctx context.Context, n notify.Notification) error { return f(ctx, n) }

// TestDeliverSaysWhatBecameOfANotification: no notifier, or none for the
// recipient, leaves the communication to the controller; a failure or a
// panic is NotTold, the panic's text (which could carry the notification)
// not repeated. Seen to fail: without the ErrNoChannel case, a recipient
// missing from Webhooks counted as NotTold; without the recover, the
// panic ended the test binary.
func TestDeliverSaysWhatBecameOfANotification(t *testing.T) {
	ctx := context.Background()
	n := notify.Notification{Recipient: "maixit", Subject: "c-1001"}
	o, err := notify.Deliver(ctx, nil, n)
	assert.Equal(t, notify.ByController, o)
	assert.NoError(t, err)

	o, err = notify.Deliver(ctx, notify.Webhooks{}, n)
	assert.Equal(t, notify.ByController, o)
	assert.ErrorIs(t, err, notify.ErrNoChannel)
	assert.Equal(t, "recipient maixit to be told by the controller (Art. 19): notify: no way to tell this recipient is configured: no webhook for recipient maixit",
		notify.AuditNote("maixit", o, err))

	o, err = notify.Deliver(ctx, notifierFunc(func(context.Context, notify.Notification) error { return errors.New("503") }), n)
	assert.Equal(t, notify.NotTold, o)
	assert.EqualError(t, err, "503")

	o, err = notify.Deliver(ctx, notifierFunc(func(_ context.Context, n notify.Notification) error { panic("cannot reach " + n.Subject) }), n)
	assert.Equal(t, notify.NotTold, o)
	assert.EqualError(t, err, "the notifier panicked: string")

	o, err = notify.Deliver(ctx, notifierFunc(func(context.Context, notify.Notification) error { return nil }), n)
	assert.Equal(t, notify.Told, o)
	assert.NoError(t, err)
}
