package consent_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/consent"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
)

func TestEraseSubjectKeepsAPseudonymisedProof(t *testing.T) {
	f := newFixture(t, "testdata/ledger.yaml")
	g := bookingGrant("citizen-4711")
	g.Guardian = &consent.Guardian{Relation: "parent", Verification: "id_card"}
	granted := f.grant(t, g)
	f.clock.Advance(time.Hour)
	_, err := f.ledger.Withdraw(f.ctx, "citizen-4711", "booking", policy.ChannelEmail)
	require.NoError(t, err)
	f.clock.Advance(time.Hour)

	er, err := f.ledger.EraseSubject(f.ctx, "citizen-4711")
	require.NoError(t, err)
	assert.Equal(t, 2, er.Events)
	assert.Empty(t, er.Withdrawals, "nothing was in force, so nothing was withdrawn")
	assert.Equal(t, f.ledger.Pseudonym("citizen-4711"), er.Pseudonym)

	evs, err := f.ledger.History(f.ctx, "citizen-4711", "")
	require.NoError(t, err)
	assert.Empty(t, evs, "the person is gone from the ledger")
	assert.False(t, f.valid(t, "citizen-4711", "booking", granted.At), "an erased subject has no consent at any time")

	proof, err := f.ledger.History(f.ctx, er.Pseudonym, "booking")
	require.NoError(t, err)
	require.Len(t, proof, 2, "the proof that consent existed and was withdrawn stays (Art. 7(1))")
	assert.Equal(t, store.ConsentGranted, proof[0].Kind)
	assert.Equal(t, "2025-02", proof[0].Version)
	assert.Equal(t, granted.TextSHA256, proof[0].TextSHA256)
	assert.Equal(t, store.ConsentWithdrawn, proof[1].Kind)
	for _, ev := range proof {
		assert.True(t, ev.Erased)
		assert.Empty(t, ev.Evidence)
		assert.Empty(t, ev.GuardianRelation)
		assert.Empty(t, ev.GuardianVerification)
	}
	raw, err := json.Marshal(proof)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), "citizen-4711")

	log := f.auditLog(t)
	assert.Equal(t, "consent.erase", log[len(log)-1].Action)
}

func TestEraseSubjectWithdrawsConsentStillInForceFirst(t *testing.T) {
	f := newFixture(t, "testdata/ledger.yaml")
	seed(t, f)
	f.grant(t, bookingGrant("1001"))
	f.clock.Advance(time.Hour)
	er, err := f.ledger.EraseSubject(f.ctx, "1001")
	require.NoError(t, err)
	require.Len(t, er.Withdrawals, 1)
	assert.Equal(t, consent.MethodErasure, er.Withdrawals[0].Event.Method)
	assert.False(t, f.exists(t, "appointment", "10011"), "the withdrawal's rules ran before the ledger was pseudonymised")
	proof, err := f.ledger.History(f.ctx, er.Pseudonym, "booking")
	require.NoError(t, err)
	require.Len(t, proof, 2)
	assert.Equal(t, store.ConsentWithdrawn, proof[1].Kind)

	none, err := f.ledger.EraseSubject(f.ctx, "never-seen")
	require.NoError(t, err)
	assert.Equal(t, 0, none.Events)
	_, err = f.ledger.EraseSubject(f.ctx, "")
	require.ErrorIs(t, err, consent.ErrInvalid)
}
