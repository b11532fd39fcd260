package consent_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/consent"
	"github.com/frist-go/frist/policy"
)

// Recklinghausen: "Gem. 38 Abs. 3 DSG NRW bzw. Art. 7 Abs. 3 DS- GVO kann
// ein Widerruf der Einwilligung jederzeit erfolgen. Dieser Widerruf gilt
// nur für die Zukunft."
func TestWithdrawalActsForTheFutureOnly(t *testing.T) {
	f := newFixture(t, "testdata/ledger.yaml")
	granted := f.grant(t, bookingGrant("1001")).At
	f.clock.Advance(48 * time.Hour)
	w, err := f.ledger.Withdraw(f.ctx, "1001", "booking", policy.ChannelEmail)
	require.NoError(t, err)
	withdrawn := w.Event.At
	require.Equal(t, granted.Add(48*time.Hour), withdrawn)
	f.clock.Advance(time.Hour)

	tests := []struct {
		name string
		at   time.Time
		want bool
	}{
		{"before the grant", granted.Add(-time.Second), false},
		{"at the grant", granted, true},
		{"between grant and withdrawal", granted.Add(24 * time.Hour), true},
		{"a microsecond before the withdrawal", withdrawn.Add(-time.Microsecond), true},
		{"at the withdrawal", withdrawn, false},
		{"after the withdrawal", withdrawn.Add(time.Minute), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, f.valid(t, "1001", "booking", tt.at))
		})
	}

	f.clock.Advance(time.Hour)
	regranted := f.grant(t, bookingGrant("1001")).At
	assert.True(t, f.valid(t, "1001", "booking", regranted), "a new grant after a withdrawal makes consent valid again")
	assert.True(t, f.valid(t, "1001", "booking", granted.Add(time.Hour)), "the past stays as it was")
	assert.False(t, f.valid(t, "1001", "booking", withdrawn.Add(time.Minute)), "the gap between withdrawal and new grant stays without consent")
}

func TestStatusReportsGrantRenewalAndOtherBases(t *testing.T) {
	f := newFixture(t, "testdata/ledger.yaml")
	g := bookingGrant("1001")
	g.Method = "paper"
	ev := f.grant(t, g)

	st, err := f.ledger.Status(f.ctx, "1001", "booking", t0)
	require.NoError(t, err)
	assert.Equal(t, consent.Status{
		Purpose: "booking", At: t0, Valid: true, GrantedAt: t0, GrantID: ev.ID, Version: "2025-02",
		Method: "paper", Actor: consent.ActorSubject, CurrentVersion: "2025-02",
	}, st)

	// The declaration's consent text changes: version 2025-09 is in force.
	src, err := os.ReadFile("testdata/ledger.yaml")
	require.NoError(t, err)
	decl2, err := policy.Load(strings.NewReader(strings.Replace(string(src), `version: "2025-02"`, `version: "2025-09"`, 1)), "ledger-v2.yaml")
	require.NoError(t, err)
	f2 := newFixtureOn(t, decl2, f.st, f.st)
	st, err = f2.ledger.Status(f.ctx, "1001", "booking", t0)
	require.NoError(t, err)
	assert.True(t, st.Valid, "a grant for an older version stays a grant")
	assert.True(t, st.NeedsRenewal, "a grant for an older version than the current one needs renewal")
	assert.Equal(t, "2025-02", st.Version)
	assert.Equal(t, "2025-09", st.CurrentVersion)
	_, err = f2.ledger.Grant(f.ctx, bookingGrant("1001"))
	require.ErrorIs(t, err, consent.ErrVersion, "a grant for the old version is no longer accepted")
	f2.clock.Advance(time.Minute)
	renewal := bookingGrant("1001")
	renewal.Version = "2025-09"
	_, err = f2.ledger.Grant(f.ctx, renewal)
	require.NoError(t, err)
	st, err = f2.ledger.Status(f.ctx, "1001", "booking", f2.clock.Now())
	require.NoError(t, err)
	assert.False(t, st.NeedsRenewal, "a grant for the current version renews the consent")
	assert.Equal(t, "2025-09", st.Version)
	st, err = f2.ledger.Status(f.ctx, "1001", "booking", t0)
	require.NoError(t, err)
	assert.Equal(t, "2025-02", st.Version, "the past stays as it was: at t0 the consent was to the older text")

	sv := consent.Grant{Subject: "1001", Purpose: "survey", Version: "1", Method: "web_form"}
	f.grant(t, sv)
	st, err = f.ledger.Status(f.ctx, "1001", "survey", t0)
	require.NoError(t, err)
	assert.Equal(t, []policy.Basis{policy.LegalObligation}, st.OtherBases,
		"a purpose with other legal bases besides consent says so, so callers know what withdrawal does not stop")
}

func TestStatusAfterWithdrawalSaysWhetherTheDeclarationRequiresANewGrant(t *testing.T) {
	// Jobcenter: "Sollten Sie unseren Service der Online-Terminbuchung
	// erneut nutzen wollen, wird auch erneut Ihre Einwilligungserklärung
	// benötigt."
	f := newFixture(t, "testdata/ledger.yaml")
	f.grant(t, bookingGrant("1001"))
	f.grant(t, consent.Grant{Subject: "1001", Purpose: "newsletter", Version: "1", TextSHA256: consent.TextHash("foo"), Method: "web_form"})
	f.clock.Advance(time.Hour)
	for _, p := range []string{"booking", "newsletter"} {
		_, err := f.ledger.Withdraw(f.ctx, "1001", p, policy.ChannelLink)
		require.NoError(t, err)
	}
	f.clock.Advance(time.Hour)
	booking, err := f.ledger.Status(f.ctx, "1001", "booking", f.clock.Now())
	require.NoError(t, err)
	assert.False(t, booking.Valid)
	assert.True(t, booking.RenewRequired, "renew_after_withdrawal: a new grant is required")
	assert.Equal(t, t0.Add(time.Hour), booking.WithdrawnAt)
	newsletter, err := f.ledger.Status(f.ctx, "1001", "newsletter", f.clock.Now())
	require.NoError(t, err)
	assert.False(t, newsletter.Valid, "a withdrawn consent is no consent, whatever the declaration says about renewal")
	assert.False(t, newsletter.RenewRequired)
}

func TestStatusRefusesWhatItCannotAnswer(t *testing.T) {
	f := newFixture(t, "testdata/ledger.yaml")
	tests := []struct {
		name, subject, purpose string
		at                     time.Time
		want                   error
	}{
		{"unknown purpose", "1001", "marketing", t0, consent.ErrUnknownPurpose},
		{"purpose not on consent", "1001", "statistics", t0, consent.ErrNotConsentBased},
		{"empty subject", "", "booking", t0, consent.ErrInvalid},
		{"zero time", "1001", "booking", time.Time{}, consent.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := f.ledger.Valid(f.ctx, tt.subject, tt.purpose, tt.at)
			require.ErrorIs(t, err, tt.want)
			assert.False(t, ok)
		})
	}
	assert.False(t, f.valid(t, "never-seen", "booking", t0), "a subject without events has no consent")
}
