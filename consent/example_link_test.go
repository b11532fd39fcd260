package consent_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/frist-go/frist/consent"
)

// A withdrawal link for the confirmation e-mail, and the handler it leads
// to: GET asks for confirmation, POST withdraws, a second use changes
// nothing.
func ExampleLedger_Handler() {
	ctx := context.Background()
	ledger, _, now := exampleLedger()
	_, _ = ledger.Grant(ctx, consent.Grant{Subject: "4711", Purpose: "booking", Version: "2025-01", Method: "web_form"})

	link, _ := ledger.WithdrawalURL(ctx, "https://termine.example/widerruf", "4711", "booking", now().Add(30*24*time.Hour))
	u, _ := url.Parse(link)
	mux := http.NewServeMux()
	mux.Handle("/widerruf", ledger.Handler())

	get := httptest.NewRecorder()
	mux.ServeHTTP(get, httptest.NewRequest(http.MethodGet, u.RequestURI(), nil))
	ok, _ := ledger.Valid(ctx, "4711", "booking", now())
	fmt.Println("GET:", get.Code, "- still valid:", ok)

	post := func() int {
		r := httptest.NewRequest(http.MethodPost, "/widerruf", strings.NewReader(url.Values{"t": {u.Query().Get("t")}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		return w.Code
	}
	fmt.Println("POST:", post())
	ok, _ = ledger.Valid(ctx, "4711", "booking", now())
	fmt.Println("valid:", ok)
	fmt.Println("POST again:", post())
	// Output:
	// GET: 200 - still valid: true
	// POST: 200
	// valid: false
	// POST again: 409
}
