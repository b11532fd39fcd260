package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// officeTry sends GET /office from ip with the password, straight to the
// handler so that the client's address can be chosen.
func (a *testApp) officeTry(ip, password string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, "/office", nil)
	r.RemoteAddr = ip + ":40000"
	r.SetBasicAuth("office", password)
	w := httptest.NewRecorder()
	a.Handler().ServeHTTP(w, r)
	return w
}

// Someone guessing the office password from one address: the first
// failures are answered at once, then each attempt must wait longer, and
// attempts made too early are refused without being checked, even with
// the right password; after ten failures the address is locked out for a
// quarter of an hour. The log records each failure with a pseudonym of the
// address, never the address, user name or password. (Broken by checking
// every attempt: 300 guesses in a row were all checked, as the service did
// before.)
func TestOfficeLoginSlowsDownAndLocksOutAGuesser(t *testing.T) {
	a := newTestApp(t, nil)
	const ip = "198.51.100.23"
	for i := range 300 {
		w := a.officeTry(ip, fmt.Sprintf("guess-%03d", i))
		require.NotEqual(t, http.StatusOK, w.Code)
		if w.Code != http.StatusUnauthorized {
			require.Equal(t, http.StatusTooManyRequests, w.Code)
			assert.NotEmpty(t, w.Header().Get("Retry-After"))
		}
	}
	assert.Equal(t, officeFreeFailures, strings.Count(a.logs.String(), "office login failed"),
		"only the free failures were checked; the rest came too soon")
	w := a.officeTry(ip, testOfficePassword)
	assert.Equal(t, http.StatusTooManyRequests, w.Code, "the right password too soon after a failure is not checked")

	// Waiting out each delay, the guesser reaches the lockout.
	for i := range officeClientLockout - officeFreeFailures {
		a.clock.Advance(officeMaxBackoff)
		a.officeTry(ip, fmt.Sprintf("slow-%02d", i))
	}
	assert.Contains(t, a.logs.String(), "locked_out=true")
	a.clock.Advance(officeMaxBackoff)
	assert.Equal(t, http.StatusTooManyRequests, a.officeTry(ip, testOfficePassword).Code, "locked out: the right password is refused")
	assert.Equal(t, http.StatusOK, a.officeTry("198.51.100.99", testOfficePassword).Code, "another address is not locked out")
	a.clock.Advance(officeLockout)
	assert.Equal(t, http.StatusOK, a.officeTry(ip, testOfficePassword).Code, "the lockout ends")

	logs := a.logs.String()
	assert.Contains(t, logs, "office login failed")
	for _, secret := range []string{ip, "guess-0", "slow-0", testOfficePassword, "user=office"} {
		assert.NotContains(t, logs, secret, "the log holds no address, user name or password")
	}
}

// Guessing from many addresses locks the login for everyone after 100
// failures within a quarter of an hour, so that spreading guesses over
// addresses does not help. (Broken by counting failures per client only:
// a fresh address then logged in while the guessing went on.)
func TestOfficeLoginLocksForEveryoneUnderDistributedGuessing(t *testing.T) {
	a := newTestApp(t, nil)
	for i := range officeGlobalLockout {
		w := a.officeTry(fmt.Sprintf("203.0.113.%d", i%250+1), fmt.Sprintf("guess-%03d", i))
		require.Contains(t, []int{http.StatusUnauthorized, http.StatusTooManyRequests}, w.Code)
		if i%2 == 1 {
			a.clock.Advance(time.Second)
		}
	}
	assert.Equal(t, http.StatusTooManyRequests, a.officeTry("192.0.2.200", testOfficePassword).Code, "the login is locked for everyone")
	a.clock.Advance(officeLockout)
	assert.Equal(t, http.StatusOK, a.officeTry("192.0.2.200", testOfficePassword).Code)
}

// Weak office passwords are refused with a message saying what is
// needed; empty disables the office view.
func TestWeakOfficePasswordsAreRefused(t *testing.T) {
	decl := loadJobcenter(t, nil)
	keys, err := DeriveKeys(t.Name())
	require.NoError(t, err)
	for _, pw := range []string{"geheim", "password1234567", "aaaaaaaaaaaaaaaaaaaa", "1234123412341234", "abababababababababab"} {
		db, err := sql.Open("sqlite", SQLiteDSN(filepath.Join(t.TempDir(), "b.db")))
		require.NoError(t, err)
		_, err = New(context.Background(), Options{DB: db, Declaration: decl, Keys: keys, BaseURL: testBaseURL, OfficePassword: pw})
		require.ErrorIs(t, err, ErrWeakPassword, "%q", pw)
		assert.NotContains(t, err.Error(), pw, "the message does not repeat the password")
		_ = db.Close()
	}
}

