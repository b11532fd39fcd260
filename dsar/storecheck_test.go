package dsar_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/dsar"
	"github.com/frist-go/frist/internal/storecheck"
	"github.com/frist-go/frist/policy"
)

// TestRectificationRefusesAFieldInTheKeyColumnBeforeAnythingChanges: a
// declared field stored in the key column is never rectified (the key
// identifies the record in every hold, request and audit entry). The
// change is refused with the other malformed changes, before the request
// moves on and before the backend is called; only the SQL backends used
// to refuse it, memstore by accident of its value check. This was part of
// the contract test "UpdateFields refuses ... a bad field or entry" every
// backend ran.
//
// Seen to fail: with the key-column case of storecheck's field check
// removed, the refusal came from memstore after the request had moved to
// in progress, and did not wrap storecheck.ErrMalformed.
func TestRectificationRefusesAFieldInTheKeyColumnBeforeAnythingChanges(t *testing.T) {
	decl, err := policy.LoadFile("../examples/policies/versmold.yaml")
	require.NoError(t, err)
	ds := decl.Dataset("customer")
	ds.Fields = append(ds.Fields, policy.Field{Name: "customer_number", Column: ds.Key, Category: policy.CatIdentity})
	require.NoError(t, decl.Validate())
	f := newFixtureDecl(t, decl, received)
	seedCustomer(f)
	r := f.openVerified(dsar.Rectification, "501")
	_, err = f.svc.Rectify(f.ctx, r.ID(), []dsar.Change{
		{Dataset: "customer", Key: "501", Field: "last_name", Value: "Muster"},
		{Dataset: "customer", Key: "501", Field: "customer_number", Value: int64(502)},
	})
	require.ErrorIs(t, err, dsar.ErrRectification)
	require.ErrorIs(t, err, storecheck.ErrMalformed)
	assert.ErrorContains(t, err, `changes[1]: storecheck: malformed input: dataset customer: the update names field "customer_number", which is stored in the key column`)
	got, err := f.svc.Get(f.ctx, r.ID())
	require.NoError(t, err)
	assert.Equal(t, dsar.Verified, got.State(), "the request did not move on")
	row, ok, err := f.st.Get(f.ctx, "customer", "501")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "Musterr", row["last_name"], "the other change of the request did not happen either")
	assert.NotContains(t, f.auditText(), "dsar.rectify")
}
