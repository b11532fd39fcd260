package consent_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/consent"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
)

// skewReplica is one replica of the booking service: a ledger and an
// engine on the shared store, with a clock of its own.
type skewReplica struct {
	ledger *consent.Ledger
	clock  *clock
}

func newSkewReplica(t *testing.T, decl *policy.Declaration, a app, at time.Time) skewReplica {
	t.Helper()
	c := &clock{t: at}
	keys := keyRing(t, "audit")
	eng, err := retention.New(decl, a.drv, &retention.Options{Now: c.Now, AuditKey: keys})
	require.NoError(t, err)
	l, err := consent.New(eng, a.drv, &consent.Options{Keys: keys, LinkKeys: keyRing(t, "link")})
	require.NoError(t, err)
	return skewReplica{ledger: l, clock: c}
}

// skewScenario pins that the ledger's order does not depend on the
// replicas' clocks agreeing (see Order of events in the package
// documentation): a withdrawal always ends the grant it follows and runs
// the on: consent_withdrawn rules, a grant after a withdrawal is in force
// after it, and setting a clock back changes neither.
//
// Seen to fail with consent's stamp returning now unchanged (the ledger as
// it was): the withdrawal at 09:00:00 of a grant recorded at 09:01:30
// returned "consent: no consent was granted", consent stayed valid and the
// appointment was kept; the re-grant at 09:00:10 after a withdrawal
// recorded at 09:01:30 was never in force; the withdrawal after the clock
// was set back returned ErrNotGranted too. With the stamp but the rules
// triggered at the withdrawal's recorded time instead of the earlier of
// it and now, the retention engine refused the event as lying in the
// future and the appointment was kept.
func skewScenario(t *testing.T, decl *policy.Declaration, a app) {
	ctx := t.Context()
	// Replica ahead's clock is 90 s ahead of replica behind's.
	ahead := newSkewReplica(t, decl, a, t0.Add(90*time.Second))
	behind := newSkewReplica(t, decl, a, t0)
	grant := func(subject string) consent.Grant {
		return consent.Grant{Subject: subject, Purpose: "booking", Version: "2024-01", Method: "web_form",
			BirthDate: time.Date(1985, 5, 17, 0, 0, 0, 0, time.UTC), Evidence: "198.51.100.23"}
	}
	appointment := func(id int64, subject int64, at time.Time) {
		a.insert(t, "appointment", map[string]any{
			"id": id, "citizen_id": subject, "starts_at": at.Add(7 * 24 * time.Hour), "booked_at": at,
			"name": "Erika Mustermann", "birth_date": "1985-05-17", "customer_number": "123D456789", "concern": "Beratung",
			"place": "Kaltenkirchen", "email": "erika@example.org", "free_text": nil,
		})
	}

	t.Run("a withdrawal by a replica whose clock is behind ends the grant", func(t *testing.T) {
		g, err := ahead.ledger.Grant(ctx, grant("4711")) // 09:01:30 on its clock
		require.NoError(t, err)
		appointment(1, 4711, ahead.clock.Now())
		w, err := behind.ledger.Withdraw(ctx, "4711", "booking", policy.ChannelLink) // 09:00:00 on its clock
		require.NoError(t, err, "a withdrawal of a recorded grant must end it, whatever the clocks say")
		assert.True(t, w.Event.At.After(g.At), "the withdrawal is recorded after the grant it ends")
		assert.Equal(t, 1, w.Processed(), "the on: consent_withdrawn rules run")
		assert.False(t, a.exists(t, "appointment", "1"), "the appointment is deleted at once")
		for _, r := range []skewReplica{ahead, behind} {
			r.clock.Advance(time.Second) // time passes on both
			ok, err := r.ledger.Valid(ctx, "4711", "booking", r.clock.Now())
			require.NoError(t, err)
			assert.False(t, ok, "no replica sees the consent in force after the withdrawal")
		}
		ok, err := behind.ledger.Valid(ctx, "4711", "booking", g.At)
		require.NoError(t, err)
		assert.True(t, ok, "the withdrawal acts for the future only (Art. 7(3))")
		ok, err = behind.ledger.Valid(ctx, "4711", "booking", t0.Add(time.Hour))
		require.NoError(t, err)
		assert.False(t, ok)
		st, err := ahead.ledger.Status(ctx, "4711", "booking", t0.Add(time.Hour))
		require.NoError(t, err)
		assert.True(t, st.WithdrawnAt.Equal(w.Event.At))
	})

	t.Run("a grant by a replica whose clock is behind is in force after a withdrawal", func(t *testing.T) {
		_, err := behind.ledger.Grant(ctx, grant("4712"))
		require.NoError(t, err)
		w, err := ahead.ledger.Withdraw(ctx, "4712", "booking", policy.ChannelEmail) // 09:01:30
		require.NoError(t, err)
		behind.clock.Advance(10 * time.Second)
		g, err := behind.ledger.Grant(ctx, grant("4712")) // 09:00:10, after the withdrawal
		require.NoError(t, err)
		assert.True(t, g.At.After(w.Event.At), "the new grant is recorded after the withdrawal it follows")
		ok, err := behind.ledger.Valid(ctx, "4712", "booking", t0.Add(time.Hour))
		require.NoError(t, err)
		assert.True(t, ok, "a grant after a withdrawal is in force")
		ok, err = ahead.ledger.Valid(ctx, "4712", "booking", ahead.clock.Now().Add(time.Second))
		require.NoError(t, err)
		assert.True(t, ok, "the replica ahead sees the new grant too")
	})

	t.Run("a clock set back keeps a withdrawal after the grant", func(t *testing.T) {
		_, err := ahead.ledger.Grant(ctx, grant("4713"))
		require.NoError(t, err)
		appointment(3, 4713, ahead.clock.Now())
		ahead.clock.Advance(-time.Minute) // an NTP step back
		w, err := ahead.ledger.Withdraw(ctx, "4713", "booking", policy.ChannelForm)
		require.NoError(t, err)
		assert.Equal(t, 1, w.Processed())
		assert.False(t, a.exists(t, "appointment", "3"))
		ok, err := ahead.ledger.Valid(ctx, "4713", "booking", t0.Add(time.Hour))
		require.NoError(t, err)
		assert.False(t, ok)
	})
}