// Links are built from the configured base URL: a request with a forged
// Host header gets links to the service, not to the attacker's host.
// (Broken by building the base from r.Host, as the service did before.)
func TestLinksComeFromTheBaseURLNeverTheHostHeader(t *testing.T) {
	a := newTestApp(t, nil)
	ap := a.bookAs(t, "Erika Mustermann", "erika@example.org", "Weiterbewilligung")
	r := httptest.NewRequest(http.MethodGet, "/termin?t="+url.QueryEscape(a.Token(ap.ID)), nil)
	r.Host = "evil.example"
	r.Header.Set("X-Forwarded-Host", "evil.example")
	w := httptest.NewRecorder()
	a.Handler().ServeHTTP(w, r)
	require.Equal(t, http.StatusOK, w.Code)
	assert.NotContains(t, w.Body.String(), "evil.example")
	assert.Contains(t, w.Body.String(), `href="`+testBaseURL+`/widerruf?t=`)

	for _, bad := range []string{"", "termine.example", "ftp://termine.example", "https://termine.example/pfad", "https://u:p@termine.example", "https://termine.example?x=1"} {
		_, err := checkBaseURL(bad)
		assert.ErrorIs(t, err, ErrOptions, "%q", bad)
	}
}

// Without BOOKING_OFFICE_PASSWORD the service writes a random password to
// a file only its user can read and logs the file's name, never the
// password; the next start reads the same file.
func TestGeneratedOfficePasswordGoesToAFileNotTheLog(t *testing.T) {
	t.Setenv("BOOKING_OFFICE_PASSWORD", "")
	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, nil))
	path := filepath.Join(t.TempDir(), "booking.db.office-password")
	pw, err := officePassword(path, log)
	require.NoError(t, err)
	require.NoError(t, checkOfficePassword(pw))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	assert.NotContains(t, logs.String(), pw)
	assert.Contains(t, logs.String(), path)
	again, err := officePassword(path, log)
	require.NoError(t, err)
	assert.Equal(t, pw, again)

	require.NoError(t, os.WriteFile(path, []byte("short\n"), 0o600))
	_, err = officePassword(path, log)
	require.ErrorIs(t, err, ErrWeakPassword)
	t.Setenv("BOOKING_OFFICE_PASSWORD", "geheim")
	_, err = officePassword(path, log)
	require.ErrorIs(t, err, ErrWeakPassword)
}

// Behind the Amt's proxy the client is the address the proxy appended to
// X-Forwarded-For; from any other peer the header is ignored, so a guesser
// cannot dodge the per-client limit by inventing addresses.
func TestClientAddressIsTakenFromTrustedProxiesOnly(t *testing.T) {
	a := newTestApp(t, nil)
	var err error
	a.proxies, err = ParseProxies("10.0.0.5, fd00::/64")
	require.NoError(t, err)
	req := func(peer, xff string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = peer
		if xff != "" {
			r.Header.Set("X-Forwarded-For", xff)
		}
		return r
	}
	assert.Equal(t, "198.51.100.7", a.clientIP(req("10.0.0.5:443", "1.2.3.4, 198.51.100.7")), "the proxy's own entry is the last")
	assert.Equal(t, "2001:db8::1", a.clientIP(req("[fd00::9]:443", "2001:db8::1")))
	assert.Equal(t, "203.0.113.9", a.clientIP(req("203.0.113.9:5000", "198.51.100.7")), "an untrusted peer's header is ignored")
	assert.Equal(t, "10.0.0.5", a.clientIP(req("10.0.0.5:443", "not-an-ip")))
	assert.Equal(t, "10.0.0.5", a.clientIP(req("10.0.0.5:443", "")))
	_, err = ParseProxies("10.0.0.5, proxy.amt.example")
	assert.ErrorContains(t, err, `"proxy.amt.example"`)
}
