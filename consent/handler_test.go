package consent_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/consent"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/memstore"
)

// linkFixture is a ledger with the booking consents of subjects 1001 and
// 1002 and their records (seed), and 1001's withdrawal link, valid for a
// week.
type linkFixture struct {
	*fixture
	h     http.Handler
	token string
}

func newLinkFixture(t *testing.T) *linkFixture {
	t.Helper()
	f := newFixture(t, "testdata/ledger.yaml")
	seed(t, f)
	f.grant(t, bookingGrant("1001"))
	f.grant(t, bookingGrant("1002"))
	f.clock.Advance(time.Hour)
	u, err := f.ledger.WithdrawalURL(f.ctx, "https://termine.example/widerruf", "1001", "booking", f.clock.Now().Add(7*24*time.Hour))
	require.NoError(t, err)
	pu, err := url.Parse(u)
	require.NoError(t, err)
	return &linkFixture{fixture: f, h: f.ledger.Handler(), token: pu.Query().Get("t")}
}

// get sends GET with the token in the URL.
func (lf *linkFixture) get(token, lang string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, "/widerruf?t="+url.QueryEscape(token), nil)
	if lang != "" {
		r.Header.Set("Accept-Language", lang)
	}
	w := httptest.NewRecorder()
	lf.h.ServeHTTP(w, r)
	return w
}

// post sends the confirmation form with token in the body and the given
// extra headers.
func (lf *linkFixture) post(token string, header map[string]string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/widerruf", strings.NewReader(url.Values{"t": {token}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	lf.h.ServeHTTP(w, r)
	return w
}

// untouched asserts that the consent is in force and the appointments
// exist.
func (lf *linkFixture) untouched(t *testing.T) {
	t.Helper()
	assert.True(t, lf.valid(t, "1001", "booking", lf.clock.Now()), "the consent must still be in force")
	assert.True(t, lf.exists(t, "appointment", "10011"), "the appointments must still exist")
	assert.True(t, lf.exists(t, "appointment", "10012"))
}

// safeResponse asserts the headers and content every page must have.
func safeResponse(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	res := w.Result()
	assert.Empty(t, res.Cookies(), "no response sets a cookie")
	assert.Empty(t, res.Header.Values("Set-Cookie"))
	assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	assert.Equal(t, "no-referrer", res.Header.Get("Referrer-Policy"))
	assert.Contains(t, res.Header.Get("Content-Security-Policy"), "default-src 'none'")
	assert.Equal(t, "text/html; charset=utf-8", res.Header.Get("Content-Type"))
	body := w.Body.String()
	assert.NotContains(t, body, "1001", "pages never show the subject")
	for _, ext := range []string{"src=", "href=", "<script", "@import"} {
		assert.NotContains(t, body, ext, "pages load no external resources")
	}
}

func TestHandlerGETConfirmsAndNeverWithdraws(t *testing.T) {
	lf := newLinkFixture(t)
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		r := httptest.NewRequest(method, "/widerruf?t="+url.QueryEscape(lf.token), nil)
		w := httptest.NewRecorder()
		lf.h.ServeHTTP(w, r)
		assert.Equal(t, http.StatusOK, w.Code, method)
		safeResponse(t, w)
	}
	w := lf.get(lf.token, "")
	assert.Contains(t, w.Body.String(), `<form method="post"`)
	assert.Contains(t, w.Body.String(), `name="t" value="`+lf.token+`"`, "the signed token itself is the form's CSRF token")
	assert.Contains(t, w.Body.String(), "Einwilligung widerrufen")
	assert.Contains(t, w.Body.String(), "Online-Terminbuchung", "the page names the purpose")
	lf.untouched(t)
}

func TestHandlerSpeaksTheAcceptedLanguage(t *testing.T) {
	lf := newLinkFixture(t)
	tests := []struct{ header, lang, phrase string }{
		{"", "de", "Einwilligung widerrufen"},
		{"en-GB,en;q=0.9", "en", "Withdraw your consent"},
		{"de-DE,de;q=0.9,en;q=0.8", "de", "Einwilligung widerrufen"},
		{"fr-FR, en;q=0.7, de;q=0.3", "en", "Withdraw your consent"},
		{"fr", "de", "Einwilligung widerrufen"},
		{"en;q=bogus, de;q=0.2", "de", "Einwilligung widerrufen"},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			w := lf.get(lf.token, tt.header)
			assert.Equal(t, tt.lang, w.Header().Get("Content-Language"))
			assert.Contains(t, w.Body.String(), `<html lang="`+tt.lang+`">`)
			assert.Contains(t, w.Body.String(), tt.phrase)
		})
	}
}