func TestSkewedClocksOnMemstore(t *testing.T) {
	decl, err := policy.LoadFile("../examples/policies/jobcenter.yaml")
	require.NoError(t, err)
	skewScenario(t, decl, memApp(t, decl))
}

func TestSkewedClocksOnSQLite(t *testing.T) {
	decl, a := jobcenterApp(t, sqlite)
	skewScenario(t, decl, a)
}

func TestSkewedClocksOnPostgreSQL(t *testing.T) {
	decl, a := jobcenterApp(t, postgres)
	skewScenario(t, decl, a)
}

// TestWithdrawKeepsRecordsAnotherConsentCoversWhateverTheClocks pins that
// a consent to another purpose that is in force in the ledger's order
// keeps the records it covers, also when the replica that recorded it has
// a clock ahead of the withdrawing one's (Art. 17(1)(b): "where there is
// no other legal ground").
//
// Seen to fail with the other purposes' status read at the withdrawing
// replica's clock (as it was): the newsletter grant, recorded at 09:01:30
// by the replica ahead, was not seen at 09:00:00, and the subscription was
// deleted.
func TestWithdrawKeepsRecordsAnotherConsentCoversWhateverTheClocks(t *testing.T) {
	f := newFixture(t, "testdata/ledger.yaml")
	seed(t, f)
	ahead := newFixtureOn(t, f.decl, f.st, f.st)
	ahead.clock.Advance(90 * time.Second)
	f.grant(t, bookingGrant("1001"))
	ahead.grant(t, consent.Grant{Subject: "1001", Purpose: "newsletter", Version: "1", TextSHA256: consent.TextHash("foo"), Method: "web_form"})

	w, err := f.ledger.Withdraw(f.ctx, "1001", "booking", policy.ChannelLink)
	require.NoError(t, err)
	assert.True(t, f.exists(t, "subscription", "1001"), "the newsletter consent still covers the subscription")
	s := retained(w, "subscription")
	require.NotNil(t, s)
	assert.Equal(t, []consent.OtherBasis{{Purpose: "newsletter", Basis: policy.Consent}}, s.Bases)
}
