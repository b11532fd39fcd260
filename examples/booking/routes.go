package main

import (
	"context"
	"net/http"
	"time"
)

// routes wires the handlers. The middleware, outermost first: the access
// log (every request, as the declaration's access_log dataset says),
// security headers, and Go's cross-origin protection, which refuses a form
// post that a browser marks as coming from another site (Sec-Fetch-Site,
// Origin), so no other site can book, cancel or withdraw on a citizen's
// behalf, nor ask for access or erasure. The forms need no CSRF token: every state change is a POST.
func (a *App) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.handleForm)
	mux.HandleFunc("POST /buchen", a.handleBook)
	mux.HandleFunc("GET /termin", a.handleConfirmation)
	mux.HandleFunc("GET /absagen", a.handleCancelForm)
	mux.HandleFunc("POST /absagen", a.handleCancel)
	mux.Handle("/widerruf", a.ledger.Handler())
	mux.HandleFunc("GET /auskunft", a.handleRightsForm(accessRequest))
	mux.HandleFunc("POST /auskunft", a.handleRights(accessRequest))
	mux.HandleFunc("GET /loeschung", a.handleRightsForm(erasureRequest))
	mux.HandleFunc("POST /loeschung", a.handleRights(erasureRequest))
	mux.HandleFunc("GET /nachweis", a.handleVerifyForm)
	mux.HandleFunc("POST /nachweis", a.handleVerifySend)
	mux.HandleFunc("GET /bestaetigen", a.handleVerifyConfirm)
	mux.HandleFunc("POST /bestaetigen", a.handleVerifyRun)
	mux.HandleFunc("GET /office", a.handleOffice)
	mux.HandleFunc("GET /datenschutz", a.handleNotice)
	mux.HandleFunc("GET /style.css", handleStyle)
	return a.accessLog(securityHeaders(http.NewCrossOriginProtection().Handler(mux)))
}

// securityHeaders keeps pages out of caches and frames and keeps tokens
// out of Referer headers.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
		next.ServeHTTP(w, r)
	})
}

// accessLog writes one access_log row per request before handling it: the
// time, the client's IP address, the user agent and the path. The query
// string is not stored, because appointment and withdrawal links carry
// their tokens there. frist masks the IP address and deletes the row seven
// days later. A failure to log is reported without the request's data and
// does not fail the request.
func (a *App) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip := a.clientIP(r)
		ua := r.UserAgent()
		if len(ua) > 512 {
			ua = ua[:512]
		}
		path := r.URL.Path
		if len(path) > 512 {
			path = path[:512]
		}
		if err := a.logRequest(r.Context(), a.now(), ip, ua, path); err != nil {
			a.log.Error("booking: writing the access log failed", "error", err)
		}
		next.ServeHTTP(w, r)
	})
}

// logRequest inserts one access_log row.
func (a *App) logRequest(ctx context.Context, at time.Time, ip, ua, path string) error {
	_, err := a.db.ExecContext(ctx, `INSERT INTO access_log (requested_at, ip, user_agent, path) VALUES (?, ?, ?, ?)`,
		sqlTime(at), ip, ua, path)
	return err
}
