package dsar_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/consent"
	"github.com/frist-go/frist/dsar"
	"github.com/frist-go/frist/notice"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
)

// berlin is the controllers' time zone in the example declarations.
var berlin = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	return loc
}()

// Tuesday 3 March 2026: one month later is Karfreitag, followed by a
// weekend and Ostermontag, so the Art. 12(3) period ends on 7 April.
var received = time.Date(2026, time.March, 3, 10, 0, 0, 0, berlin)

// seedJobcenter books appointments for two people with the same name and
// e-mail addresses differing only by case, who share an IP address in the
// access log, and records their consent.
func seedJobcenter(f *fixture) {
	for i, sub := range []string{"c-1001", "c-1002"} {
		_, err := f.ledger.Grant(f.ctx, consent.Grant{Subject: sub, Purpose: "booking", Version: "2024-01", Method: "web_form",
			At: received.Add(-30 * 24 * time.Hour)})
		require.NoError(f.t, err)
		email := []string{"erika.muster@example.org", "Erika.Muster@example.org"}[i]
		for j, start := range []time.Time{received.Add(72 * time.Hour), received.Add(-48 * time.Hour), received.Add(240 * time.Hour)} {
			f.insert("appointment", map[string]any{
				"id": int64(10*(i+1) + j), "citizen_id": sub, "starts_at": start, "booked_at": received.Add(-20 * 24 * time.Hour),
				"name": "Erika Muster", "birth_date": "1980-01-01", "customer_number": "123A" + sub, "concern": "Beratung",
				"place": "Kaltenkirchen", "email": email, "free_text": nil,
			})
		}
	}
	for k := range 3 {
		f.insert("access_log", map[string]any{"id": int64(k + 1), "requested_at": received.Add(-time.Hour), "ip": "192.0.2.44",
			"user_agent": "Mozilla/5.0", "path": "/termine", "anonymized_at": nil})
	}
}

func TestJobcenterAccessThenErasure(t *testing.T) {
	f := newFixture(t, "jobcenter", received)
	seedJobcenter(f)
	// The record booked for two days ago is needed for a legal claim.
	_, err := f.eng.PlaceHold(f.ctx, retention.HoldRequest{Dataset: "appointment", Key: "11", Reason: store.HoldLegalClaims, Note: "Widerspruchsverfahren"})
	require.NoError(t, err)

	// Access.
	req := f.openVerified(dsar.Access, "c-1001")
	assert.Equal(t, dsar.NewDate(2026, time.April, 7), req.Due().Date, "one month, moved past Karfreitag, the weekend and Ostermontag")
	rep, err := f.svc.Access(f.ctx, req.ID())
	require.NoError(t, err)
	assert.Equal(t, []string{"10", "11", "12"}, keysOf(rep, "appointment"), "every appointment of the subject and no other")
	require.Len(t, rep.NotSearched, 1)
	assert.Equal(t, "access_log", rep.NotSearched[0].Dataset, "the access log has no subject column (Art. 11(2))")
	require.Len(t, rep.Consents, 1)
	assert.Equal(t, "granted", rep.Consents[0].Kind)
	ds := rep.Datasets[0]
	assert.Equal(t, "booking", ds.Purposes[0].ID)
	assert.Equal(t, []string{"6.1.a"}, ds.Purposes[0].LegalBasis)
	assert.Equal(t, "maixit GmbH", ds.Recipients[0].Name.In("de"))
	assert.Contains(t, ds.Storage.DE, "14 Tage nach dem Termin gelöscht",
		"„Nach dem erfolgten Termin werden die personenbezogenen Daten innerhalb von zwei Wochen gelöscht.“")
	rec := ds.Records[0]
	assert.Equal(t, "Erika Muster", rec.Fields["name"])
	var due *time.Time
	for _, d := range rec.Deadlines {
		if d.Rule == "delete_after_14d_appointment_at" {
			due = d.Due
		}
	}
	require.NotNil(t, due)
	assert.True(t, due.Equal(received.Add(72*time.Hour).AddDate(0, 0, 14)), "deleted two weeks after the appointment, got %s", due)
	require.Len(t, rep.Holds, 1)
	assert.Equal(t, "Art. 17(3)(e) GDPR", rep.Holds[0].Norm)
	got, err := f.svc.Get(f.ctx, req.ID())
	require.NoError(t, err)
	assert.Equal(t, dsar.Completed, got.State())

	js, err := json.Marshal(rep)
	require.NoError(t, err)
	requireSchema(t, js)
	var md, html bytes.Buffer
	require.NoError(t, rep.WriteMarkdown(&md, notice.German, berlin))
	require.NoError(t, rep.WriteHTML(&html, notice.English, berlin))
	assert.Contains(t, md.String(), "# Auskunft nach Art. 15 DSGVO")
	assert.Contains(t, md.String(), "Der Bundesbeauftragte für den Datenschutz")
	assert.Contains(t, html.String(), `<html lang="en">`)
	assert.Contains(t, html.String(), "Right of access")

	// Erasure.
	f.advance(time.Hour)
	er := f.openVerified(dsar.Erasure, "c-1001")
	rc, err := f.svc.Erase(f.ctx, er.ID())
	require.NoError(t, err)
	require.Len(t, rc.Kept, 1, "all erased but the held record")
	assert.Equal(t, store.HoldLegalClaims, store.HoldReason("17.3.e"))
	assert.Equal(t, "11", rc.Kept[0].Key)
	assert.Equal(t, "Art. 17(3)(e) GDPR", rc.Kept[0].Norm)
	assert.Equal(t, 2, rc.ConsentEvents, "the grant and its withdrawal on erasure are kept under a pseudonym")
	for _, k := range []string{"10", "12"} {
		_, ok, err := f.st.Get(f.ctx, "appointment", k)
		require.NoError(t, err)
		assert.False(t, ok, "appointment %s is erased", k)
	}
	for _, k := range []string{"20", "21", "22"} {
		_, ok, err := f.st.Get(f.ctx, "appointment", k)
		require.NoError(t, err)
		assert.True(t, ok, "the other person's appointment %s is untouched", k)
	}
	ok, err := f.ledger.Valid(f.ctx, "c-1002", "booking", f.clock())
	require.NoError(t, err)
	assert.True(t, ok, "the other person's consent stands")
	log := f.auditText()
	assert.Contains(t, log, f.ring.Pseudonym("c-1001"))
	assert.Contains(t, log, "dsar.erase")
	assert.False(t, contains(log, "c-1001", "Erika", "example.org", "192.0.2.44"), "no personal data in the audit log")
}

