package main

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The three cross-subject attacks in a real browser: the attacker books
// twice through the form with the victim's address in upper case, then
// asks for access and withdraws consent through the links of the first
// confirmation page, and asks for erasure through the second. The access
// report shows nothing of the victim, and the victim's appointments and
// consent survive. (Broken as TestAttacker*: with the subject keyed on the
// typed address, the report showed the victim's concern.)
func TestBrowserAttackerLinksReachNothingOfTheVictim(t *testing.T) {
	bin := chromiumPath(t)
	srv := httptest.NewUnstartedServer(nil)
	a := newTestAppAt(t, nil, "http://"+srv.Listener.Addr().String())
	srv.Config.Handler = a.Handler()
	srv.Start()
	defer srv.Close()
	victim := []Appointment{
		a.bookAs(t, "Victoria Opfer", "zzyzx@example.org", "Schwangerschaft, Mehrbedarf"),
		a.bookAs(t, "Victoria Opfer", "zzyzx@example.org", "Nachweise Krankenkasse"),
	}
	ctx := browser(t, bin)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(css(sel)))
		require.NoError(t, err)
		return v
	}
	book := func() string {
		t.Helper()
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(css("#slot"))))
		attr, err := chromedp.Run(ctx, chromedp.AttributeValue(css("#slot option:nth-child(2)"), "value"))
		require.NoError(t, err)
		require.NoError(t, chromedp.Do(ctx,
			chromedp.SetValue(css("#slot"), attr.Value),
			chromedp.SendKeys(css("#name"), "Mallory Angreifer"),
			chromedp.SendKeys(css("#email"), "ZZYZX@example.org"),
			chromedp.SetValue(css("#birth_date"), "1990-01-01"),
			chromedp.SendKeys(css("#customer_number"), "999-000"),
			chromedp.SendKeys(css("#concern"), "irgendwas"),
			chromedp.Click(css("#consent")),
			chromedp.Submit(css("#consent")),
			chromedp.WaitVisible(css("#withdraw-link")),
		))
		loc, err := chromedp.Run(ctx, chromedp.Location())
		require.NoError(t, err)
		return loc
	}
	first, second := book(), book()

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(first), chromedp.WaitVisible(css("#access-link")),
		chromedp.Click(css("#access-link")), chromedp.WaitVisible(css("#confirm-access")),
		chromedp.Click(css("#confirm-access")), chromedp.WaitNotPresent(css("#confirm-access")), chromedp.WaitVisible(css("h1")),
	))
	report := text("body")
	assert.Contains(t, report, "Auskunft nach Art. 15")
	assert.Contains(t, report, "Mallory Angreifer")
	for _, s := range []string{"Victoria Opfer", "Schwangerschaft", "Nachweise Krankenkasse"} {
		assert.NotContains(t, report, s, "the access report shows the victim's data")
	}

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(first), chromedp.WaitVisible(css("#withdraw-link")),
		chromedp.Click(css("#withdraw-link")), chromedp.WaitVisible(css("form button")),
		chromedp.Click(css("form button")), chromedp.WaitNotPresent(css("form button")),
	))
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(second), chromedp.WaitVisible(css("#erasure-link")),
		chromedp.Click(css("#erasure-link")), chromedp.WaitVisible(css("#confirm-erasure")),
		chromedp.Click(css("#confirm-erasure")), chromedp.WaitVisible(css("#erased")),
	))

	for _, ap := range victim {
		assert.Equal(t, 1, a.count(t, "appointments", "id = ?", ap.ID), "the victim's appointment %d survives", ap.ID)
		valid, err := a.Ledger().Valid(context.Background(), ap.Citizen, purposeBooking, a.clock.Now())
		require.NoError(t, err)
		assert.True(t, valid, "the victim's consent survives")
	}
	assert.Equal(t, 2, a.count(t, "appointments", "1 = 1"), "only the attacker's own appointments are gone")
}