// Jobcenter: "Bitte beachten Sie, dass im Fall eines Widerrufs von Ihnen
// bereits gebuchte Termine ebenfalls alle gelöscht werden."
func TestHandlerPOSTWithAValidLinkWithdrawsOnce(t *testing.T) {
	lf := newLinkFixture(t)
	w := lf.post(lf.token, map[string]string{"Origin": "http://example.com"})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	safeResponse(t, w)
	assert.Contains(t, w.Body.String(), "Ihre Einwilligung ist widerrufen")
	assert.Contains(t, w.Body.String(), "3 Datensätze", "the page says what was deleted")
	assert.Contains(t, w.Body.String(), "erneut Ihre Einwilligung benötigt")
	assert.False(t, lf.valid(t, "1001", "booking", lf.clock.Now()))
	assert.False(t, lf.exists(t, "appointment", "10011"))
	assert.False(t, lf.exists(t, "appointment", "10012"))

	// The subject books again with a new grant; the old link is replayed.
	lf.clock.Advance(time.Hour)
	lf.grant(t, bookingGrant("1001"))
	lf.insert(t, "appointment", map[string]any{"id": 10013, "citizen_id": 1001, "booked_at": lf.clock.Now(), "name": "A"})
	for _, replay := range []*httptest.ResponseRecorder{lf.get(lf.token, ""), lf.post(lf.token, nil)} {
		assert.Equal(t, http.StatusConflict, replay.Code)
		assert.Contains(t, replay.Body.String(), "bereits verwendet")
		safeResponse(t, replay)
	}
	assert.True(t, lf.valid(t, "1001", "booking", lf.clock.Now()), "a replayed link changes nothing")
	assert.True(t, lf.exists(t, "appointment", "10013"))
	_, err := lf.ledger.WithdrawByToken(lf.ctx, lf.token)
	require.ErrorIs(t, err, consent.ErrLinkUsed)
}

