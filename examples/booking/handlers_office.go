package main

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/frist-go/frist/notice"
)

// officePage is the data of templates/office.html.
type officePage struct {
	page
	Day          string
	DayLong      string
	Appointments []Appointment
}

// handleOffice lists the appointments of one day (?tag=2025-06-02, default
// today) for the office staff, behind HTTP basic authentication: only
// staff who hold the appointments see them (Art. 5(1)(f), Art. 32).
func (a *App) handleOffice(w http.ResponseWriter, r *http.Request) {
	if !a.officeAuthorized(w, r) {
		return
	}
	day := a.now().In(a.loc)
	if s := r.URL.Query().Get("tag"); s != "" {
		d, err := time.ParseInLocation("2006-01-02", s, a.loc)
		if err != nil {
			a.message(w, http.StatusBadRequest, "Terminübersicht", "fail", "Bitte geben Sie den Tag als Datum an.")
			return
		}
		day = d
	}
	aps, err := a.Day(r.Context(), day)
	if err != nil {
		a.internalError(w, r, err)
		return
	}
	a.render(w, http.StatusOK, "office", officePage{
		page: a.page("Terminübersicht"), Day: day.Format("2006-01-02"),
		DayLong: weekdays[day.Weekday()] + ", " + day.Format("02.01.2006"), Appointments: aps,
	})
}

// officeAuthorized checks the basic-auth credentials through the guard
// (office_guard.go) and, when they are missing, wrong or not checked,
// writes the refusal: 401 with the challenge, or 429 with Retry-After
// while the client must wait or is locked out.
func (a *App) officeAuthorized(w http.ResponseWriter, r *http.Request) bool {
	if a.guard == nil {
		a.message(w, http.StatusNotFound, "Terminübersicht", "fail", "Die Terminübersicht ist nicht eingerichtet.")
		return false
	}
	user, pass, ok := r.BasicAuth()
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="Terminübersicht", charset="UTF-8"`)
		a.message(w, http.StatusUnauthorized, "Terminübersicht", "fail", "Bitte melden Sie sich an.")
		return false
	}
	ip := a.clientIP(r)
	client := a.keys.Audit.Pseudonym("office-client:" + ip)
	v, retry := a.guard.attempt(client, user, pass, a.now())
	switch v {
	case officeOK:
		return true
	case officeWrong, officeNewLockout:
		a.log.Warn("booking: office login failed", "client", client, "locked_out", v == officeNewLockout, "retry_after", retry.String())
	default:
		a.log.Warn("booking: office login refused unchecked", "client", client, "reason", map[officeVerdict]string{
			officeWait: "too soon after a failure", officeLocked: "client locked out", officeLockedAll: "login locked for everyone"}[v],
			"retry_after", retry.String())
	}
	if v == officeWrong && retry == 0 {
		w.Header().Set("WWW-Authenticate", `Basic realm="Terminübersicht", charset="UTF-8"`)
		a.message(w, http.StatusUnauthorized, "Terminübersicht", "fail", "Benutzername oder Passwort sind falsch.")
		return false
	}
	secs := int(retry.Round(time.Second) / time.Second)
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	a.message(w, http.StatusTooManyRequests, "Terminübersicht", "fail",
		"Zu viele fehlgeschlagene Anmeldungen. Bitte warten Sie "+strconv.Itoa(secs)+" Sekunden, bevor Sie es erneut versuchen.")
	return false
}

// handleNotice renders the privacy notice (Art. 13) from the declaration
// the engine enforces, so that what the notice promises is what is done.
// ?lang=en renders it in English.
func (a *App) handleNotice(w http.ResponseWriter, r *http.Request) {
	lang := notice.German
	if r.URL.Query().Get("lang") == "en" {
		lang = notice.English
	}
	// A declaration with error-level lint findings is not publishable:
	// the page then shows the draft, under its banner and with the
	// findings, never the notice without them.
	doc, err := notice.Build(a.decl, lang)
	if _, blocked := errors.AsType[*notice.UnpublishableError](err); blocked {
		doc, err = notice.BuildDraft(a.decl, lang)
	}
	if err != nil {
		a.internalError(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := doc.WriteHTML(&buf); err != nil {
		a.internalError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = buf.WriteTo(w)
}
