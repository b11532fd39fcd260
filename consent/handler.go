package consent

import (
	"bytes"
	"context"
	"errors"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// maxForm bounds the body of a withdrawal POST.
const maxForm = 16 << 10

// Handler returns the http.Handler behind withdrawal links
// (WithdrawalURL). Withdrawal must be as easy as giving consent
// (Art. 7(3)), and it must be what the subject meant:
//
//   - GET (and HEAD) shows a confirmation page with a button and changes
//     nothing, so link scanners and mail prefetchers withdraw nothing.
//   - POST withdraws. The signed token travels in the form body, and a
//     cross-origin POST (Sec-Fetch-Site or an Origin header naming another
//     host, see http.CrossOriginProtection) is refused, so no other site
//     can withdraw on the subject's behalf.
//   - A changed, expired or already used link, a consent no longer in
//     force, and a link issued for an earlier consent when the subject has
//     consented again since, get a page saying so and change nothing.
//
// Pages are in German or English, as Accept-Language prefers (German by
// default), name the controller and the purpose but never the subject,
// load no external resources, set no cookies and are sent with
// Cache-Control: no-store and Referrer-Policy: no-referrer.
func (l *Ledger) Handler() http.Handler {
	return &handler{l: l, cop: http.NewCrossOriginProtection()}
}

type handler struct {
	l   *Ledger
	cop *http.CrossOriginProtection
}

// page is what a template renders.
type page struct {
	Lang       string
	Kind       string // confirm, done, invalid, expired, used, superseded, inactive, forbidden, error, method
	Controller string
	Purpose    string
	Token      string
	Processed  int
	Retained   int
	Renew      bool
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Cache-Control", "no-store")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	pg := page{Lang: language(r.Header.Get("Accept-Language")), Controller: h.l.decl.Controller.Name}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		h.confirm(w, r, pg)
	case http.MethodPost:
		h.withdraw(w, r, pg)
	default:
		hd.Set("Allow", "GET, HEAD, POST")
		pg.Kind = "method"
		h.render(w, http.StatusMethodNotAllowed, pg)
	}
}

// confirm shows what a link would withdraw and a button to do it.
func (h *handler) confirm(w http.ResponseWriter, r *http.Request, pg page) {
	tok := r.URL.Query().Get("t")
	lk, err := h.l.ParseWithdrawalToken(tok)
	if err != nil {
		h.fail(r.Context(), w, pg, err)
		return
	}
	pg.Purpose = h.purposeText(lk.Purpose, pg.Lang)
	used, st, err := h.l.linkState(r.Context(), lk)
	switch {
	case err != nil:
		h.fail(r.Context(), w, pg, err)
	case used:
		h.fail(r.Context(), w, pg, ErrLinkUsed)
	case !st.Valid:
		h.fail(r.Context(), w, pg, ErrNotGranted)
	case st.GrantID != lk.Grant:
		h.fail(r.Context(), w, pg, ErrLinkSuperseded)
	default:
		pg.Kind, pg.Token = "confirm", tok
		h.render(w, http.StatusOK, pg)
	}
}

// withdraw withdraws the consent of the token in the form body.
func (h *handler) withdraw(w http.ResponseWriter, r *http.Request, pg page) {
	if err := h.cop.Check(r); err != nil {
		pg.Kind = "forbidden"
		h.render(w, http.StatusForbidden, pg)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		h.fail(r.Context(), w, pg, ErrLinkInvalid)
		return
	}
	tok := r.PostForm.Get("t") // the body only: a token in the URL of a POST is ignored
	if lk, err := h.l.ParseWithdrawalToken(tok); err == nil {
		pg.Purpose = h.purposeText(lk.Purpose, pg.Lang)
		if p := h.l.decl.Purpose(lk.Purpose); p != nil && p.Consent != nil {
			pg.Renew = p.Consent.RenewAfterWithdrawal
		}
	}
	wd, err := h.l.WithdrawByToken(r.Context(), tok)
	if wd == nil && err != nil {
		h.fail(r.Context(), w, pg, err)
		return
	}
	if err != nil {
		// The withdrawal is recorded; a rule failed and is logged. The
		// subject is told the withdrawal stands.
		h.l.log.ErrorContext(r.Context(), "consent: withdrawal rules failed after a withdrawal by link", "purpose", wd.Purpose, "event", wd.Event.ID, "err", err)
	}
	pg.Kind, pg.Processed, pg.Retained = "done", wd.Processed(), len(wd.Retained)
	h.render(w, http.StatusOK, pg)
}