func TestHandlerRefusesTamperedExpiredAndForeignRequests(t *testing.T) {
	tamper := func(tok string) string {
		enc, mac, _ := strings.Cut(tok, ".")
		body, _ := base64.RawURLEncoding.DecodeString(enc)
		body = []byte(strings.Replace(string(body), `"s":"1001"`, `"s":"1002"`, 1))
		return base64.RawURLEncoding.EncodeToString(body) + "." + mac
	}
	flip := func(tok string) string {
		b := []byte(tok)
		if b[len(b)-2] == 'A' {
			b[len(b)-2] = 'B'
		} else {
			b[len(b)-2] = 'A'
		}
		return string(b)
	}
	tests := []struct {
		name   string
		send   func(lf *linkFixture) *httptest.ResponseRecorder
		status int
		phrase string
	}{
		{"GET with another subject in the payload", func(lf *linkFixture) *httptest.ResponseRecorder { return lf.get(tamper(lf.token), "") }, http.StatusBadRequest, "ungültig"},
		{"POST with another subject in the payload", func(lf *linkFixture) *httptest.ResponseRecorder { return lf.post(tamper(lf.token), nil) }, http.StatusBadRequest, "ungültig"},
		{"POST with a changed signature", func(lf *linkFixture) *httptest.ResponseRecorder { return lf.post(flip(lf.token), nil) }, http.StatusBadRequest, "ungültig"},
		{"POST without token", func(lf *linkFixture) *httptest.ResponseRecorder { return lf.post("", nil) }, http.StatusBadRequest, "ungültig"},
		{"POST with the token only in the URL", func(lf *linkFixture) *httptest.ResponseRecorder {
			r := httptest.NewRequest(http.MethodPost, "/widerruf?t="+url.QueryEscape(lf.token), nil)
			w := httptest.NewRecorder()
			lf.h.ServeHTTP(w, r)
			return w
		}, http.StatusBadRequest, "ungültig"},
		{"GET after expiry", func(lf *linkFixture) *httptest.ResponseRecorder {
			lf.clock.Advance(8 * 24 * time.Hour)
			return lf.get(lf.token, "")
		}, http.StatusGone, "abgelaufen"},
		{"POST after expiry", func(lf *linkFixture) *httptest.ResponseRecorder {
			lf.clock.Advance(7 * 24 * time.Hour)
			return lf.post(lf.token, nil)
		}, http.StatusGone, "abgelaufen"},
		{"POST from another origin", func(lf *linkFixture) *httptest.ResponseRecorder {
			return lf.post(lf.token, map[string]string{"Origin": "https://evil.example"})
		}, http.StatusForbidden, "abgelehnt"},
		{"POST from another site by Sec-Fetch-Site", func(lf *linkFixture) *httptest.ResponseRecorder {
			return lf.post(lf.token, map[string]string{"Sec-Fetch-Site": "cross-site"})
		}, http.StatusForbidden, "abgelehnt"},
		{"POST with an oversized body", func(lf *linkFixture) *httptest.ResponseRecorder {
			body := url.Values{"t": {lf.token}, "pad": {strings.Repeat("x", 64<<10)}}.Encode()
			r := httptest.NewRequest(http.MethodPost, "/widerruf", strings.NewReader(body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			w := httptest.NewRecorder()
			lf.h.ServeHTTP(w, r)
			return w
		}, http.StatusBadRequest, "ungültig"},
		{"PUT", func(lf *linkFixture) *httptest.ResponseRecorder {
			r := httptest.NewRequest(http.MethodPut, "/widerruf", strings.NewReader("t="+url.QueryEscape(lf.token)))
			w := httptest.NewRecorder()
			lf.h.ServeHTTP(w, r)
			return w
		}, http.StatusMethodNotAllowed, "Nicht unterstützt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lf := newLinkFixture(t)
			w := tt.send(lf)
			assert.Equal(t, tt.status, w.Code)
			assert.Contains(t, w.Body.String(), tt.phrase)
			assert.Contains(t, w.Body.String(), "nichts geändert")
			safeResponse(t, w)
			lf.untouched(t)
			assert.True(t, lf.valid(t, "1002", "booking", lf.clock.Now()), "a tampered link must not withdraw someone else's consent")
		})
	}
}

func TestHandlerSaysWhenThereIsNothingToWithdraw(t *testing.T) {
	lf := newLinkFixture(t)
	_, err := lf.ledger.Withdraw(lf.ctx, "1001", "booking", "email")
	require.NoError(t, err)
	for _, w := range []*httptest.ResponseRecorder{lf.get(lf.token, "en"), lf.post(lf.token, map[string]string{"Accept-Language": "en"})} {
		assert.Equal(t, http.StatusConflict, w.Code)
		assert.Contains(t, w.Body.String(), "There is no consent to withdraw")
		safeResponse(t, w)
	}
	evs, err := lf.ledger.History(lf.ctx, "1001", "booking")
	require.NoError(t, err)
	assert.Len(t, evs, 2, "grant and the e-mail withdrawal; the link recorded nothing")
}

func TestWithdrawalLinksNeedKeysAndAFutureExpiry(t *testing.T) {
	f := newFixture(t, "testdata/ledger.yaml")
	_, err := f.ledger.WithdrawalToken(f.ctx, "1001", "booking", t0.Add(time.Hour))
	require.ErrorIs(t, err, consent.ErrNotGranted, "no consent in force to bind the link to")
	f.grant(t, bookingGrant("1001"))
	_, err = f.ledger.WithdrawalToken(f.ctx, "1001", "booking", t0)
	require.ErrorIs(t, err, consent.ErrInvalid, "an expiry that is not in the future")
	_, err = f.ledger.WithdrawalToken(f.ctx, "1001", "statistics", t0.Add(time.Hour))
	require.ErrorIs(t, err, consent.ErrNotConsentBased)
	_, err = f.ledger.WithdrawalURL(f.ctx, "::not a url", "1001", "booking", t0.Add(time.Hour))
	require.ErrorIs(t, err, consent.ErrInvalid)
	for _, tok := range []string{"", ".", "abc", "abc.def", "e30.link:AAAA"} {
		_, err = f.ledger.ParseWithdrawalToken(tok)
		require.ErrorIs(t, err, consent.ErrLinkInvalid, "token %q", tok)
	}

	noLinks, err := consent.New(f.eng, f.st, &consent.Options{Keys: f.keys})
	require.NoError(t, err)
	_, err = noLinks.WithdrawalToken(f.ctx, "1001", "booking", t0.Add(time.Hour))
	require.ErrorIs(t, err, consent.ErrNoLinkKeys)

	// A link signed under a key another ring holds is not accepted.
	tok, err := f.ledger.WithdrawalToken(f.ctx, "1001", "booking", t0.Add(time.Hour))
	require.NoError(t, err)
	other, err := consent.New(f.eng, f.st, &consent.Options{Keys: f.keys, LinkKeys: keyRing(t, "other")})
	require.NoError(t, err)
	_, err = other.ParseWithdrawalToken(tok)
	require.ErrorIs(t, err, consent.ErrLinkInvalid)
	lk, err := f.ledger.ParseWithdrawalToken(tok)
	require.NoError(t, err)
	assert.Equal(t, "1001", lk.Subject)
	assert.Equal(t, "booking", lk.Purpose)
	assert.Equal(t, t0.Add(time.Hour), lk.Expires)
}

func TestHandlerConcurrentPOSTsWithdrawOnce(t *testing.T) {
	lf := newLinkFixture(t)
	const n = 8
	codes := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { codes <- lf.post(lf.token, nil).Code })
	}
	wg.Wait()
	close(codes)
	count := map[int]int{}
	for c := range codes {
		count[c]++
	}
	assert.Equal(t, map[int]int{http.StatusOK: 1, http.StatusConflict: n - 1}, count, "one POST withdraws, the others find the link used")
	evs, err := lf.ledger.History(lf.ctx, "1001", "booking")
	require.NoError(t, err)
	assert.Len(t, evs, 2, "one grant, one withdrawal")
}

