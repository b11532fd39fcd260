package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/notice"
)

// The Art. 15 answer a citizen receives reads on a phone: rendered as the
// site renders it, at 375 CSS pixels (a small phone), nothing is wider
// than the screen, so no column of the copy is cut off or needs sideways
// scrolling. Broken by giving the report's tables a minimum width of 60rem
// in the page's style (notice/page.html.tmpl): the phone then lays the
// page out 976 pixels wide, and the test fails.
func TestAccessReportReadsOnAPhone(t *testing.T) {
	bin := chromiumPath(t)
	a := newTestApp(t, nil)
	ap := a.bookAs(t, "Erika Mustermann", "erika@example.org", "Weiterbewilligung Juni, Nachweise zur Unterkunft, bitte mit Rückruf vor dem Termin")
	rep, err := a.verifiedAccess(context.Background(), []string{ap.Citizen})
	require.NoError(t, err)
	require.NotNil(t, rep)
	for _, lang := range []notice.Language{notice.German, notice.English} {
		var page bytes.Buffer
		require.NoError(t, rep.WriteHTML(&page, lang, a.loc))
		html := page.String()
		// What a citizen reads, not the database's tokens.
		for _, raw := range []string{"birth_date", "customer_number", "(6.1.a)", "(processor)", "delete bei", "starts_at"} {
			assert.NotContains(t, html, raw, "raw token in the %s report", lang)
		}
		if lang == notice.German {
			assert.Contains(t, html, "Geburtsdatum")
			assert.Contains(t, html, "Art. 6 Abs. 1 lit. a DSGVO (Einwilligung)")
			assert.Contains(t, html, "Auftragsverarbeiter (Art. 28 DSGVO)")
			assert.Contains(t, html, "Termin", "the time columns are part of the copy")
			assert.Contains(t, html, "Buchung")
		}

		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(html))
		}))
		defer srv.Close()

		opts := append(chromedp.DefaultExecAllocatorOptions[:0:0],
			chromedp.ExecPath(bin),
			chromedp.Flag("headless", true),
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.NoFirstRun,
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.UserDataDir(filepath.Join(t.TempDir(), "chromium")),
			chromedp.WindowSize(375, 812),
		)
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancel := chromedp.NewContext(actx)
		ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
		require.NoError(t, chromedp.Do(ctx,
			chromedp.EmulateViewport(375, 812, chromedp.EmulateScale(2), chromedp.EmulateMobile),
			chromedp.Navigate(srv.URL),
			chromedp.WaitVisible(chromedp.CSS("main")),
		))
		width, err := chromedp.Run(ctx, chromedp.Evaluate[int]("window.innerWidth"))
		require.NoError(t, err)
		require.Equal(t, 375, width, "the page is laid out at phone width")
		scroll, err := chromedp.Run(ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth"))
		require.NoError(t, err)
		wide, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("main *")).filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5).map(e => e.tagName + ": " + e.textContent.slice(0, 40))`))
		require.NoError(t, err)
		assert.LessOrEqual(t, scroll, width, "%s report overflows the phone's width", lang)
		assert.Empty(t, wide, "%s report: elements wider than the screen", lang)
		shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(90))
		require.NoError(t, err)
		path := filepath.Join(t.TempDir(), "access-report-375-"+string(lang)+".png")
		if dir := os.Getenv("FRIST_SCREENSHOT_DIR"); dir != "" {
			path = filepath.Join(dir, "access-report-375-"+string(lang)+".png")
		}
		require.NoError(t, os.WriteFile(path, shot, 0o644))
		cancelTimeout()
		cancel()
		cancelAlloc()
	}
}
