package dsar_test

import (
	"bytes"
	"encoding/json"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/dsar"
)

// Two people with the same name, e-mail addresses differing only by case
// and a shared IP address: nothing answered for one contains or touches the
// other's records.
func TestNoRequestOfOneSubjectContainsOrTouchesTheOthersRecords(t *testing.T) {
	f := newFixture(t, "versmold", received)
	for i, id := range []int64{501, 502} {
		email := []string{"erika.muster@example.org", "Erika.Muster@example.org"}[i]
		f.insert("customer", map[string]any{"id": id, "created_at": received.Add(-24 * time.Hour), "first_name": "Erika", "last_name": "Muster",
			"email": email, "mobile": "0170 1234567", "address": nil, "birth_date": nil})
		f.insert("login", map[string]any{"id": id * 10, "customer_id": id, "login_at": received.Add(-time.Hour), "ip": "192.0.2.44"})
		f.insert("appointment", map[string]any{"id": id * 100, "customer_id": id, "starts_at": received.Add(48 * time.Hour),
			"booked_at": received.Add(-time.Hour), "name": "Erika Muster", "email": email, "mobile": "0170 1234567", "service": "Pass"})
	}
	other := []string{"502", "5020", "50200", "Erika.Muster@example.org"}

	acc := f.openVerified(dsar.Access, "501")
	rep, err := f.svc.Access(f.ctx, acc.ID())
	require.NoError(t, err)
	js, err := json.Marshal(rep)
	require.NoError(t, err)
	var md bytes.Buffer
	require.NoError(t, rep.WriteMarkdown(&md, "de", berlin))
	for _, s := range other {
		assert.NotContains(t, withoutIDs(string(js)), s, "the report must not contain the other person's data")
		assert.NotContains(t, withoutIDs(md.String()), s)
	}

	port := f.openVerified(dsar.Portability, "501")
	ex, err := f.svc.Portability(f.ctx, port.ID())
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

	rect := f.openVerified(dsar.Rectification, "501")
	_, err = f.svc.Rectify(f.ctx, rect.ID(), []dsar.Change{{Dataset: "appointment", Key: "50200", Field: "name", Value: "Mallory"}})
	require.ErrorIs(t, err, dsar.ErrRectification, "a rectification never reaches another person's record")

	er := f.openVerified(dsar.Erasure, "501")
	_, err = f.svc.Erase(f.ctx, er.ID())
	require.NoError(t, err)
	for _, k := range []struct{ ds, key string }{{"customer", "502"}, {"login", "5020"}, {"appointment", "50200"}} {
		row, ok, err := f.st.Get(f.ctx, k.ds, k.key)
		require.NoError(t, err)
		require.True(t, ok, "%s %s of the other person survives", k.ds, k.key)
		if k.ds == "appointment" {
			assert.Equal(t, "Erika Muster", row["name"])
		}
	}
	for _, k := range []struct{ ds, key string }{{"customer", "501"}, {"login", "5010"}, {"appointment", "50100"}} {
		_, ok, err := f.st.Get(f.ctx, k.ds, k.key)
		require.NoError(t, err)
		assert.False(t, ok, "%s %s of the requester is erased", k.ds, k.key)
	}
}

func TestNothingIsDisclosedOrChangedForAnUnverifiedRequest(t *testing.T) {
	f := newFixture(t, "versmold", received)
	f.insert("customer", map[string]any{"id": int64(501), "created_at": received.Add(-24 * time.Hour), "first_name": "Erika", "last_name": "Muster",
		"email": "e@example.org", "mobile": "0170", "address": nil, "birth_date": nil})
	for _, kind := range dsar.Kinds() {
		t.Run(kind.String(), func(t *testing.T) {
			r, err := f.svc.Open(f.ctx, kind, "501", time.Time{})
			require.NoError(t, err)
			_, err = f.svc.Verify(f.ctx, r.ID())
			require.ErrorIs(t, err, dsar.ErrUnverified)
			got, err := f.svc.Get(f.ctx, r.ID())
			require.NoError(t, err)
			assert.Equal(t, dsar.IdentityPending, got.State(), "Art. 12(6): additional information is requested")
			var opErr error
			switch kind {
			case dsar.Access:
				_, opErr = f.svc.Access(f.ctx, r.ID())
			case dsar.Portability:
				_, opErr = f.svc.Portability(f.ctx, r.ID())
			case dsar.Erasure:
				_, opErr = f.svc.Erase(f.ctx, r.ID())
			case dsar.Rectification:
				_, opErr = f.svc.Rectify(f.ctx, r.ID(), []dsar.Change{{Dataset: "customer", Key: "501", Field: "first_name", Value: "X"}})
			case dsar.Restriction:
				_, opErr = f.svc.Restrict(f.ctx, r.ID(), "")
			case dsar.Objection:
				_, opErr = f.svc.Object(f.ctx, r.ID(), "analysis")
			}
			require.ErrorIs(t, opErr, dsar.ErrUnverified)
			row, ok, err := f.st.Get(f.ctx, "customer", "501")
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, "Erika", row["first_name"])
			holds, err := f.st.ListHolds(f.ctx, f.clock())
			require.NoError(t, err)
			assert.Empty(t, holds)
			allowed, err := f.svc.Allowed(f.ctx, "501", "analysis")
			require.NoError(t, err)
			assert.True(t, allowed)
		})
	}
	assert.NotContains(t, f.auditText(), "dsar.disclose")
	assert.NotContains(t, f.auditText(), "dsar.export")
}

// uuidText matches the identifiers frist generates (UUIDs such as a
// request's ID), whose hex digits can spell another person's key by
// chance ("…ee502184…").
var uuidText = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

// withoutIDs returns s without the UUIDs frist generated, so that a search
// for another person's key finds only that person's data.
func withoutIDs(s string) string { return uuidText.ReplaceAllString(s, "") }