// staleReads is a replica that has not yet seen the other replica's
// withdrawal: its reads miss every event made through a link.
type staleReads struct{ *memstore.Store }

func (s staleReads) ConsentEvents(ctx context.Context, subject, purpose string) ([]store.ConsentEvent, error) {
	evs, err := s.Store.ConsentEvents(ctx, subject, purpose)
	return slices.DeleteFunc(evs, func(ev store.ConsentEvent) bool { return ev.Reference != "" }), err
}

// TestALinkUsedConcurrentlyByAnotherReplicaIsRefusedByTheStore pins that
// the store, not only the ledger's lock, makes a link withdraw once: a
// replica whose read missed the other's withdrawal still cannot use the
// link again.
func TestALinkUsedConcurrentlyByAnotherReplicaIsRefusedByTheStore(t *testing.T) {
	lf := newLinkFixture(t)
	_, err := lf.ledger.WithdrawByToken(lf.ctx, lf.token)
	require.NoError(t, err)
	other, err := consent.New(lf.eng, staleReads{lf.st}, &consent.Options{Keys: lf.keys, LinkKeys: keyRing(t, "link"), Now: lf.clock.Now})
	require.NoError(t, err)
	_, err = other.WithdrawByToken(lf.ctx, lf.token)
	require.ErrorIs(t, err, consent.ErrLinkUsed)
	evs, err := lf.ledger.History(lf.ctx, "1001", "booking")
	require.NoError(t, err)
	assert.Len(t, evs, 2, "one grant, one withdrawal")
}

// A link is bound to the grant it was issued for. After the subject
// withdrew by another channel and consented again, the old link (kept in
// an old mail, or by whoever read it) cannot end the new consent: GET and
// POST say it belongs to an earlier consent, in both languages, and change
// nothing. (Broken by dropping the grant comparison in withdraw and
// linkState: the POST withdrew the new consent and deleted the new
// appointments.)
func TestHandlerOldLinkCannotEndANewerConsent(t *testing.T) {
	lf := newLinkFixture(t)
	_, err := lf.ledger.Withdraw(lf.ctx, "1001", "booking", "email")
	require.NoError(t, err)
	lf.clock.Advance(time.Hour)
	lf.insert(t, "appointment", map[string]any{"id": 10011, "citizen_id": 1001, "booked_at": lf.clock.Now(), "name": "A"})
	lf.insert(t, "appointment", map[string]any{"id": 10012, "citizen_id": 1001, "booked_at": lf.clock.Now(), "name": "A"})
	lf.grant(t, bookingGrant("1001"))
	lf.clock.Advance(time.Minute)

	for lang, phrase := range map[string]string{"de": "früheren Einwilligung", "en": "earlier consent"} {
		for _, w := range []*httptest.ResponseRecorder{lf.get(lf.token, lang), lf.post(lf.token, map[string]string{"Accept-Language": lang})} {
			assert.Equal(t, http.StatusConflict, w.Code)
			assert.Contains(t, w.Body.String(), phrase)
			safeResponse(t, w)
		}
	}
	lf.untouched(t)
	_, err = lf.ledger.WithdrawByToken(lf.ctx, lf.token)
	require.ErrorIs(t, err, consent.ErrLinkSuperseded)
	lf.untouched(t)

	// A link issued for the new grant still withdraws it.
	u, err := lf.ledger.WithdrawalURL(lf.ctx, "https://termine.example/widerruf", "1001", "booking", lf.clock.Now().Add(time.Hour))
	require.NoError(t, err)
	pu, err := url.Parse(u)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, lf.post(pu.Query().Get("t"), nil).Code)
	assert.False(t, lf.valid(t, "1001", "booking", lf.clock.Now()))
}
