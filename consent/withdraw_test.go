package consent_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/consent"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
)

// seed inserts, for subjects 1001 and 1002, two appointments, a contact,
// a subscription, a letter and a survey answer each, and one visit
// (without subject).
func seed(t *testing.T, f *fixture) {
	t.Helper()
	for _, s := range []int64{1001, 1002} {
		f.insert(t, "appointment", map[string]any{"id": s*10 + 1, "citizen_id": s, "booked_at": t0, "name": "A"})
		f.insert(t, "appointment", map[string]any{"id": s*10 + 2, "citizen_id": s, "booked_at": t0, "name": "A"})
		f.insert(t, "contact", map[string]any{"id": s, "citizen_id": s, "created_at": t0, "email": "a@example.org"})
		f.insert(t, "subscription", map[string]any{"id": s, "citizen_id": s, "created_at": t0, "email": "a@example.org"})
		f.insert(t, "letter", map[string]any{"id": s, "citizen_id": s, "sent_at": t0, "address": "Weg 1"})
		f.insert(t, "answer", map[string]any{"id": s, "citizen_id": s, "given_at": t0, "answer": "ja"})
	}
	f.insert(t, "visit", map[string]any{"id": 1, "seen_at": t0, "ip": "192.0.2.1"})
}

// retained returns the Retained entry of dataset, or nil.
func retained(w *consent.Withdrawal, dataset string) *consent.Retained {
	for i := range w.Retained {
		if w.Retained[i].Dataset == dataset {
			return &w.Retained[i]
		}
	}
	return nil
}

func TestWithdrawDeletesOnlyRecordsWithoutAnotherLegalGround(t *testing.T) {
	f := newFixture(t, "testdata/ledger.yaml")
	seed(t, f)
	f.grant(t, bookingGrant("1001"))
	f.grant(t, bookingGrant("1002"))
	f.clock.Advance(time.Hour)

	w, err := f.ledger.Withdraw(f.ctx, "1001", "booking", policy.ChannelEmail)
	require.NoError(t, err)

	assert.False(t, f.exists(t, "appointment", "10011"), "appointments serve only booking: deleted at once")
	assert.False(t, f.exists(t, "appointment", "10012"))
	assert.False(t, f.exists(t, "subscription", "1001"), "the subscription's other purpose (newsletter) has no consent in force: deleted")
	assert.Equal(t, 3, w.Processed())

	assert.True(t, f.exists(t, "contact", "1001"), "the contact also serves statistics on 6.1.e: kept")
	c := retained(w, "contact")
	require.NotNil(t, c, "a record kept on another basis is reported, not silently kept")
	assert.Equal(t, []consent.OtherBasis{{Purpose: "statistics", Basis: policy.PublicTask}}, c.Bases)
	assert.Equal(t, 1, c.Records)
	assert.Contains(t, c.Reason, "Art. 17(1)(b)")

	assert.True(t, f.exists(t, "letter", "1001"))
	l := retained(w, "letter")
	require.NotNil(t, l, "a dataset without an on: consent_withdrawn rule is reported")
	assert.Equal(t, 1, l.Records)
	assert.Contains(t, l.Reason, "no rule on: consent_withdrawn")

	v := retained(w, "visit")
	require.NotNil(t, v, "a dataset without a subject column is reported")
	assert.Contains(t, v.Reason, "no subject column")
	assert.True(t, f.exists(t, "visit", "1"))
	assert.Len(t, w.Retained, 3)

	for _, key := range []string{"10021", "10022"} {
		assert.True(t, f.exists(t, "appointment", key), "another subject's records are untouched")
	}
	assert.True(t, f.valid(t, "1002", "booking", f.clock.Now()))
}

func TestWithdrawKeepsRecordsAnotherConsentInForceCovers(t *testing.T) {
	f := newFixture(t, "testdata/ledger.yaml")
	seed(t, f)
	f.grant(t, bookingGrant("1001"))
	f.grant(t, consent.Grant{Subject: "1001", Purpose: "newsletter", Version: "1", TextSHA256: consent.TextHash("foo"), Method: "web_form"})
	f.clock.Advance(time.Hour)

	w, err := f.ledger.Withdraw(f.ctx, "1001", "booking", policy.ChannelLink)
	require.NoError(t, err)
	assert.True(t, f.exists(t, "subscription", "1001"))
	s := retained(w, "subscription")
	require.NotNil(t, s)
	assert.Equal(t, []consent.OtherBasis{{Purpose: "newsletter", Basis: policy.Consent}}, s.Bases)

	f.clock.Advance(time.Hour)
	w, err = f.ledger.Withdraw(f.ctx, "1001", "newsletter", policy.ChannelLink)
	require.NoError(t, err)
	assert.False(t, f.exists(t, "subscription", "1001"), "with both consents withdrawn, no ground is left")
	assert.Equal(t, 1, w.Processed())
}

