package consent_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/consent"
	"github.com/frist-go/frist/store"
)

// Waltrop: "Für Kinder und Jugendliche, die das sechzehnte Lebensjahr noch
// nicht vollendet haben, bedarf es der Einwilligung durch den Träger der
// elterlichen Verantwortung oder die Inhaber der gesetzlichen
// Personensorge."
func TestChildUnderSixteenNeedsAVerifiedGuardian(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	date := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	// t0 is 2 March 2026, 10:00 in Berlin.
	tests := []struct {
		name     string
		purpose  string
		at       time.Time // zero: t0
		birth    time.Time
		age      int
		guardian *consent.Guardian
		refused  bool
	}{
		{name: "sixteenth birthday today", birth: date(2010, 3, 2)},
		{name: "sixteenth birthday tomorrow", birth: date(2010, 3, 3), refused: true},
		{name: "seventeen", birth: date(2009, 1, 1)},
		{name: "fifteen with a verified parent", birth: date(2010, 3, 3),
			guardian: &consent.Guardian{Relation: "parent", Verification: "signed_form_with_id_check"}},
		{name: "fifteen, guardian without verification", birth: date(2010, 3, 3),
			guardian: &consent.Guardian{Relation: "parent"}, refused: true},
		{name: "fifteen, guardian without relation", birth: date(2010, 3, 3),
			guardian: &consent.Guardian{Verification: "id_card"}, refused: true},
		{name: "age given as fifteen", age: 15, refused: true},
		{name: "age given as sixteen", age: 16},
		// 23:30 UTC on 1 March is 00:30 on 2 March in Berlin: the birthday
		// has begun in the controller's zone.
		{name: "birthday begun in Berlin, not yet in UTC", at: time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC), birth: date(2010, 3, 2)},
		{name: "birthday not begun in Berlin", at: time.Date(2026, 3, 1, 22, 30, 0, 0, time.UTC), birth: date(2010, 3, 2), refused: true},
		// The newsletter declares min_age 14. Born on 29 February 2012, a
		// subject turns 14 at the start of 1 March 2026, a common year.
		{name: "29 February child on 28 February of a common year", purpose: "newsletter",
			at: time.Date(2026, 2, 28, 12, 0, 0, 0, berlin), birth: date(2012, 2, 29), refused: true},
		{name: "29 February child on 1 March of a common year", purpose: "newsletter",
			at: time.Date(2026, 3, 1, 0, 30, 0, 0, berlin), birth: date(2012, 2, 29)},
		{name: "member-state age 14 below 16", purpose: "newsletter", age: 14},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, "testdata/ledger.yaml")
			g := bookingGrant("1001")
			if tt.purpose == "newsletter" {
				g = consent.Grant{Subject: "1001", Purpose: "newsletter", Version: "1", TextSHA256: consent.TextHash("foo"), Method: "web_form"}
			}
			g.At, g.BirthDate, g.Age, g.Guardian = tt.at, tt.birth, tt.age, tt.guardian
			ev, err := f.ledger.Grant(f.ctx, g)
			evs, herr := f.ledger.History(f.ctx, "1001", g.Purpose)
			require.NoError(t, herr)
			require.Len(t, evs, 1, "grants and refusals are both recorded")
			if tt.refused {
				require.ErrorIs(t, err, consent.ErrUnderAge)
				assert.Equal(t, store.ConsentRefused, evs[0].Kind)
				assert.Contains(t, evs[0].Reason, "Art. 8(1)")
				assert.False(t, f.valid(t, "1001", g.Purpose, t0))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, store.ConsentGranted, ev.Kind)
			assert.True(t, f.valid(t, "1001", g.Purpose, t0))
			if tt.guardian != nil {
				assert.Equal(t, consent.ActorGuardian, ev.Actor, "a guardian's consent names the guardian as actor")
				assert.Equal(t, tt.guardian.Relation, ev.GuardianRelation)
				assert.Equal(t, tt.guardian.Verification, ev.GuardianVerification)
			}
		})
	}
}

func TestAgeCountsAsTheBGB(t *testing.T) {
	date := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }
	tests := []struct {
		name      string
		birth, at time.Time
		want      int
	}{
		{"day before the birthday", date(2010, 6, 15), date(2026, 6, 14), 15},
		{"on the birthday", date(2010, 6, 15), date(2026, 6, 15), 16},
		{"29 February in a leap year turns on 29 February", date(2008, 2, 29), date(2024, 2, 29), 16},
		{"29 February in a leap year, 28 February", date(2008, 2, 29), date(2024, 2, 28), 15},
		{"29 February in a common year turns on 1 March", date(2008, 2, 29), date(2025, 3, 1), 17},
		{"29 February in a common year, 28 February", date(2008, 2, 29), date(2025, 2, 28), 16},
		{"born today", date(2026, 1, 1), date(2026, 1, 1), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := consent.Age(tt.birth, tt.at, time.UTC)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	_, err := consent.Age(date(2026, 1, 2), date(2026, 1, 1), nil)
	require.ErrorIs(t, err, consent.ErrInvalid, "a birth after the time asked about is an error")
}

// Art. 8(1) applies only to information-society services offered directly
// to a child. The survey is not, so a ten-year-old's consent is not refused
// for age: capacity is a matter of national law, not of a default age.
// Broken by making grant.go fall back to DefaultMinAge for every purpose:
// the grant is refused with ErrUnderAge.
func TestAgeIsCheckedOnlyWhereArticle8Applies(t *testing.T) {
	f := newFixture(t, "testdata/ledger.yaml")
	ev, err := f.ledger.Grant(f.ctx, consent.Grant{Subject: "1001", Purpose: "survey", Version: "1", Method: "web_form", Age: 10})
	require.NoError(t, err)
	assert.Equal(t, store.ConsentGranted, ev.Kind)
}
