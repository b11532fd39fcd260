package main

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"net/http"
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
	if !a.officeAuthorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="Terminübersicht", charset="UTF-8"`)
		a.message(w, http.StatusUnauthorized, "Terminübersicht", "fail", "Bitte melden Sie sich an.")
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

// officeAuthorized checks the basic-auth credentials in constant time.
func (a *App) officeAuthorized(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok || a.office == "" {
		return false
	}
	u := subtle.ConstantTimeCompare([]byte(user), []byte("office"))
	p := subtle.ConstantTimeCompare([]byte(pass), []byte(a.office))
	return u&p == 1
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