func TestWithdrawKeepsRecordsOfAPurposeWithAFurtherBasis(t *testing.T) {
	f := newFixture(t, "testdata/ledger.yaml")
	seed(t, f)
	f.grant(t, consent.Grant{Subject: "1001", Purpose: "survey", Version: "1", Method: "paper"})
	w, err := f.ledger.Withdraw(f.ctx, "1001", "survey", policy.ChannelEmail)
	require.NoError(t, err)
	assert.True(t, f.exists(t, "answer", "1001"))
	a := retained(w, "answer")
	require.NotNil(t, a)
	assert.Equal(t, []consent.OtherBasis{{Purpose: "survey", Basis: policy.LegalObligation}}, a.Bases)
	assert.Nil(t, w.Report, "nothing was left for the engine to process")
}

func TestWithdrawRecordsTheWithdrawalAndItsAuditEntry(t *testing.T) {
	f := newFixture(t, "testdata/ledger.yaml")
	seed(t, f)
	f.grant(t, bookingGrant("1001"))
	f.clock.Advance(time.Hour)
	w, err := f.ledger.Withdraw(f.ctx, "1001", "booking", policy.ChannelEmail)
	require.NoError(t, err)
	assert.Equal(t, store.ConsentWithdrawn, w.Event.Kind)
	assert.Equal(t, "email", w.Event.Method)
	assert.Equal(t, t0.Add(time.Hour), w.Event.At)
	assert.False(t, w.Repeated)

	var actions []string
	for _, e := range f.auditLog(t) {
		actions = append(actions, e.Action)
		for _, s := range e.Subjects {
			assert.NotEqual(t, "1001", s)
		}
	}
	assert.Equal(t, []string{"consent.grant", "consent.withdraw", "delete", "delete"}, actions,
		"the withdrawal is audited, then each rule's deletion")
}

func TestWithdrawAgainRecordsNothingAndRunsTheRulesAgain(t *testing.T) {
	f := newFixture(t, "testdata/ledger.yaml")
	f.grant(t, bookingGrant("1001"))
	f.clock.Advance(time.Hour)
	first, err := f.ledger.Withdraw(f.ctx, "1001", "booking", policy.ChannelEmail)
	require.NoError(t, err)
	// A record that appeared after the withdrawal (written by a request
	// in flight) is caught by withdrawing again.
	f.insert(t, "appointment", map[string]any{"id": 77, "citizen_id": 1001, "booked_at": t0, "name": "A"})
	f.clock.Advance(time.Hour)
	again, err := f.ledger.Withdraw(f.ctx, "1001", "booking", policy.ChannelEmail)
	require.NoError(t, err)
	assert.True(t, again.Repeated)
	assert.Equal(t, first.Event, again.Event, "a repeated withdrawal names the withdrawal that ended the consent")
	assert.False(t, f.exists(t, "appointment", "77"))
	evs, err := f.ledger.History(f.ctx, "1001", "booking")
	require.NoError(t, err)
	assert.Len(t, evs, 2, "grant and one withdrawal, nothing more")
}

func TestWithdrawRefusesWhatCannotBeWithdrawn(t *testing.T) {
	f := newFixture(t, "testdata/ledger.yaml")
	tests := []struct {
		name, subject, purpose string
		channel                policy.ChannelKind
		want                   error
	}{
		{"never granted", "1001", "booking", policy.ChannelEmail, consent.ErrNotGranted},
		{"unknown channel", "1001", "booking", "pigeon", consent.ErrInvalid},
		{"empty subject", "", "booking", policy.ChannelEmail, consent.ErrInvalid},
		{"purpose not on consent", "1001", "statistics", policy.ChannelEmail, consent.ErrNotConsentBased},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := f.ledger.Withdraw(f.ctx, tt.subject, tt.purpose, tt.channel)
			require.ErrorIs(t, err, tt.want)
			assert.Nil(t, w)
		})
	}
	assert.Empty(t, f.auditLog(t))
}
