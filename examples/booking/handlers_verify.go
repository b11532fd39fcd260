package main

import (
	"errors"
	"net/http"

	"github.com/frist-go/frist/dsar"
)

// verifyPage is the data of templates/verify.html.
type verifyPage struct {
	page
	Step   string // "ask", "sent", "confirm"
	Action verifyAction
	Email  string
	Error  string
	Token  string
}

// parseAction reads the action of a form or link; ok is false for an
// unknown one.
func parseAction(s string) (verifyAction, bool) {
	v := verifyAction(s)
	return v, v.title() != ""
}

// handleVerifyForm asks for the e-mail address to verify (?art=auskunft,
// loeschung or widerruf).
func (a *App) handleVerifyForm(w http.ResponseWriter, r *http.Request) {
	act, ok := parseAction(r.URL.Query().Get("art"))
	if !ok {
		act = verifyAccess
	}
	a.render(w, http.StatusOK, "verify", verifyPage{page: a.page(act.title()), Step: "ask", Action: act})
}

// handleVerifySend sends the one-time link. The page says the same for
// every well-formed address: whether someone booked with it is told only
// to whoever opens the mail.
func (a *App) handleVerifySend(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	act, ok := parseAction(r.PostFormValue("art"))
	if !ok {
		a.message(w, http.StatusBadRequest, "Nachweis", "fail", "Bitte wählen Sie, was Sie beantragen: Auskunft, Löschung oder Widerruf.")
		return
	}
	if a.mailer == nil {
		a.message(w, http.StatusServiceUnavailable, act.title(), "fail", "Der Nachweis per E-Mail ist hier nicht eingerichtet. Bitte richten Sie Ihren Antrag schriftlich an "+
			a.decl.Controller.Name+", "+a.decl.Controller.Address+"; für einen einzelnen Termin genügt der Link auf seiner Terminbestätigung.")
		return
	}
	email, ok := normalizeEmail(r.PostFormValue("email"))
	if !ok {
		a.render(w, http.StatusBadRequest, "verify", verifyPage{page: a.page(act.title()), Step: "ask", Action: act,
			Error: "Bitte geben Sie eine gültige E-Mail-Adresse an, so wie Sie sie bei der Buchung angegeben haben."})
		return
	}
	if err := a.SendVerification(r.Context(), act, email); err != nil {
		a.log.Error("booking: sending a verification mail failed", "error", err)
		a.message(w, http.StatusServiceUnavailable, act.title(), "fail", "Die E-Mail konnte gerade nicht versandt werden. Bitte versuchen Sie es später erneut.")
		return
	}
	a.render(w, http.StatusOK, "verify", verifyPage{page: a.page(act.title()), Step: "sent", Action: act})
}

// verifyFail writes the page for a link that cannot be used; nothing is
// disclosed or changed.
func (a *App) verifyFail(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, ErrVerifyExpired):
		a.message(w, http.StatusGone, "Nachweis", "fail", "Dieser Link ist abgelaufen; er gilt 24 Stunden. Es wurde nichts geändert. Bitte fordern Sie einen neuen Link an.")
	case errors.Is(err, ErrVerifyUsed):
		a.message(w, http.StatusConflict, "Nachweis", "fail", "Dieser Link wurde bereits verwendet; er gilt nur einmal. Es wurde nichts weiter geändert. Bitte fordern Sie bei Bedarf einen neuen Link an.")
	case errors.Is(err, ErrVerifyInvalid):
		a.message(w, http.StatusNotFound, "Nachweis", "fail", "Dieser Link ist ungültig oder unvollständig. Es wurde nichts geändert. Bitte verwenden Sie den Link genau so, wie Sie ihn per E-Mail erhalten haben.")
	default:
		a.internalError(w, r, err)
	}
}

// handleVerifyConfirm shows what the link will do; a GET changes nothing,
// so that mail scanners following the link run nothing.
func (a *App) handleVerifyConfirm(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("t")
	p, err := a.parseVerifyToken(tok)
	if err == nil {
		var used bool
		if used, err = a.verifyUsed(r.Context(), p.Nonce); err == nil && used {
			err = ErrVerifyUsed
		}
	}
	if err != nil {
		a.verifyFail(w, r, err)
		return
	}
	a.render(w, http.StatusOK, "verify", verifyPage{page: a.page(p.Action.title()), Step: "confirm", Action: p.Action, Token: tok})
}

// handleVerifyRun uses the link once and runs its action for every
// appointment booked with the verified address.
func (a *App) handleVerifyRun(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	p, err := a.parseVerifyToken(r.PostFormValue("t"))
	if err == nil {
		err = a.useVerification(r.Context(), p)
	}
	if err != nil {
		a.verifyFail(w, r, err)
		return
	}
	ctx := r.Context()
	subjects, err := a.subjectsOf(ctx, p.Key)
	if err != nil {
		a.internalError(w, r, err)
		return
	}
	title := p.Action.title()
	if len(subjects) == 0 {
		a.message(w, http.StatusOK, title, "ok", "Mit dieser E-Mail-Adresse sind bei uns keine Termine gespeichert. Wir verarbeiten über diese Online-Terminbuchung keine Termindaten zu dieser Adresse.")
		return
	}
	switch p.Action {
	case verifyAccess:
		rep, err := a.verifiedAccess(ctx, subjects)
		if err != nil {
			a.internalError(w, r, err)
			return
		}
		a.writeReport(w, r, rep)
	case verifyErasure:
		rcs, err := a.verifiedErasure(ctx, subjects)
		if err != nil {
			a.internalError(w, r, err)
			return
		}
		a.render(w, http.StatusOK, "dsar", dsarPage{page: a.page(title), Kind: dsar.Erasure.String(), Receipts: rcs})
	default:
		n, deleted, err := a.verifiedWithdrawal(ctx, subjects)
		if err != nil {
			a.internalError(w, r, err)
			return
		}
		if n == 0 {
			a.message(w, http.StatusOK, title, "ok", "Für diese E-Mail-Adresse besteht keine Einwilligung mehr, die widerrufen werden könnte. Es wurde nichts geändert.")
			return
		}
		a.render(w, http.StatusOK, "message", messagePage{page: a.page(title), Class: "ok",
			Message: "Ihre Einwilligung ist für alle Termine, die mit dieser E-Mail-Adresse gebucht wurden, mit Wirkung für die Zukunft widerrufen. " +
				itoa(deleted) + " Termine wurden sofort gelöscht. Wenn Sie den Service erneut nutzen wollen, wird auch erneut Ihre Einwilligung benötigt."})
	}
}
