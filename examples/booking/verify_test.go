package main

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/dsar"
)

var mailedLink = regexp.MustCompile(`https://termine\.example/bestaetigen\?t=\S+`)

// verifyLink asks for a verification link for action at /nachweis with
// the address typed as typed, reads the link from the mail the SMTP server
// received for the address's normalised form, opens it (GET, which changes
// nothing) and returns its token.
func (a *testApp) verifyLink(t *testing.T, c *client, action verifyAction, typed string) string {
	t.Helper()
	to, ok := normalizeEmail(typed)
	require.True(t, ok)
	before := len(a.smtp.mails(to))
	res, body := c.do(http.MethodPost, "/nachweis", url.Values{"art": {string(action)}, "email": {typed}}, false)
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Contains(t, body, `id="sent"`)
	mails := a.smtp.mails(to)
	require.Len(t, mails, before+1, "one mail was delivered to %s", to)
	m := mails[len(mails)-1]
	assert.Equal(t, "termine@jobcenter.example", m.From)
	link := mailedLink.FindString(m.Body)
	require.NotEmpty(t, link, "the mail holds the link: %s", m.Body)
	res, body = c.do(http.MethodGet, link, nil, false)
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Contains(t, body, `id="confirm-verified"`)
	u, err := url.Parse(link)
	require.NoError(t, err)
	return u.Query().Get("t")
}

// With the address verified, the access report shows every appointment
// booked with it, in any case of its letters, and nothing of another
// citizen's.
func TestVerifiedAccessShowsEveryAppointmentOfTheAddress(t *testing.T) {
	a := newTestApp(t, nil)
	c := newClient(t, a)
	a.bookAs(t, "Erika Mustermann", "erika@example.org", "Weiterbewilligung Juni")
	a.bookAs(t, "Erika Mustermann", "ERIKA@example.org", "Nachweise nachreichen")
	other := a.bookAs(t, "Max Muster", "max@example.org", "Umzug nach Bad Segeberg")

	tok := a.verifyLink(t, c, verifyAccess, "Erika@Example.org")
	assert.Empty(t, a.requests(t), "asking for and opening the link opens no request")
	res, body := c.do(http.MethodPost, "/bestaetigen", url.Values{"t": {tok}}, false)
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	for _, want := range []string{"Weiterbewilligung Juni", "Nachweise nachreichen", "Erika Mustermann"} {
		assert.Contains(t, body, want)
	}
	for _, notWant := range []string{"Umzug nach Bad Segeberg", "max@example.org", other.Citizen} {
		assert.NotContains(t, body, notWant)
	}
	rs := a.requests(t)
	assert.Len(t, rs, 2, "one answered request per booking")
	for _, r := range rs {
		assert.True(t, slices.ContainsFunc(r.History(), func(tr dsar.Transition) bool {
			return tr.To == dsar.Verified && tr.Reason == string(dsar.MethodVerifiedEmail)
		}), "the history says the address was verified: %v", r.History())
	}
}

// The page after asking for a link says the same for an address nobody
// booked with, so it tells nobody whether someone did; the verified owner
// of such an address is told that nothing is stored.
func TestVerificationOfAnAddressWithoutAppointments(t *testing.T) {
	a := newTestApp(t, nil)
	c := newClient(t, a)
	a.bookAs(t, "Erika Mustermann", "erika@example.org", "Weiterbewilligung Juni")

	tok := a.verifyLink(t, c, verifyAccess, "nobody@example.org")
	res, body := c.do(http.MethodPost, "/bestaetigen", url.Values{"t": {tok}}, false)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "keine Termine gespeichert")
	assert.NotContains(t, body, "Erika")
	assert.Empty(t, a.requests(t))
}

// Case and Unicode: addresses differing only in the case of ASCII letters
// are one address; an address whose letters fold to another's only under
// Unicode case folding (the Kelvin sign K, U+212A, folds to "k") is
// another address and reaches nothing of it. (Broken by normalising with
// strings.ToLower, which maps U+212A to "k": the Kelvin address then
// erased Karl's appointment.)
func TestNormalisationMergesNoDistinctAddresses(t *testing.T) {
	a := newTestApp(t, nil)
	c := newClient(t, a)
	karl := a.bookAs(t, "Karl Muster", "karl@example.org", "Weiterbewilligung")
	kelvin := "\u212Aarl@example.org"

	got, ok := normalizeEmail("KARL@EXAMPLE.ORG")
	require.True(t, ok)
	assert.Equal(t, "karl@example.org", got)
	got, ok = normalizeEmail(kelvin)
	require.True(t, ok)
	assert.NotEqual(t, "karl@example.org", got)

	tok := a.verifyLink(t, c, verifyErasure, kelvin)
	res, body := c.do(http.MethodPost, "/bestaetigen", url.Values{"t": {tok}}, false)
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Contains(t, body, "keine Termine gespeichert")
	assert.Equal(t, 1, a.count(t, "appointments", "id = ?", karl.ID), "Karl's appointment stays")
	assert.Empty(t, a.smtp.mails("karl@example.org"), "no mail went to Karl")
}

