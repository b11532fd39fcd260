package main

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/dsar"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
)

// bookAs books the first free slot for a citizen with its own name,
// e-mail address and concern, so that a page can be searched for them.
func (a *testApp) bookAs(t *testing.T, name, email, concern string) Appointment {
	t.Helper()
	slots, err := a.Slots(context.Background())
	require.NoError(t, err)
	for _, sl := range slots {
		if sl.Free > 0 {
			req := a.request(sl, email)
			req.Name, req.Concern = name, concern
			ap, err := a.Book(context.Background(), req)
			require.NoError(t, err)
			return ap
		}
	}
	t.Fatal("no free slot")
	return Appointment{}
}

// requests returns every data-subject request in the store.
func (a *testApp) requests(t *testing.T) []*dsar.Request {
	t.Helper()
	rs, err := a.DSAR().List(context.Background(), dsar.Filter{})
	require.NoError(t, err)
	return rs
}

// "Art. 15 access ... requests from a page": the appointment link's
// access report shows that appointment, and neither another booking made
// with the same address nor another citizen's; it is sent without
// caching, without a referrer and without a cookie, and the request is
// recorded as answered.
func TestAccessByLinkShowsExactlyThatAppointment(t *testing.T) {
	a := newTestApp(t, nil)
	c := newClient(t, a)
	first := a.bookAs(t, "Erika Mustermann", "erika@example.org", "Weiterbewilligung Juni")
	second := a.bookAs(t, "Erika Mustermann", "erika@example.org", "Nachweise nachreichen")
	other := a.bookAs(t, "Max Muster", "max@example.org", "Umzug nach Bad Segeberg")

	res, body := c.do(http.MethodGet, "/termin?t="+url.QueryEscape(a.Token(first.ID)), nil, false)
	require.Equal(t, http.StatusOK, res.StatusCode)
	m := hrefOf("access-link").FindStringSubmatch(body)
	require.NotNil(t, m, "the confirmation links to the access page")
	accessURL := html.UnescapeString(m[1])

	res, body = c.do(http.MethodGet, accessURL, nil, false)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "Art. 15 DSGVO")
	assert.Contains(t, body, "innerhalb eines Monats beantworten (Art. 12 Abs. 3 DSGVO)")
	assert.Contains(t, body, `href="/nachweis?art=auskunft"`, "the page says how to reach all appointments")
	assert.Empty(t, a.requests(t), "a GET opens no request")

	u, err := url.Parse(accessURL)
	require.NoError(t, err)
	res, body = c.do(http.MethodPost, "/auskunft", url.Values{"t": {u.Query().Get("t")}}, false)
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	assert.Equal(t, "no-referrer", res.Header.Get("Referrer-Policy"))
	assert.Empty(t, res.Header.Values("Set-Cookie"))
	for _, want := range []string{"Weiterbewilligung Juni", "erika@example.org", "Erika Mustermann"} {
		assert.Contains(t, body, want, "the report shows the appointment's data")
	}
	for _, notWant := range []string{"Nachweise nachreichen", second.Citizen, "Umzug nach Bad Segeberg", "max@example.org", "Max Muster", other.Citizen} {
		assert.NotContains(t, body, notWant, "the report shows nothing the link does not prove")
	}

	rs := a.requests(t)
	require.Len(t, rs, 1)
	assert.Equal(t, dsar.Access, rs[0].Kind())
	assert.Equal(t, dsar.Completed, rs[0].State())
	assert.Equal(t, first.Citizen, rs[0].Subject())
	assert.True(t, slices.ContainsFunc(rs[0].History(), func(tr dsar.Transition) bool {
		return tr.To == dsar.Verified && tr.Reason == string(dsar.MethodLinkPossession)
	}), "the history says how the requester was verified: %v", rs[0].History())
}

