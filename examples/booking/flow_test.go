package main

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// client talks to a test server without following redirects.
type client struct {
	t   *testing.T
	srv *httptest.Server
	c   *http.Client
}

func newClient(t *testing.T, a *testApp) *client {
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return &client{t: t, srv: srv, c: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *client) do(method, target string, form url.Values, auth bool) (*http.Response, string) {
	c.t.Helper()
	target = strings.TrimPrefix(target, testBaseURL)
	if !strings.HasPrefix(target, "http") {
		target = c.srv.URL + target
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	require.NoError(c.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if auth {
		req.SetBasicAuth("office", testOfficePassword)
	}
	res, err := c.c.Do(req)
	require.NoError(c.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(c.t, err)
	return res, string(b)
}

var (
	optionValue = regexp.MustCompile(`<option value="([^"]+)"`)
	hrefOf      = func(id string) *regexp.Regexp { return regexp.MustCompile(`id="` + id + `" href="([^"]+)"`) }
)

// The whole way of a citizen through the site: book, see the
// confirmation, withdraw consent through the link (GET asks, POST
// withdraws), and the appointment is gone from the office view and from
// the database.
func TestBookConfirmWithdrawFlow(t *testing.T) {
	a := newTestApp(t, nil)
	c := newClient(t, a)

	res, body := c.do(http.MethodGet, "/", nil, false)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, html.EscapeString(a.consentText), "the form shows the consent text")
	assert.Contains(t, body, "Fassung 2024-01", "and its version")
	m := optionValue.FindStringSubmatch(body)
	require.NotNil(t, m, "the form offers slots")
	slot := html.UnescapeString(m[1])

	res, _ = c.do(http.MethodPost, "/buchen", url.Values{
		"slot": {slot}, "name": {"Erika Mustermann"}, "email": {"erika@example.org"}, "birth_date": {"1984-08-12"},
		"customer_number": {"123-456789"}, "concern": {"Weiterbewilligung"}, "consent": {"yes"}, "consent_sha256": {a.consentHash},
	}, false)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	res, body = c.do(http.MethodGet, res.Header.Get("Location"), nil, false)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "Ihr Termin ist gebucht.")
	assert.Equal(t, "no-referrer", res.Header.Get("Referrer-Policy"), "links carry tokens")
	require.Regexp(t, hrefOf("cancel-link"), body)
	wm := hrefOf("withdraw-link").FindStringSubmatch(body)
	require.NotNil(t, wm)
	withdrawURL := html.UnescapeString(wm[1])
	require.True(t, strings.HasPrefix(withdrawURL, testBaseURL+"/widerruf?t="), withdrawURL)

	ap, err := a.Day(context.Background(), slotTime(t, a, slot))
	require.NoError(t, err)
	require.Len(t, ap, 1)
	day := ap[0].Start.Format("2006-01-02")
	_, body = c.do(http.MethodGet, "/office?tag="+day, nil, true)
	assert.Contains(t, body, "Erika Mustermann", "the office sees the appointment")

	res, body = c.do(http.MethodGet, withdrawURL, nil, false)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "Einwilligung widerrufen")
	assert.Equal(t, 1, a.count(t, "appointments", "1 = 1"), "GET only asks")

	u, err := url.Parse(withdrawURL)
	require.NoError(t, err)
	res, _ = c.do(http.MethodPost, u.RequestURI(), url.Values{"t": {u.Query().Get("t")}}, false)
	require.Equal(t, http.StatusOK, res.StatusCode)

	_, body = c.do(http.MethodGet, "/office?tag="+day, nil, true)
	assert.NotContains(t, body, "Erika Mustermann", "the office view no longer lists it")
	assert.Contains(t, body, "0 Termine")
	assert.Zero(t, a.count(t, "appointments", "1 = 1"), "the row is gone")
	res, _ = c.do(http.MethodGet, withdrawURL, nil, false)
	assert.NotEqual(t, http.StatusOK, res.StatusCode, "a used link withdraws nothing again")
}

func slotTime(t *testing.T, a *testApp, v string) time.Time {
	t.Helper()
	_, s, ok := a.parseSlot(v)
	require.True(t, ok)
	return s
}

func TestCancelFlowAsksOnGetAndDeletesOnPost(t *testing.T) {
	a := newTestApp(t, nil)
	c := newClient(t, a)
	ap := a.book(t, "erika@example.org")
	tok := url.QueryEscape(a.Token(ap.ID))

	res, body := c.do(http.MethodGet, "/absagen?t="+tok, nil, false)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, `id="confirm-cancel"`)
	assert.Equal(t, 1, a.count(t, "appointments", "1 = 1"))

	res, body = c.do(http.MethodPost, "/absagen", url.Values{"t": {a.Token(ap.ID)}}, false)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "Die Termindaten sind gelöscht.")
	assert.Zero(t, a.count(t, "appointments", "1 = 1"))

	res, _ = c.do(http.MethodGet, "/termin?t="+tok, nil, false)
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	res, _ = c.do(http.MethodPost, "/absagen", url.Values{"t": {"1.forged"}}, false)
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
}

func TestCrossSiteFormPostsAreRefused(t *testing.T) {
	a := newTestApp(t, nil)
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	ap := a.book(t, "erika@example.org")
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/absagen", strings.NewReader(url.Values{"t": {a.Token(ap.ID)}}.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	assert.Equal(t, 1, a.count(t, "appointments", "1 = 1"), "nothing was cancelled")
}

func TestOfficeViewNeedsTheOfficePassword(t *testing.T) {
	a := newTestApp(t, nil)
	c := newClient(t, a)
	res, body := c.do(http.MethodGet, "/office", nil, false)
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	assert.NotContains(t, body, "<table")
	res, _ = c.do(http.MethodGet, "/office", nil, true)
	assert.Equal(t, http.StatusOK, res.StatusCode)
}

func TestPrivacyNoticeIsRenderedFromTheEnforcedDeclaration(t *testing.T) {
	a := newTestApp(t, nil)
	c := newClient(t, a)
	res, body := c.do(http.MethodGet, "/datenschutz", nil, false)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "Jobcenter Kreis Segeberg")
	assert.Contains(t, body, "maixit GmbH")
	_, en := c.do(http.MethodGet, "/datenschutz?lang=en", nil, false)
	assert.NotEqual(t, body, en)
}

// Every request is logged with its IP address, and never with the query
// string, which carries tokens.
func TestEveryRequestIsLoggedWithoutItsQuery(t *testing.T) {
	a := newTestApp(t, nil)
	c := newClient(t, a)
	c.do(http.MethodGet, "/termin?t=secret-token", nil, false)
	c.do(http.MethodGet, "/datenschutz", nil, false)
	assert.Equal(t, 2, a.count(t, "access_log", "ip = '127.0.0.1'"))
	assert.Equal(t, 1, a.count(t, "access_log", "path = '/termin'"))
	assert.Zero(t, a.count(t, "access_log", "path LIKE '%secret%'"))
}