// Bad input: an address in a form the service does not take, an unknown
// action, a link that was changed, opened but not confirmed, expired or
// used: each gets a page saying what is wrong, and nothing is disclosed or
// changed.
func TestVerificationRefusesBadInputAndChangesNothing(t *testing.T) {
	a := newTestApp(t, nil)
	c := newClient(t, a)
	ap := a.bookAs(t, "Erika Mustermann", "erika@example.org", "Weiterbewilligung Juni")
	unchanged := func(t *testing.T, body string) {
		t.Helper()
		assert.NotContains(t, body, "Weiterbewilligung Juni")
		assert.Equal(t, 1, a.count(t, "appointments", "id = ?", ap.ID))
		assert.Empty(t, a.requests(t))
		valid, err := a.Ledger().Valid(context.Background(), ap.Citizen, purposeBooking, a.clock.Now())
		require.NoError(t, err)
		assert.True(t, valid)
	}

	for _, bad := range []string{"", "erika", "Erika <erika@example.org>", "erika@example.org\r\nBcc: x@example.org", "+49 4191 12345"} {
		res, body := c.do(http.MethodPost, "/nachweis", url.Values{"art": {"auskunft"}, "email": {bad}}, false)
		assert.Equal(t, http.StatusBadRequest, res.StatusCode, "%q", bad)
		assert.Contains(t, body, "gültige E-Mail-Adresse", "%q", bad)
	}
	res, body := c.do(http.MethodPost, "/nachweis", url.Values{"art": {"alles"}, "email": {"erika@example.org"}}, false)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, body, "Auskunft, Löschung oder Widerruf")
	assert.Empty(t, a.smtp.all(), "no mail was sent for bad input")

	tok := a.verifyLink(t, c, verifyErasure, "erika@example.org")
	unchanged(t, "")
	enc, mac, _ := strings.Cut(tok, ".")
	for name, bad := range map[string]string{
		"no token":      "",
		"changed MAC":   enc + "." + mac[:len(mac)-2] + "xx",
		"other payload": "eyJhIjoibG9lc2NodW5nIn0." + mac,
		"no MAC":        enc,
	} {
		res, body := c.do(http.MethodPost, "/bestaetigen", url.Values{"t": {bad}}, false)
		assert.Equal(t, http.StatusNotFound, res.StatusCode, name)
		assert.Contains(t, body, "ungültig", name)
		unchanged(t, body)
	}

	a.clock.Advance(verifyTTL + time.Second)
	res, body = c.do(http.MethodGet, "/bestaetigen?t="+url.QueryEscape(tok), nil, false)
	assert.Equal(t, http.StatusGone, res.StatusCode)
	assert.Contains(t, body, "abgelaufen")
	res, body = c.do(http.MethodPost, "/bestaetigen", url.Values{"t": {tok}}, false)
	assert.Equal(t, http.StatusGone, res.StatusCode)
	unchanged(t, body)
}

// A mail server that refuses the mail gets the citizen a page saying the
// mail could not be sent; the log does not name the address.
func TestVerificationMailFailureIsReported(t *testing.T) {
	a := newTestApp(t, nil)
	c := newClient(t, a)
	a.mailer = SMTPMailer{Addr: "127.0.0.1:1", From: "termine@jobcenter.example", Timeout: time.Second}
	res, body := c.do(http.MethodPost, "/nachweis", url.Values{"art": {"auskunft"}, "email": {"erika@example.org"}}, false)
	assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	assert.Contains(t, body, "nicht versandt")
}

// Without a mail server the page says where to send the request instead,
// and nothing is sent or changed.
func TestVerificationWithoutMailerSaysWhereToWrite(t *testing.T) {
	a := newTestApp(t, nil)
	c := newClient(t, a)
	a.mailer = nil
	res, body := c.do(http.MethodPost, "/nachweis", url.Values{"art": {"auskunft"}, "email": {"erika@example.org"}}, false)
	assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	assert.Contains(t, body, "Kisdorfer Weg 7a, 24568 Kaltenkirchen")
	assert.Empty(t, a.smtp.all())
}