// The appointment link's erasure deletes that appointment only; another
// booking made with the same address stays.
func TestErasureByLinkDeletesExactlyThatAppointment(t *testing.T) {
	a := newTestApp(t, nil)
	c := newClient(t, a)
	first := a.bookAs(t, "Erika Mustermann", "erika@example.org", "Weiterbewilligung Juni")
	second := a.bookAs(t, "Erika Mustermann", "erika@example.org", "Nachweise nachreichen")

	tok := a.Token(first.ID)
	res, body := c.do(http.MethodGet, "/loeschung?t="+url.QueryEscape(tok), nil, false)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "Art. 17 DSGVO")
	assert.Empty(t, a.requests(t), "a GET opens no request")
	assert.Equal(t, 2, a.count(t, "appointments", "1=1"), "a GET deletes nothing")

	res, body = c.do(http.MethodPost, "/loeschung", url.Values{"t": {tok}}, false)
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Contains(t, body, `id="erased"`)
	assert.Zero(t, a.count(t, "appointments", "id = ?", first.ID))
	assert.Equal(t, 1, a.count(t, "appointments", "id = ?", second.ID), "the other booking of the address stays")

	// The link of an erased appointment proves nothing any more.
	res, _ = c.do(http.MethodPost, "/loeschung", url.Values{"t": {tok}}, false)
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	assert.Len(t, a.requests(t), 1, "a dead link opens no request")
}

// "... and erasure requests from a page": with the address verified, every
// appointment booked with it is deleted, one held for legal claims is kept
// and named on the receipt with Art. 17(3)(e), and another citizen's
// stays.
func TestVerifiedErasureDeletesEveryAppointmentOfTheAddressAndNamesWhatIsKept(t *testing.T) {
	a := newTestApp(t, nil)
	c := newClient(t, a)
	first := a.bookAs(t, "Erika Mustermann", "erika@example.org", "Weiterbewilligung Juni")
	second := a.bookAs(t, "Erika Mustermann", "Erika@Example.ORG", "Nachweise nachreichen")
	held := a.bookAs(t, "Erika Mustermann", "erika@example.org", "Widerspruch")
	other := a.bookAs(t, "Max Muster", "max@example.org", "Umzug nach Bad Segeberg")
	heldKey := strconv.FormatInt(held.ID, 10)
	_, err := a.Engine().PlaceHold(context.Background(), retention.HoldRequest{
		Dataset: datasetAppointment, Key: heldKey, Reason: store.HoldLegalClaims,
		Note: "Widerspruchsverfahren gegen einen Bescheid",
	})
	require.NoError(t, err)

	tok := a.verifyLink(t, c, verifyErasure, "erika@example.org")
	assert.Equal(t, 4, a.count(t, "appointments", "1=1"), "asking for and opening the link deletes nothing")
	res, body := c.do(http.MethodPost, "/bestaetigen", url.Values{"t": {tok}}, false)
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Contains(t, body, `id="erased"`)
	assert.Contains(t, body, "appointment "+heldKey+": Art. 17(3)(e)", "the receipt names the kept record and its norm")

	for _, ap := range []Appointment{first, second} {
		assert.Zero(t, a.count(t, "appointments", "id = ?", ap.ID), "appointment %d is deleted", ap.ID)
	}
	assert.Equal(t, 1, a.count(t, "appointments", "id = ?", held.ID), "the held appointment is kept")
	assert.Equal(t, 1, a.count(t, "appointments", "id = ?", other.ID), "another citizen's appointment stays")
	rs := a.requests(t)
	require.Len(t, rs, 3, "one request per booking")
	for _, r := range rs {
		assert.Equal(t, dsar.Erasure, r.Kind())
		assert.Equal(t, dsar.Completed, r.State())
	}

	res, _ = c.do(http.MethodPost, "/bestaetigen", url.Values{"t": {tok}}, false)
	assert.Equal(t, http.StatusConflict, res.StatusCode, "the link works once")
	assert.Len(t, a.requests(t), 3, "a used link opens no request")
}

