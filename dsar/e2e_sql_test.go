package dsar_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/consent"
	"github.com/frist-go/frist/dsar"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
)

// seedJobcenterSQL books appointments for two people with the same name
// and e-mail addresses differing only by case, who share an IP address in
// the access log, and records their consent, as seedJobcenter does on
// memstore.
func seedJobcenterSQL(x *sqlFixture) {
	for i, sub := range []string{"c-1001", "c-1002"} {
		_, err := x.ledger.Grant(x.ctx, consent.Grant{Subject: sub, Purpose: "booking", Version: "2024-01", Method: "web_form",
			At: received.Add(-30 * 24 * time.Hour)})
		require.NoError(x.t, err)
		email := []string{"erika.muster@example.org", "Erika.Muster@example.org"}[i]
		for j, start := range []time.Time{received.Add(72 * time.Hour), received.Add(-48 * time.Hour), received.Add(240 * time.Hour)} {
			x.insert("appointment", map[string]any{
				"id": int64(10*(i+1) + j), "citizen_id": sub, "starts_at": start, "booked_at": received.Add(-20 * 24 * time.Hour),
				"name": "Erika Muster", "birth_date": "1980-01-01", "customer_number": "123A" + sub, "concern": "Beratung",
				"place": "Kaltenkirchen", "email": email, "free_text": nil,
			})
		}
	}
	for k := range 3 {
		x.insert("access_log", map[string]any{"id": int64(k + 1), "requested_at": received.Add(-time.Hour), "ip": "192.0.2.44",
			"user_agent": "Mozilla/5.0", "path": "/termine", "anonymized_at": nil})
	}
}

// The Jobcenter scenario of TestJobcenterAccessThenErasure on SQLite and
// PostgreSQL: the requests, consents, holds and audit entries live in
// frist's own tables and the appointments in the application's.
func TestJobcenterAccessThenErasureOnSQL(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, f flavor) {
		x := newSQLFixture(t, f, "jobcenter", false, received)
		seedJobcenterSQL(x)
		// The record booked for two days ago is needed for a legal claim.
		_, err := x.eng.PlaceHold(x.ctx, retention.HoldRequest{Dataset: "appointment", Key: "11", Reason: store.HoldLegalClaims, Note: "Widerspruchsverfahren"})
		require.NoError(t, err)

		// Access.
		req := x.openVerified(dsar.Access, "c-1001")
		assert.Equal(t, dsar.NewDate(2026, time.April, 7), req.Due().Date, "one month, moved past Karfreitag, the weekend and Ostermontag")
		rep, err := x.svc.Access(x.ctx, req.ID())
		require.NoError(t, err)
		assert.Equal(t, []string{"10", "11", "12"}, keysOf(rep, "appointment"), "every appointment of the subject and no other")
		require.Len(t, rep.NotSearched, 1)
		assert.Equal(t, "access_log", rep.NotSearched[0].Dataset, "the access log has no subject column (Art. 11(2))")
		require.Len(t, rep.Consents, 1)
		assert.Equal(t, "granted", rep.Consents[0].Kind)
		assert.True(t, rep.Consents[0].At.Equal(received.Add(-30*24*time.Hour)), "the grant's time, got %s", rep.Consents[0].At)
		require.Len(t, rep.Datasets, 1)
		ds := rep.Datasets[0]
		assert.Equal(t, []string{"6.1.a"}, ds.Purposes[0].LegalBasis)
		assert.Equal(t, "maixit GmbH", ds.Recipients[0].Name.In("de"))
		starts := map[string]time.Time{"10": received.Add(72 * time.Hour), "11": received.Add(-48 * time.Hour), "12": received.Add(240 * time.Hour)}
		for _, rec := range ds.Records {
			assert.Equal(t, "Erika Muster", rec.Fields["name"])
			assert.Equal(t, "erika.muster@example.org", rec.Fields["email"], "the requester's own address, not the other person's")
			var due *time.Time
			events := map[string]bool{}
			for _, d := range rec.Deadlines {
				if d.Rule == "delete_after_14d_appointment_at" {
					due = d.Due
				}
				if d.Event != "" {
					events[string(d.Event)] = true
				}
			}
			require.NotNil(t, due, "record %s has its deadline", rec.Key)
			// „Nach dem erfolgten Termin werden die personenbezogenen Daten
			// innerhalb von zwei Wochen gelöscht.“
			assert.True(t, due.Equal(starts[rec.Key].AddDate(0, 0, 14)), "record %s is deleted two weeks after the appointment, got %s", rec.Key, due)
			assert.Equal(t, map[string]bool{"cancelled": true, "consent_withdrawn": true}, events,
				"„Bei Stornierung oder Widerruf der Einwilligung werden die Daten sofort gelöscht.“")
		}
		require.Len(t, rep.Holds, 1)
		assert.Equal(t, "Art. 17(3)(e) GDPR", rep.Holds[0].Norm)
		got, err := x.svc.Get(x.ctx, req.ID())
		require.NoError(t, err)
		assert.Equal(t, dsar.Completed, got.State(), "the completed request is stored")
		js, err := json.Marshal(rep)
		require.NoError(t, err)
		requireSchema(t, js)

		// Erasure.
		x.advance(time.Hour)
		er := x.openVerified(dsar.Erasure, "c-1001")
		rc, err := x.svc.Erase(x.ctx, er.ID())
		require.NoError(t, err)
		require.Len(t, rc.Kept, 1, "all erased but the held record")
		assert.Equal(t, "appointment", rc.Kept[0].Dataset)
		assert.Equal(t, "11", rc.Kept[0].Key)
		assert.Equal(t, "Art. 17(3)(e) GDPR", rc.Kept[0].Norm)
		assert.Equal(t, 2, rc.ConsentEvents, "the grant and its withdrawal on erasure are kept under a pseudonym")
		for _, k := range []string{"10", "12"} {
			assert.False(t, x.exists("appointment", k), "appointment %s is erased", k)
		}
		assert.True(t, x.exists("appointment", "11"), "the held appointment is kept")
		for _, k := range []string{"20", "21", "22"} {
			assert.True(t, x.exists("appointment", k), "the other person's appointment %s is untouched", k)
		}
		for _, k := range []string{"1", "2", "3"} {
			assert.True(t, x.exists("access_log", k), "the access log is not attributed to persons and follows its own rules")
		}
		ok, err := x.ledger.Valid(x.ctx, "c-1002", "booking", x.clock())
		require.NoError(t, err)
		assert.True(t, ok, "the other person's consent stands")
		ok, err = x.ledger.Valid(x.ctx, "c-1001", "booking", x.clock())
		require.NoError(t, err)
		assert.False(t, ok, "the erased person's consent no longer counts")

		reqs, err := x.svc.List(x.ctx, dsar.Filter{Subject: "c-1001"})
		require.NoError(t, err)
		require.Len(t, reqs, 2)
		for _, r := range reqs {
			assert.Equal(t, dsar.Completed, r.State(), "%s is completed", r)
		}
		log := x.auditText()
		assert.Contains(t, log, x.ring.Pseudonym("c-1001"))
		assert.Contains(t, log, "dsar.erase")
		assert.False(t, contains(log, "c-1001", "Erika", "example.org", "192.0.2.44"), "no personal data in the audit log")
	})
}

