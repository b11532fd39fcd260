package main

import (
	"context"
	"encoding/base64"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chromiumPath finds Debian's Chromium. Without it the browser test skips,
// unless FRIST_REQUIRE_CHROMIUM=1 (set by .ci/run) makes it fail.
func chromiumPath(t *testing.T) string {
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("FRIST_REQUIRE_CHROMIUM") == "1" {
		t.Fatal("FRIST_REQUIRE_CHROMIUM=1 but Chromium is not installed (apt-get install -y chromium)")
	}
	t.Skip("Chromium is not installed (apt-get install -y chromium); set FRIST_REQUIRE_CHROMIUM=1 to make this a failure")
	return ""
}

// browser starts headless Chromium and returns a context for chromedp
// that ends with the test, at most 90 seconds later.
func browser(t *testing.T, bin string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:0:0],
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "chromium")),
		chromedp.Flag("lang", "de-DE"),
		chromedp.Flag("accept-lang", "de-DE,de"),
		chromedp.WindowSize(1200, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancelTimeout)

	return ctx
}

// A citizen books in a real browser, follows the withdrawal link on the
// confirmation page, confirms, and the appointment is gone from the office
// view and from the database. A screenshot of the office view is written
// to the test's temp dir.
func TestBrowserBookAndWithdraw(t *testing.T) {
	bin := chromiumPath(t)
	srv := httptest.NewUnstartedServer(nil)
	a := newTestAppAt(t, nil, "http://"+srv.Listener.Addr().String())
	srv.Config.Handler = a.Handler()
	srv.Start()
	defer srv.Close()

	ctx := browser(t, bin)

	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(css(sel)))
		require.NoError(t, err)
		return v
	}

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(css("#slot")),
	))
	attr, err := chromedp.Run(ctx, chromedp.AttributeValue(css("#slot option:nth-child(2)"), "value"))
	require.NoError(t, err)
	slot := attr.Value
	require.NotEmpty(t, slot)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetValue(css("#slot"), slot),
		chromedp.SendKeys(css("#name"), "Erika Mustermann"),
		chromedp.SendKeys(css("#email"), "erika@example.org"),
		chromedp.SetValue(css("#birth_date"), "1984-08-12"),
		chromedp.SendKeys(css("#customer_number"), "123-456789"),
		chromedp.SendKeys(css("#concern"), "Weiterbewilligung"),
		chromedp.Click(css("#consent")),
		chromedp.Submit(css("#consent")),
		chromedp.WaitVisible(css("#withdraw-link")),
	))
	assert.Contains(t, text("main"), "Ihr Termin ist gebucht.")
	require.Equal(t, 1, a.count(t, "appointments", "1 = 1"))
	aps, err := a.Day(context.Background(), slotTime(t, a, slot))
	require.NoError(t, err)
	require.Len(t, aps, 1)
	day := aps[0].Start.Format("2006-01-02")

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(css("#withdraw-link")),
		chromedp.WaitVisible(css("form button")),
	))
	assert.Contains(t, text("body"), "Einwilligung widerrufen")
	require.Equal(t, 1, a.count(t, "appointments", "1 = 1"), "the link only asks")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(css("form button")),
		chromedp.WaitNotPresent(css("form button")),
	))
	done := text("body")
	assert.Zero(t, a.count(t, "appointments", "1 = 1"), "the withdrawal deleted the appointment")

	auth := base64.StdEncoding.EncodeToString([]byte("office:" + testOfficePassword))
	_, err = chromedp.Call(ctx, network.Enable, network.EnableParams{})
	require.NoError(t, err)
	_, err = chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Authorization": "Basic " + auth}})
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/office?tag="+day),
		chromedp.WaitVisible(css("#count")),
	))
	office := text("main")
	assert.Contains(t, office, "0 Termine")
	assert.NotContains(t, office, "Erika Mustermann")
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "office-after-withdrawal.png")
	if dir := os.Getenv("FRIST_SCREENSHOT_DIR"); dir != "" {
		path = filepath.Join(dir, "office-after-withdrawal.png")
	}
	require.NoError(t, os.WriteFile(path, shot, 0o644))
	t.Logf("screenshot: %s (%d bytes); withdrawal page said: %q", path, len(shot), strings.Join(strings.Fields(done), " "))
}