// A tampered link, a link of an appointment that is gone, and another
// appointment's ID under a valid-looking MAC get a clear page; nothing is
// opened and nothing is deleted.
func TestRightsPagesRefuseBadLinksAndChangeNothing(t *testing.T) {
	a := newTestApp(t, nil)
	c := newClient(t, a)
	ap := a.bookAs(t, "Erika Mustermann", "erika@example.org", "Weiterbewilligung Juni")
	gone := a.bookAs(t, "Erika Mustermann", "erika@example.org", "Nachweise nachreichen")
	other := a.bookAs(t, "Max Muster", "max@example.org", "Umzug nach Bad Segeberg")
	goneTok := a.Token(gone.ID)
	_, err := a.Cancel(context.Background(), gone.ID)
	require.NoError(t, err)

	tok := a.Token(ap.ID)
	_, mac, _ := strings.Cut(tok, ".")
	tampered := map[string]string{
		"no token":           "",
		"changed MAC":        tok[:len(tok)-2] + "xx",
		"other ID, same MAC": strconv.FormatInt(other.ID, 10) + "." + mac,
		"no MAC":             strconv.FormatInt(ap.ID, 10),
		"cancelled appt.":    goneTok,
	}
	for name, bad := range tampered {
		for _, path := range []string{"/auskunft", "/loeschung"} {
			t.Run(name+" "+path, func(t *testing.T) {
				res, body := c.do(http.MethodGet, path+"?t="+url.QueryEscape(bad), nil, false)
				assert.Equal(t, http.StatusNotFound, res.StatusCode)
				assert.Contains(t, body, `id="message"`)
				res, body = c.do(http.MethodPost, path, url.Values{"t": {bad}}, false)
				assert.Equal(t, http.StatusNotFound, res.StatusCode)
				assert.Contains(t, body, `id="message"`)
				assert.NotContains(t, body, "Umzug nach Bad Segeberg")
			})
		}
	}
	assert.Empty(t, a.requests(t), "no request was opened")
	assert.Equal(t, 2, a.count(t, "appointments", "1=1"), "nothing was deleted")
}

// The identity check accepts exactly a valid token of a still existing
// appointment of the request's subject (Art. 12(6)).
func TestLinkIdentityAcceptsOnlyTheSubjectsOwnLink(t *testing.T) {
	a := newTestApp(t, nil)
	ap := a.bookAs(t, "Erika Mustermann", "erika@example.org", "Weiterbewilligung Juni")
	other := a.bookAs(t, "Max Muster", "max@example.org", "Umzug nach Bad Segeberg")
	ctx := context.Background()
	cases := []struct {
		name    string
		subject string
		token   string
		want    bool
	}{
		{"own link", ap.Citizen, a.Token(ap.ID), true},
		{"another citizen's link", ap.Citizen, a.Token(other.ID), false},
		{"no link", ap.Citizen, "", false},
		{"forged link", ap.Citizen, strconv.FormatInt(ap.ID, 10) + ".tokens1:AAAA", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := a.DSAR().Open(ctx, dsar.Access, tc.subject, a.clock.Now())
			require.NoError(t, err)
			ok, err := appIdentity{a.App}.Verify(context.WithValue(ctx, linkToken{}, tc.token), req)
			require.NoError(t, err)
			assert.Equal(t, tc.want, ok)
		})
	}
}

// A form post another site's page makes the browser send is refused by
// the cross-origin protection: no other site can open a request, or erase
// a citizen's data, with a link it learnt.
func TestRightsPagesRefuseCrossOriginPosts(t *testing.T) {
	a := newTestApp(t, nil)
	c := newClient(t, a)
	ap := a.bookAs(t, "Erika Mustermann", "erika@example.org", "Weiterbewilligung Juni")
	for _, path := range []string{"/auskunft", "/loeschung"} {
		req, err := http.NewRequest(http.MethodPost, c.srv.URL+path, strings.NewReader(url.Values{"t": {a.Token(ap.ID)}}.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		res, err := c.c.Do(req)
		require.NoError(t, err)
		_ = res.Body.Close()
		assert.Equal(t, http.StatusForbidden, res.StatusCode, path)
	}
	assert.Empty(t, a.requests(t), "no request was opened")
	assert.Equal(t, 1, a.count(t, "appointments", "1=1"), "nothing was deleted")
}
