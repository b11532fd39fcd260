package main

import (
	"errors"
	"net/http"
	"net/url"
	"sort"
)

// formPage is the data of templates/form.html.
type formPage struct {
	page
	Slots          []Slot
	Form           Request
	Errors         FormError
	ConsentVersion string
	ConsentText    string
	ConsentHash    string
}

// ErrorList returns the messages in the order of the form.
func (p formPage) ErrorList() []string {
	order := map[string]int{"slot": 0, "name": 1, "email": 2, "birth_date": 3, "customer_number": 4, "concern": 5, "free_text": 6, "consent": 7}
	keys := make([]string, 0, len(p.Errors))
	for k := range p.Errors {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return order[keys[i]] < order[keys[j]] })
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = p.Errors[k]
	}
	return out
}

// handleForm shows the booking form with the free slots and the consent
// text of the declaration's current version.
func (a *App) handleForm(w http.ResponseWriter, r *http.Request) {
	a.showForm(w, r, http.StatusOK, Request{}, nil)
}

func (a *App) showForm(w http.ResponseWriter, r *http.Request, status int, form Request, fe FormError) {
	slots, err := a.Slots(r.Context())
	if err != nil {
		a.internalError(w, r, err)
		return
	}
	a.render(w, status, "form", formPage{
		page: a.page("Online-Terminbuchung"), Slots: slots, Form: form, Errors: fe,
		ConsentVersion: a.consentVersion, ConsentText: a.consentText, ConsentHash: a.consentHash,
	})
}

// handleBook books and redirects to the confirmation (post/redirect/get,
// so reloading the confirmation books nothing twice).
func (a *App) handleBook(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		a.message(w, http.StatusBadRequest, "Fehler", "fail", "Das Formular konnte nicht gelesen werden.")
		return
	}
	ip := a.clientIP(r)
	req := Request{
		Slot: r.PostFormValue("slot"), Name: r.PostFormValue("name"), Email: r.PostFormValue("email"),
		BirthDate: r.PostFormValue("birth_date"), CustomerNumber: r.PostFormValue("customer_number"),
		Concern: r.PostFormValue("concern"), FreeText: r.PostFormValue("free_text"),
		Consent: r.PostFormValue("consent") == "yes", TextSHA256: r.PostFormValue("consent_sha256"), IP: ip,
	}
	ap, err := a.Book(r.Context(), req)
	var fe FormError
	switch {
	case errors.As(err, &fe):
		a.showForm(w, r, http.StatusBadRequest, req, fe)
		return
	case errors.Is(err, ErrSlotTaken):
		a.showForm(w, r, http.StatusConflict, req, FormError{"slot": "Dieser Termin ist inzwischen vergeben. Bitte wählen Sie einen anderen."})
		return
	case err != nil:
		a.internalError(w, r, err)
		return
	}
	http.Redirect(w, r, "/termin?t="+url.QueryEscape(a.Token(ap.ID)), http.StatusSeeOther)
}

// confirmationPage is the data of templates/confirmation.html.
type confirmationPage struct {
	page
	Appointment   Appointment
	Token         string
	WithdrawalURL string
}

// handleConfirmation shows a booked appointment with its cancellation
// link and a signed withdrawal link (Art. 7(3): withdrawing is as easy as
// consenting, one click and one confirmation).
func (a *App) handleConfirmation(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("t")
	id, err := a.ParseToken(tok)
	if err != nil {
		a.message(w, http.StatusNotFound, "Termin", "fail", "Dieser Link ist ungültig.")
		return
	}
	ap, err := a.Appointment(r.Context(), id)
	if errors.Is(err, ErrNotFound) {
		a.message(w, http.StatusNotFound, "Termin", "fail", "Diesen Termin gibt es nicht mehr: er wurde abgesagt, widerrufen oder nach Ablauf der Frist gelöscht.")
		return
	}
	if err != nil {
		a.internalError(w, r, err)
		return
	}
	wurl, err := a.WithdrawalURL(r.Context(), ap.Citizen)
	if err != nil {
		a.internalError(w, r, err)
		return
	}
	a.render(w, http.StatusOK, "confirmation", confirmationPage{page: a.page("Terminbestätigung"), Appointment: ap, Token: tok, WithdrawalURL: wurl})
}
