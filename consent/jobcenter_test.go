package consent_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/consent"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store/memstore"
)

// app is a backend as the application sees it: the driver frist gets, and
// the application's own writes and reads of its tables.
type app struct {
	drv    ledgerStore
	insert func(t testing.TB, dataset string, row map[string]any)
	exists func(t testing.TB, dataset, key string) bool
}

// memApp returns memstore as an app for decl.
func memApp(t testing.TB, decl *policy.Declaration) app {
	st, err := memstore.New(decl)
	require.NoError(t, err)
	return memstoreApp(st)
}

func memstoreApp(st *memstore.Store) app {
	return app{
		drv: st,
		insert: func(t testing.TB, dataset string, row map[string]any) {
			t.Helper()
			require.NoError(t, st.Insert(t.Context(), dataset, row))
		},
		exists: func(t testing.TB, dataset, key string) bool {
			t.Helper()
			_, ok, err := st.Get(t.Context(), dataset, key)
			require.NoError(t, err)
			return ok
		},
	}
}

func TestJobcenterScenarioOnMemstore(t *testing.T) {
	decl, err := policy.LoadFile("../examples/policies/jobcenter.yaml")
	require.NoError(t, err)
	jobcenterScenario(t, decl, memApp(t, decl))
}

// jobcenterScenario books two appointments, withdraws through the link
// handler, and checks that both are deleted at once and that booking again
// needs a new grant. Jobcenter Kreis Segeberg: "Bitte beachten Sie, dass im
// Fall eines Widerrufs von Ihnen bereits gebuchte Termine ebenfalls alle
// gelöscht werden. Sollten Sie unseren Service der Online-Terminbuchung
// erneut nutzen wollen, wird auch erneut Ihre Einwilligungserklärung
// benötigt."
func jobcenterScenario(t *testing.T, decl *policy.Declaration, a app) {
	f := newFixtureOn(t, decl, a.drv, nil)
	ctx := t.Context()
	const subject = "4711"
	grant := consent.Grant{Subject: subject, Purpose: "booking", Version: "2024-01", Method: "web_form",
		BirthDate: time.Date(1985, 5, 17, 0, 0, 0, 0, time.UTC), Evidence: "198.51.100.23"}
	_, err := f.ledger.Grant(ctx, grant)
	require.NoError(t, err)

	// book creates an appointment if consent is in force, as the booking
	// service does.
	book := func(id int64) bool {
		ok, err := f.ledger.Valid(ctx, subject, "booking", f.clock.Now())
		require.NoError(t, err)
		if !ok {
			return false
		}
		a.insert(t, "appointment", map[string]any{
			"id": id, "citizen_id": int64(4711), "starts_at": f.clock.Now().Add(7 * 24 * time.Hour), "booked_at": f.clock.Now(),
			"name": "Erika Mustermann", "birth_date": "1985-05-17", "customer_number": "123D456789", "concern": "Beratung",
			"place": "Kaltenkirchen", "email": "erika@example.org", "free_text": nil,
		})
		return true
	}
	require.True(t, book(1))
	f.clock.Advance(time.Hour)
	require.True(t, book(2))
	require.True(t, a.exists(t, "appointment", "1"))
	require.True(t, a.exists(t, "appointment", "2"))

	// The confirmation e-mail carries the withdrawal link.
	link, err := f.ledger.WithdrawalURL(f.ctx, "https://termine.example/widerruf", subject, "booking", f.clock.Now().Add(30*24*time.Hour))
	require.NoError(t, err)
	u, err := url.Parse(link)
	require.NoError(t, err)
	h := f.ledger.Handler()

	// A mail scanner follows the link: nothing happens.
	f.clock.Advance(time.Hour)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, u.RequestURI(), nil))
	require.Equal(t, http.StatusOK, w.Code)
	assert.True(t, a.exists(t, "appointment", "1"), "GET withdraws nothing")

	// The subject presses the button.
	form := url.Values{"t": {u.Query().Get("t")}}
	r := httptest.NewRequest(http.MethodPost, u.Path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Empty(t, w.Result().Cookies())

	assert.False(t, a.exists(t, "appointment", "1"), "every booked appointment is deleted at once")
	assert.False(t, a.exists(t, "appointment", "2"), "every booked appointment is deleted at once")
	assert.False(t, book(3), "booking again is refused without a new grant")
	st, err := f.ledger.Status(ctx, subject, "booking", f.clock.Now())
	require.NoError(t, err)
	assert.True(t, st.RenewRequired)

	f.clock.Advance(time.Hour)
	_, err = f.ledger.Grant(ctx, grant)
	require.NoError(t, err)
	assert.True(t, book(3), "a new grant allows booking again")

	// The cookie "disclaimer" records the consent to the terms of use
	// ("Eine Möglichkeit, Ihre Zustimmung zu unseren Nutzungsbedingungen zu
	// widerrufen, besteht darin, den ... Opt-In-Cookie „disclaimer“ zu
	// löschen."), not the consent to the booking, so the declaration binds
	// it to no purpose and its deletion withdraws nothing.
	f.clock.Advance(time.Hour)
	_, err = f.ledger.WithdrawCookie(ctx, subject, "disclaimer")
	require.ErrorIs(t, err, consent.ErrInvalid)
	assert.True(t, a.exists(t, "appointment", "3"))
	_, err = f.ledger.WithdrawCookie(ctx, subject, "no_such_cookie")
	require.ErrorIs(t, err, consent.ErrInvalid)
}