// fail renders the page for err.
func (h *handler) fail(ctx context.Context, w http.ResponseWriter, pg page, err error) {
	status := http.StatusBadRequest
	switch {
	case errors.Is(err, ErrLinkExpired):
		pg.Kind, status = "expired", http.StatusGone
	case errors.Is(err, ErrLinkUsed):
		pg.Kind, status = "used", http.StatusConflict
	case errors.Is(err, ErrLinkSuperseded):
		pg.Kind, status = "superseded", http.StatusConflict
	case errors.Is(err, ErrNotGranted):
		pg.Kind, status = "inactive", http.StatusConflict
	case errors.Is(err, ErrLinkInvalid), errors.Is(err, ErrUnknownPurpose), errors.Is(err, ErrNotConsentBased):
		pg.Kind = "invalid"
	default:
		h.l.log.ErrorContext(ctx, "consent: withdrawal link failed", "err", err)
		pg.Kind, status = "error", http.StatusInternalServerError
	}
	h.render(w, status, pg)
}

// render writes pg with status; the page is rendered into a buffer first
// so that a template error never sends half a page.
func (h *handler) render(w http.ResponseWriter, status int, pg page) {
	var buf bytes.Buffer
	if err := pages.Execute(&buf, pg); err != nil {
		h.l.log.Error("consent: rendering the withdrawal page", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", pg.Lang)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// purposeText describes a purpose in lang.
func (h *handler) purposeText(id, lang string) string {
	if p := h.l.decl.Purpose(id); p != nil {
		if s := p.Description.In(lang); s != "" {
			return s
		}
	}
	return id
}

// linkState reports whether lk was used and the status of its consent
// now.
func (l *Ledger) linkState(ctx context.Context, lk Link) (used bool, st Status, err error) {
	p, err := l.consentPurpose(lk.Purpose)
	if err != nil {
		return false, Status{}, err
	}
	evs, err := l.cs.ConsentEvents(ctx, lk.Subject, lk.Purpose)
	if err != nil {
		return false, Status{}, err
	}
	ref := linkReference(lk.ID)
	used = slices.ContainsFunc(evs, func(ev Event) bool { return ev.Reference == ref })
	return used, fold(p, evs, l.clock()), nil
}

// language picks "de" or "en" from an Accept-Language header by quality,
// German when neither is acceptable or the header is absent.
func language(header string) string {
	best, bestQ := "de", 0.0
	for part := range strings.SplitSeq(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 || f > 1 {
				continue
			}
			q = f
		}
		primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if (primary == "de" || primary == "en") && q > bestQ {
			best, bestQ = primary, q
		}
	}
	return best
}

// pages is the template of every page of the handler.
var pages = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{{if eq .Lang "en"}}Withdraw consent{{else}}Einwilligung widerrufen{{end}}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#1a1a1a}
h1{font-size:1.4rem}
button{font-size:1rem;padding:.6rem 1.2rem;border:1px solid #333;background:#fff;cursor:pointer}
.note{color:#555;font-size:.9rem}
</style>
</head>
<body>
{{- if eq .Lang "en"}}
{{- if eq .Kind "confirm"}}
<h1>Withdraw your consent</h1>
<p>You are about to withdraw your consent to <strong>{{.Purpose}}</strong> given to {{.Controller}}. The withdrawal applies to the future; processing until now remains lawful (Art. 7(3) GDPR).</p>
<form method="post" action="">
<input type="hidden" name="t" value="{{.Token}}">
<button type="submit">Withdraw consent</button>
</form>
<p class="note">Nothing happens until you press the button.</p>
{{- else if eq .Kind "done"}}
<h1>Your consent has been withdrawn</h1>
<p>Your consent to <strong>{{.Purpose}}</strong> has been withdrawn with effect for the future. {{.Processed}} record(s) were deleted or anonymized.</p>
{{- if .Retained}}<p>Some records are kept because they rest on another legal ground; the controller can tell you which.</p>{{end}}
{{- if .Renew}}<p>If you want to use the service again, you will be asked for your consent again.</p>{{end}}
{{- else if eq .Kind "expired"}}
<h1>This link has expired</h1>
<p>Nothing was changed. You can still withdraw your consent at any time through the other ways {{.Controller}} names in its privacy notice.</p>
{{- else if eq .Kind "used"}}
<h1>This link has already been used</h1>
<p>Your consent was withdrawn with this link before. Nothing was changed.</p>
{{- else if eq .Kind "superseded"}}
<h1>This link belongs to an earlier consent</h1>
<p>The link was issued for a consent to {{.Purpose}} that has ended. You have consented again since; this link cannot withdraw that newer consent. Please use the link you received with it. Nothing was changed.</p>
{{- else if eq .Kind "inactive"}}
<h1>There is no consent to withdraw</h1>
<p>Your consent to {{.Purpose}} is not in force (it may have been withdrawn already). Nothing was changed.</p>
{{- else if eq .Kind "forbidden"}}
<h1>Request refused</h1>
<p>The withdrawal was not sent from this page. Nothing was changed; please open the link again.</p>
{{- else if eq .Kind "method"}}
<h1>Not supported</h1>
<p>Nothing was changed.</p>
{{- else if eq .Kind "error"}}
<h1>Something went wrong</h1>
<p>Your consent could not be withdrawn right now. Please try again later or use the other ways {{.Controller}} names in its privacy notice.</p>
{{- else}}
<h1>This link is invalid</h1>
<p>The link is incomplete or was changed. Nothing was changed. Please use the link exactly as you received it.</p>
{{- end}}
{{- else}}
{{- if eq .Kind "confirm"}}
<h1>Einwilligung widerrufen</h1>
<p>Sie widerrufen Ihre Einwilligung gegenüber {{.Controller}} für: <strong>{{.Purpose}}</strong>. Der Widerruf gilt für die Zukunft; die bis dahin erfolgte Verarbeitung bleibt rechtmäßig (Art. 7 Abs. 3 DSGVO).</p>
<form method="post" action="">
<input type="hidden" name="t" value="{{.Token}}">
<button type="submit">Einwilligung widerrufen</button>
</form>
<p class="note">Erst mit einem Klick auf die Schaltfläche wird widerrufen.</p>
{{- else if eq .Kind "done"}}
<h1>Ihre Einwilligung ist widerrufen</h1>
<p>Ihre Einwilligung für <strong>{{.Purpose}}</strong> ist mit Wirkung für die Zukunft widerrufen. {{.Processed}} Datensätze wurden gelöscht oder anonymisiert.</p>
{{- if .Retained}}<p>Einige Daten bleiben gespeichert, weil ihre Verarbeitung auf einer anderen Rechtsgrundlage beruht; der Verantwortliche nennt Ihnen auf Anfrage welche.</p>{{end}}
{{- if .Renew}}<p>Wenn Sie den Service erneut nutzen wollen, wird auch erneut Ihre Einwilligung benötigt.</p>{{end}}
{{- else if eq .Kind "expired"}}
<h1>Dieser Link ist abgelaufen</h1>
<p>Es wurde nichts geändert. Sie können Ihre Einwilligung jederzeit auf den anderen Wegen widerrufen, die {{.Controller}} in der Datenschutzerklärung nennt.</p>
{{- else if eq .Kind "used"}}
<h1>Dieser Link wurde bereits verwendet</h1>
<p>Mit diesem Link wurde bereits widerrufen. Es wurde nichts geändert.</p>
{{- else if eq .Kind "superseded"}}
<h1>Dieser Link gehört zu einer früheren Einwilligung</h1>
<p>Der Link wurde für eine Einwilligung für {{.Purpose}} ausgestellt, die bereits beendet ist. Sie haben seither erneut eingewilligt; diese neuere Einwilligung kann der Link nicht widerrufen. Bitte verwenden Sie den Link, den Sie mit ihr erhalten haben. Es wurde nichts geändert.</p>
{{- else if eq .Kind "inactive"}}
<h1>Keine Einwilligung zu widerrufen</h1>
<p>Ihre Einwilligung für {{.Purpose}} besteht nicht (mehr). Es wurde nichts geändert.</p>
{{- else if eq .Kind "forbidden"}}
<h1>Anfrage abgelehnt</h1>
<p>Der Widerruf wurde nicht von dieser Seite abgeschickt. Es wurde nichts geändert; bitte öffnen Sie den Link erneut.</p>
{{- else if eq .Kind "method"}}
<h1>Nicht unterstützt</h1>
<p>Es wurde nichts geändert.</p>
{{- else if eq .Kind "error"}}
<h1>Ein Fehler ist aufgetreten</h1>
<p>Ihre Einwilligung konnte gerade nicht widerrufen werden. Bitte versuchen Sie es später erneut oder nutzen Sie die anderen Wege, die {{.Controller}} in der Datenschutzerklärung nennt.</p>
{{- else}}
<h1>Dieser Link ist ungültig</h1>
<p>Der Link ist unvollständig oder wurde verändert. Es wurde nichts geändert. Bitte verwenden Sie den Link genau so, wie Sie ihn erhalten haben.</p>
{{- end}}
{{- end}}
</body>
</html>
`))
