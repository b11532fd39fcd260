package dsar_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/dsar"
	"github.com/frist-go/frist/retention"
)

func seedCustomer(f *fixture) {
	f.insert("customer", map[string]any{"id": int64(501), "created_at": received.Add(-24 * time.Hour), "first_name": "Erika", "last_name": "Musterr",
		"email": "e@example.org", "mobile": "0170", "address": nil, "birth_date": nil})
	f.insert("login", map[string]any{"id": int64(5010), "customer_id": int64(501), "login_at": received.Add(-time.Hour), "ip": "192.0.2.44"})
}

func TestRectificationUpdatesDeclaredFieldsAndAuditsWithoutValues(t *testing.T) {
	f := newFixture(t, "versmold", received)
	seedCustomer(f)
	r := f.openVerified(dsar.Rectification, "501")
	for name, c := range map[string]dsar.Change{
		"undeclared field":   {Dataset: "customer", Key: "501", Field: "password", Value: "x"},
		"undeclared dataset": {Dataset: "nope", Key: "501", Field: "email", Value: "x"},
		"no subject column":  {Dataset: "access_log", Key: "1", Field: "ip", Value: "x"},
		"unknown record":     {Dataset: "customer", Key: "999", Field: "email", Value: "x"},
	} {
		_, err := f.svc.Rectify(f.ctx, r.ID(), []dsar.Change{c})
		require.ErrorIs(t, err, dsar.ErrRectification, name)
	}
	got, err := f.svc.Rectify(f.ctx, r.ID(), []dsar.Change{{Dataset: "customer", Key: "501", Field: "last_name", Value: "Muster"}})
	require.NoError(t, err)
	assert.Equal(t, dsar.Completed, got.State())
	row, _, err := f.st.Get(f.ctx, "customer", "501")
	require.NoError(t, err)
	assert.Equal(t, "Muster", row["last_name"])
	log := f.auditText()
	assert.Contains(t, log, "fields last_name")
	assert.NotContains(t, log, "Muster")
}

func TestRestrictionHoldsTheSubjectsRecordsUntilLifted(t *testing.T) {
	f := newFixture(t, "versmold", received)
	seedCustomer(f)
	r := f.openVerified(dsar.Restriction, "501")
	h, err := f.svc.Restrict(f.ctx, r.ID(), "Art. 18(1)(a): accuracy contested")
	require.NoError(t, err)
	assert.Equal(t, "18", string(h.Reason))
	ok, err := f.svc.Allowed(f.ctx, "501", "security")
	require.NoError(t, err)
	assert.False(t, ok, "Art. 18(2): restricted data is only stored")
	rep, err := f.eng.Trigger(f.ctx, retention.Event{Kind: "matter_settled", Subject: "501"})
	require.NoError(t, err)
	assert.Zero(t, rep.Processed(), "the engine honours the restriction")
	assert.Positive(t, rep.Held())
	n, err := f.svc.LiftRestriction(f.ctx, "501")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	ok, err = f.svc.Allowed(f.ctx, "501", "security")
	require.NoError(t, err)
	assert.True(t, ok)
}

func TestObjectionToLegitimateInterestsIsKeptAndOtherBasesAreRefused(t *testing.T) {
	f := newFixture(t, "versmold", received)
	seedCustomer(f)
	r := f.openVerified(dsar.Objection, "501")
	o, err := f.svc.Object(f.ctx, r.ID(), "analysis")
	require.NoError(t, err)
	assert.Equal(t, "analysis", o.Purpose)
	for purpose, want := range map[string]bool{"analysis": false, "security": true, "service": true} {
		ok, err := f.svc.Allowed(f.ctx, "501", purpose)
		require.NoError(t, err)
		assert.Equal(t, want, ok, purpose)
	}
	_, err = f.svc.Allowed(f.ctx, "501", "nope")
	require.ErrorIs(t, err, dsar.ErrInvalid)

	r2 := f.openVerified(dsar.Objection, "501")
	_, err = f.svc.Object(f.ctx, r2.ID(), "service")
	require.ErrorIs(t, err, dsar.ErrNotObjectable, "service rests on Art. 6(1)(b)")
	got, err := f.svc.Get(f.ctx, r2.ID())
	require.NoError(t, err)
	assert.Equal(t, dsar.Refused, got.State())
	assert.Contains(t, got.History()[len(got.History())-1].Reason, "Art. 21(1)")
}

func TestPortabilityExportsProvidedDataOfConsentAndContractDatasetsOnly(t *testing.T) {
	f := newFixture(t, "versmold", received)
	seedCustomer(f)
	r := f.openVerified(dsar.Portability, "501")
	ex, err := f.svc.Portability(f.ctx, r.ID())
	require.NoError(t, err)
	require.Len(t, ex.Datasets, 1)
	assert.Equal(t, "customer", ex.Datasets[0].Dataset)
	assert.Equal(t, "Erika", ex.Datasets[0].Records[0]["first_name"])
	excluded := map[string]string{}
	for _, e := range ex.Excluded {
		excluded[e.Dataset+"/"+e.Field] = e.Reason.EN
	}
	assert.Contains(t, excluded["login/"], "Art. 20(1)(a), 20(3)", "logins rest on Art. 6(1)(f)")
	assert.Contains(t, excluded["access_log/"], "Art. 11(2)")
}

func TestServiceListsOpenRequestsAndThoseAtRisk(t *testing.T) {
	f := newFixture(t, "versmold", received)
	a, err := f.svc.Open(f.ctx, dsar.Access, "501", time.Time{})
	require.NoError(t, err)
	f.advance(10 * 24 * time.Hour)
	b, err := f.svc.Open(f.ctx, dsar.Erasure, "502", time.Time{})
	require.NoError(t, err)
	_, err = f.svc.Refuse(f.ctx, b.ID(), dsar.ReasonManifestlyUnfounded)
	require.NoError(t, err)
	open, err := f.svc.List(f.ctx, dsar.Filter{OpenOnly: true})
	require.NoError(t, err)
	require.Len(t, open, 1)
	assert.Equal(t, a.ID(), open[0].ID())
	risks, err := f.svc.Overdue(f.ctx, time.Date(2026, time.April, 2, 12, 0, 0, 0, berlin))
	require.NoError(t, err)
	require.Len(t, risks, 1, "due 7 April, within a week")
	assert.False(t, risks[0].Overdue())
	risks, err = f.svc.Overdue(f.ctx, time.Date(2026, time.April, 8, 0, 0, 0, 0, berlin))
	require.NoError(t, err)
	require.Len(t, risks, 1)
	assert.True(t, risks[0].Overdue())
	// Not verified yet: the extension is noted, the request stays where it
	// is, and the deadline in force moves.
	ext, err := f.svc.Extend(f.ctx, a.ID(), 2, "many records in archives", f.clock())
	require.NoError(t, err)
	assert.Equal(t, dsar.Received, ext.State())
	got, err := f.svc.Get(f.ctx, a.ID())
	require.NoError(t, err)
	e, ok := got.Extension()
	require.True(t, ok)
	assert.True(t, e.Pending)
	assert.Equal(t, e.Due, got.Due())
	assert.True(t, got.Due().Date.After(got.Deadline().Date))
	risks, err = f.svc.Overdue(f.ctx, time.Date(2026, time.April, 8, 0, 0, 0, 0, berlin))
	require.NoError(t, err)
	assert.Empty(t, risks, "the extended deadline is months away")
}
