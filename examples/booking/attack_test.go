package main

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The attacks below are made by someone who knows a victim's e-mail
// address and nothing else: they book a slot of their own with the
// victim's address in another case, and use the links of their own
// confirmation page. Each must neither disclose nor change anything of
// the victim. (Broken by keying every booking's subject on the lower-cased
// e-mail address as typed, as the service did before: all three fail.)

// victimAndAttacker books the victim's appointments and then the
// attacker's, with the victim's address in upper case, and returns the
// attacker's confirmation page.
func victimAndAttacker(t *testing.T, a *testApp, c *client) (victim []Appointment, attackerToken, attackerPage string) {
	t.Helper()
	victim = []Appointment{
		a.bookAs(t, "Victoria Opfer", "zzyzx@example.org", "Schwangerschaft, Mehrbedarf"),
		a.bookAs(t, "Victoria Opfer", "zzyzx@example.org", "Nachweise Krankenkasse"),
	}
	attacker := a.bookAs(t, "Mallory Angreifer", "ZZYZX@example.org", "irgendwas")
	attackerToken = a.Token(attacker.ID)
	res, body := c.do(http.MethodGet, "/termin?t="+url.QueryEscape(attackerToken), nil, false)
	require.Equal(t, http.StatusOK, res.StatusCode)
	return victim, attackerToken, body
}

// victimSecrets are what the victim entered, none of which the attacker
// may see.
var victimSecrets = []string{"Victoria Opfer", "Schwangerschaft", "Nachweise Krankenkasse", "1984-08-12"}

func TestAttackerLinkDisclosesNothingOfTheVictim(t *testing.T) {
	a := newTestApp(t, nil)
	c := newClient(t, a)
	victim, tok, _ := victimAndAttacker(t, a, c)

	res, body := c.do(http.MethodPost, "/auskunft", url.Values{"t": {tok}}, false)
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Contains(t, body, "Mallory Angreifer", "the attacker sees their own booking")
	for _, s := range victimSecrets[:3] {
		assert.NotContains(t, body, s, "the access report shows the victim's data")
	}
	for _, ap := range victim {
		assert.NotContains(t, body, ap.Citizen)
	}
}

func TestAttackerLinkErasesNothingOfTheVictim(t *testing.T) {
	a := newTestApp(t, nil)
	c := newClient(t, a)
	victim, tok, _ := victimAndAttacker(t, a, c)

	res, body := c.do(http.MethodPost, "/loeschung", url.Values{"t": {tok}}, false)
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	for _, ap := range victim {
		assert.Equal(t, 1, a.count(t, "appointments", "id = ?", ap.ID), "the victim's appointment %d was erased", ap.ID)
	}
	assert.Equal(t, 2, a.count(t, "appointments", "1 = 1"), "only the attacker's own appointment is erased")
}

func TestAttackerWithdrawalLinkEndsNothingOfTheVictim(t *testing.T) {
	ctx := context.Background()
	a := newTestApp(t, nil)
	c := newClient(t, a)
	victim, _, page := victimAndAttacker(t, a, c)

	m := hrefOf("withdraw-link").FindStringSubmatch(page)
	require.NotNil(t, m)
	u, err := url.Parse(html.UnescapeString(m[1]))
	require.NoError(t, err)
	res, body := c.do(http.MethodPost, u.Path, url.Values{"t": {u.Query().Get("t")}}, false)
	require.Equal(t, http.StatusOK, res.StatusCode, body)

	for _, ap := range victim {
		assert.Equal(t, 1, a.count(t, "appointments", "id = ?", ap.ID), "the victim's appointment %d was deleted", ap.ID)
		valid, err := a.Ledger().Valid(ctx, ap.Citizen, purposeBooking, a.clock.Now())
		require.NoError(t, err)
		assert.True(t, valid, "the victim's consent was withdrawn")
	}
}
