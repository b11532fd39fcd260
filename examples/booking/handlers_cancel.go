package main

import (
	"errors"
	"net/http"

	"github.com/frist-go/frist/retention"
)

// cancelPage is the data of templates/cancel.html.
type cancelPage struct {
	page
	Appointment Appointment
	Token       string
	Done        bool
}

// handleCancelForm asks for confirmation; a GET changes nothing, so that
// mail scanners following the link cancel nothing.
func (a *App) handleCancelForm(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("t")
	ap, ok := a.appointmentFor(w, r, tok)
	if !ok {
		return
	}
	a.render(w, http.StatusOK, "cancel", cancelPage{page: a.page("Termin absagen"), Appointment: ap, Token: tok})
}

// handleCancel cancels: the engine's on: cancelled rule deletes the
// appointment in this request.
func (a *App) handleCancel(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	tok := r.PostFormValue("t")
	id, err := a.ParseToken(tok)
	if err != nil {
		a.message(w, http.StatusNotFound, "Termin absagen", "fail", "Dieser Link ist ungültig.")
		return
	}
	_, err = a.Cancel(r.Context(), id)
	switch {
	case errors.Is(err, ErrNotFound):
		a.message(w, http.StatusNotFound, "Termin absagen", "fail", "Diesen Termin gibt es nicht mehr.")
	case errors.Is(err, retention.ErrHeld):
		a.message(w, http.StatusConflict, "Termin absagen", "fail", "Der Termin ist abgesagt. Die Daten müssen wegen einer gesetzlichen Pflicht noch aufbewahrt werden und werden danach gelöscht.")
	case err != nil:
		a.internalError(w, r, err)
	default:
		a.render(w, http.StatusOK, "cancel", cancelPage{page: a.page("Termin absagen"), Done: true})
	}
}

// appointmentFor resolves a token to its appointment or writes the page
// saying why there is none.
func (a *App) appointmentFor(w http.ResponseWriter, r *http.Request, tok string) (Appointment, bool) {
	id, err := a.ParseToken(tok)
	if err != nil {
		a.message(w, http.StatusNotFound, "Termin", "fail", "Dieser Link ist ungültig.")
		return Appointment{}, false
	}
	ap, err := a.Appointment(r.Context(), id)
	if errors.Is(err, ErrNotFound) {
		a.message(w, http.StatusNotFound, "Termin", "fail", "Diesen Termin gibt es nicht mehr.")
		return ap, false
	}
	if err != nil {
		a.internalError(w, r, err)
		return ap, false
	}
	return ap, true
}