func TestVersmoldAccessThenErasure(t *testing.T) {
	f := newFixture(t, "versmold", received)
	for i, id := range []int64{501, 502} {
		email := []string{"erika.muster@example.org", "ERIKA.MUSTER@example.org"}[i]
		f.insert("customer", map[string]any{"id": id, "created_at": received.Add(-90 * 24 * time.Hour), "first_name": "Erika", "last_name": "Muster",
			"email": email, "mobile": "0170 1234567", "address": nil, "birth_date": nil})
		for j := range 2 {
			f.insert("login", map[string]any{"id": id*10 + int64(j), "customer_id": id, "login_at": received.Add(-time.Duration(j+1) * time.Hour), "ip": "192.0.2.44"})
		}
		f.insert("appointment", map[string]any{"id": id * 100, "customer_id": id, "starts_at": received.Add(48 * time.Hour),
			"booked_at": received.Add(-24 * time.Hour), "name": "Erika Muster", "email": email, "mobile": "0170 1234567", "service": "Personalausweis"})
	}
	_, err := f.eng.PlaceHold(f.ctx, retention.HoldRequest{Dataset: "login", Key: "5010", Reason: store.HoldLegalObligation, Note: "Ermittlungsverfahren"})
	require.NoError(t, err)

	req := f.openVerified(dsar.Access, "501")
	rep, err := f.svc.Access(f.ctx, req.ID())
	require.NoError(t, err)
	assert.Equal(t, []string{"501"}, keysOf(rep, "customer"))
	assert.Equal(t, []string{"5010", "5011"}, keysOf(rep, "login"))
	assert.Equal(t, []string{"50100"}, keysOf(rep, "appointment"))
	assert.Empty(t, rep.Consents, "Versmold asks for no consent")
	js, err := json.Marshal(rep)
	require.NoError(t, err)
	requireSchema(t, js)

	f.advance(time.Minute)
	er := f.openVerified(dsar.Erasure, "501")
	rc, err := f.svc.Erase(f.ctx, er.ID())
	require.NoError(t, err)
	require.Len(t, rc.Kept, 1)
	assert.Equal(t, "login", rc.Kept[0].Dataset)
	assert.Equal(t, "5010", rc.Kept[0].Key)
	assert.Equal(t, "Art. 17(3)(b) GDPR", rc.Kept[0].Norm)
	erased := map[string]int{}
	for _, d := range rc.Datasets {
		erased[d.Dataset] += d.Erased
	}
	assert.Equal(t, map[string]int{"customer": 1, "login": 1, "appointment": 1}, erased)
	for _, k := range []struct{ ds, key string }{{"customer", "502"}, {"login", "5020"}, {"login", "5021"}, {"appointment", "50200"}} {
		_, ok, err := f.st.Get(f.ctx, k.ds, k.key)
		require.NoError(t, err)
		assert.True(t, ok, "the other person's %s %s is untouched", k.ds, k.key)
	}
}
