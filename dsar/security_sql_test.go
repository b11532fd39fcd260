package dsar_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/dsar"
)

// Two people with the same name, e-mail addresses differing only by case
// and a shared IP address, on SQL: no report, export, rectification or
// erasure for one contains or touches the other's records. SQLite compares
// text case-sensitively and PostgreSQL with its collation; neither may
// match the other person's e-mail address or subject.
func TestNoRequestOfOneSubjectContainsOrTouchesTheOthersRecordsOnSQL(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, f flavor) {
		x := newSQLFixture(t, f, "versmold", true, received)
		for i, id := range []int64{501, 502} {
			email := []string{"erika.muster@example.org", "Erika.Muster@example.org"}[i]
			x.insert("customer", map[string]any{"id": id, "created_at": received.Add(-24 * time.Hour), "first_name": "Erika", "last_name": "Muster",
				"email": email, "mobile": "0170 1234567", "address": nil, "birth_date": nil})
			x.insert("login", map[string]any{"id": id * 10, "customer_id": id, "login_at": received.Add(-time.Hour), "ip": "192.0.2.44"})
			x.insert("appointment", map[string]any{"id": id * 100, "customer_id": id, "starts_at": received.Add(48 * time.Hour),
				"booked_at": received.Add(-time.Hour), "name": "Erika Muster", "email": email, "mobile": "0170 1234567", "service": "Pass"})
		}
		other := []string{"502", "5020", "50200", "Erika.Muster@example.org"}

		acc := x.openVerified(dsar.Access, "501")
		rep, err := x.svc.Access(x.ctx, acc.ID())
		require.NoError(t, err)
		assert.Equal(t, []string{"50100"}, keysOf(rep, "appointment"))
		js, err := json.Marshal(rep)
		require.NoError(t, err)
		var md bytes.Buffer
		require.NoError(t, rep.WriteMarkdown(&md, "de", berlin))
		for _, s := range other {
			assert.NotContains(t, withoutIDs(string(js)), s, "the report must not contain the other person's data")
			assert.NotContains(t, withoutIDs(md.String()), s)
		}

		port := x.openVerified(dsar.Portability, "501")
		ex, err := x.svc.Portability(x.ctx, port.ID())
		require.NoError(t, err)
		var csv bytes.Buffer
		require.NoError(t, ex.WriteCSV(&csv))
		exJS, err := json.Marshal(ex)
		require.NoError(t, err)
		for _, s := range other {
			assert.NotContains(t, withoutIDs(string(exJS)), s)
			assert.NotContains(t, withoutIDs(csv.String()), s)
		}
		assert.Contains(t, csv.String(), "erika.muster@example.org")

		// Rectification reaches the requester's record and no other.
		rect := x.openVerified(dsar.Rectification, "501")
		_, err = x.svc.Rectify(x.ctx, rect.ID(), []dsar.Change{{Dataset: "appointment", Key: "50200", Field: "name", Value: "Mallory"}})
		require.ErrorIs(t, err, dsar.ErrRectification, "a rectification never reaches another person's record")
		_, err = x.svc.Rectify(x.ctx, rect.ID(), []dsar.Change{{Dataset: "appointment", Key: "50100", Field: "name", Value: "Erika Musterfrau"}})
		require.NoError(t, err)
		row, ok := x.get("appointment", "50100")
		require.True(t, ok)
		assert.Equal(t, "Erika Musterfrau", row["name"], "the requester's own record is rectified")
		row, ok = x.get("appointment", "50200")
		require.True(t, ok)
		assert.Equal(t, "Erika Muster", row["name"], "the other person's record keeps its value")

		er := x.openVerified(dsar.Erasure, "501")
		_, err = x.svc.Erase(x.ctx, er.ID())
		require.NoError(t, err)
		for _, k := range []struct{ ds, key string }{{"customer", "502"}, {"login", "5020"}, {"appointment", "50200"}} {
			row, ok := x.get(k.ds, k.key)
			require.True(t, ok, "%s %s of the other person survives", k.ds, k.key)
			if k.ds == "customer" {
				assert.Equal(t, "Erika.Muster@example.org", row["email"])
			}
		}
		for _, k := range []struct{ ds, key string }{{"customer", "501"}, {"login", "5010"}, {"appointment", "50100"}} {
			assert.False(t, x.exists(k.ds, k.key), "%s %s of the requester is erased", k.ds, k.key)
		}
		log := x.auditText()
		assert.Contains(t, log, "dsar.rectify")
		assert.NotContains(t, log, x.ring.Pseudonym("502"), "nothing was done to the other person")
		assert.False(t, contains(log, "Erika", "Musterfrau", "Mallory", "example.org", "192.0.2.44"), "no personal data in the audit log")
	})
}
