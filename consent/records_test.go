package consent_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
)

// TestSweepExpiresAWithdrawnConsentAtTheFirstMomentAllowed: ledger.yaml
// declares no records block, so consent proof is kept three years from the
// end of the year the consent ended, in the controller's zone
// (Europe/Berlin). A consent withdrawn in June 2026 is expired by the first
// sweep at or after 1 January 2030 00:00 in Berlin (23:00 UTC the evening
// before) and by none a second earlier; one withdrawn at 23:30 UTC on 31
// December 2026, already 2027 in Berlin, a year later; a consent in force
// never. The audit log records the expiry with counts only.
//
// Seen to fail: with the cutoff computed in UTC instead of the
// controller's zone, the June withdrawal was still there at 23:00 UTC and
// the New Year's Eve one was deleted in June 2030, a year early; with the
// cutoff computed for a second after the sweep's start, the sweep a second
// before the deadline deleted the June withdrawal.
func TestSweepExpiresAWithdrawnConsentAtTheFirstMomentAllowed(t *testing.T) {
	f := newFixture(t, "testdata/ledger.yaml")
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	at := func(t time.Time) { f.clock.mu.Lock(); f.clock.t = t; f.clock.mu.Unlock() }
	const june, eve, active = "erika.mustermann@example.org", "max.mustermann@example.org", "lieschen.mueller@example.org"

	at(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	for _, s := range []string{june, eve, active} {
		f.grant(t, bookingGrant(s))
	}
	at(time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC))
	_, err = f.ledger.Withdraw(f.ctx, june, "booking", policy.ChannelForm)
	require.NoError(t, err)
	at(time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC)) // 00:30 on 1 January 2027 in Berlin
	_, err = f.ledger.Withdraw(f.ctx, eve, "booking", policy.ChannelForm)
	require.NoError(t, err)

	events := func(subject string) int {
		evs, err := f.ledger.History(f.ctx, subject, "booking")
		require.NoError(t, err)
		return len(evs)
	}
	sweep := func(now time.Time) int {
		at(now)
		rep, err := f.eng.Sweep(f.ctx)
		require.NoError(t, err)
		for _, kr := range rep.Records {
			if kr.Kind == "consent" {
				return kr.Deleted
			}
		}
		t.Fatalf("the sweep at %s did not report the consent records: %+v", now, rep.Records)
		return 0
	}

	deadline := time.Date(2030, 1, 1, 0, 0, 0, 0, berlin)
	require.Equal(t, time.Date(2029, 12, 31, 23, 0, 0, 0, time.UTC), deadline.UTC())
	assert.Zero(t, sweep(deadline.Add(-time.Second)), "a second before the deadline nothing is deleted")
	assert.Equal(t, 2, events(june))
	assert.Equal(t, 2, sweep(deadline), "at the deadline the grant and the withdrawal are deleted")
	assert.Zero(t, events(june))
	assert.Equal(t, 2, events(eve), "withdrawn in 2027 Berlin time: kept a year longer")

	assert.Zero(t, sweep(time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC)))
	assert.Equal(t, 2, events(eve))
	eveDeadline := time.Date(2031, 1, 1, 0, 0, 0, 0, berlin)
	assert.Zero(t, sweep(eveDeadline.Add(-time.Second)))
	assert.Equal(t, 2, sweep(eveDeadline))
	assert.Zero(t, events(eve))

	// The audit log is read before the sweep of 2045, which drops these
	// entries (records.audit's default, three years from the end of the
	// year).
	var expiries []string
	for _, e := range f.auditLog(t) {
		raw, err := json.Marshal(e)
		require.NoError(t, err)
		for _, s := range []string{june, eve, active, "erika", "max", "lieschen"} {
			assert.NotContains(t, string(raw), s, "the audit log names no one")
		}
		if e.Action == "records.expire" {
			assert.Empty(t, e.Subjects)
			assert.Equal(t, 2, e.Count)
			expiries = append(expiries, e.Note+" at "+e.Time.UTC().Format(time.RFC3339))
		}
	}
	assert.Equal(t, []string{
		"consent: 2 deleted, 0 pseudonymized at 2029-12-31T23:00:00Z",
		"consent: 2 deleted, 0 pseudonymized at 2030-12-31T23:00:00Z",
	}, expiries, "one entry per sweep that changed something, none for the others")

	assert.Zero(t, sweep(time.Date(2045, 1, 1, 0, 0, 0, 0, time.UTC)), "a consent in force is never expired")
	assert.Equal(t, 1, events(active))
	ok, err := f.ledger.Valid(f.ctx, active, "booking", time.Date(2045, 1, 1, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	assert.True(t, ok)
}