// The Versmold scenario of TestVersmoldAccessThenErasure on SQLite and
// PostgreSQL, where the customer table's key is its subject column.
func TestVersmoldAccessThenErasureOnSQL(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, f flavor) {
		x := newSQLFixture(t, f, "versmold", true, received)
		for i, id := range []int64{501, 502} {
			email := []string{"erika.muster@example.org", "ERIKA.MUSTER@example.org"}[i]
			x.insert("customer", map[string]any{"id": id, "created_at": received.Add(-90 * 24 * time.Hour), "first_name": "Erika", "last_name": "Muster",
				"email": email, "mobile": "0170 1234567", "address": nil, "birth_date": nil})
			for j := range 2 {
				x.insert("login", map[string]any{"id": id*10 + int64(j), "customer_id": id, "login_at": received.Add(-time.Duration(j+1) * time.Hour), "ip": "192.0.2.44"})
			}
			x.insert("appointment", map[string]any{"id": id * 100, "customer_id": id, "starts_at": received.Add(48 * time.Hour),
				"booked_at": received.Add(-24 * time.Hour), "name": "Erika Muster", "email": email, "mobile": "0170 1234567", "service": "Personalausweis"})
		}
		x.insert("access_log", map[string]any{"id": int64(1), "requested_at": received.Add(-time.Hour), "ip": "192.0.2.44",
			"user_agent": "Mozilla/5.0", "page": "/termine", "referrer": nil})
		_, err := x.eng.PlaceHold(x.ctx, retention.HoldRequest{Dataset: "login", Key: "5010", Reason: store.HoldLegalObligation, Note: "Ermittlungsverfahren"})
		require.NoError(t, err)

		req := x.openVerified(dsar.Access, "501")
		rep, err := x.svc.Access(x.ctx, req.ID())
		require.NoError(t, err)
		assert.Equal(t, []string{"501"}, keysOf(rep, "customer"))
		assert.Equal(t, []string{"5010", "5011"}, keysOf(rep, "login"))
		assert.Equal(t, []string{"50100"}, keysOf(rep, "appointment"))
		assert.Empty(t, rep.Consents, "Versmold asks for no consent")
		require.Len(t, rep.Holds, 1)
		assert.Equal(t, "Art. 17(3)(b) GDPR", rep.Holds[0].Norm)
		for _, ds := range rep.Datasets {
			for _, rec := range ds.Records {
				assert.NotEmpty(t, rec.Deadlines, "%s %s states when it is deleted", ds.ID, rec.Key)
			}
		}
		js, err := json.Marshal(rep)
		require.NoError(t, err)
		requireSchema(t, js)

		x.advance(time.Minute)
		er := x.openVerified(dsar.Erasure, "501")
		rc, err := x.svc.Erase(x.ctx, er.ID())
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
		assert.True(t, x.exists("login", "5010"), "the held login is kept")
		for _, k := range []struct{ ds, key string }{{"customer", "501"}, {"login", "5011"}, {"appointment", "50100"}} {
			assert.False(t, x.exists(k.ds, k.key), "the requester's %s %s is erased", k.ds, k.key)
		}
		for _, k := range []struct{ ds, key string }{{"customer", "502"}, {"login", "5020"}, {"login", "5021"}, {"appointment", "50200"}, {"access_log", "1"}} {
			assert.True(t, x.exists(k.ds, k.key), "%s %s, not the requester's, is untouched", k.ds, k.key)
		}
		log := x.auditText()
		assert.False(t, contains(log, "Erika", "example.org", "192.0.2.44", "0170 1234567"), "no personal data in the audit log")
	})
}
