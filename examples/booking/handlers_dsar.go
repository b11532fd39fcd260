package main

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"net/http"

	"github.com/frist-go/frist/dsar"
	"github.com/frist-go/frist/notice"
)

// A citizen asks for access (Art. 15 GDPR) at /auskunft and for erasure
// (Art. 17) at /loeschung, each with the appointment token of the
// confirmation page (?t=). GET explains what will happen and changes
// nothing; POST opens the request in frist's dsar.Service, verifies the
// requester and answers at once.
//
// Identity (Art. 12(6)) is proven by possession of the signed appointment
// link: only the citizen received it, on the confirmation page after
// booking. The link names one appointment; its subject is that
// appointment's citizen_id, the keyed pseudonym of the e-mail address that
// all bookings of one person share. A link lives as long as its
// appointment: once the appointment is cancelled, withdrawn, erased or
// deleted after its period, the link proves nothing any more.

// linkToken carries the appointment token of a request to linkIdentity.
type linkToken struct{}

// linkIdentity is the service's dsar.Identity: it accepts a requester who
// presents a valid token (see ParseToken) of an appointment that still
// exists and belongs to the request's subject, and nobody else.
type linkIdentity struct{ a *App }

// Verify implements dsar.Identity.
func (li linkIdentity) Verify(ctx context.Context, req *dsar.Request) (bool, error) {
	tok, _ := ctx.Value(linkToken{}).(string)
	id, err := li.a.ParseToken(tok)
	if err != nil {
		return false, nil
	}
	ap, err := li.a.Appointment(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare([]byte(ap.Citizen), []byte(req.Subject())) == 1, nil
}

// rightsRequest is what /auskunft and /loeschung differ in.
type rightsRequest struct {
	Kind  dsar.Kind
	Path  string
	Title string
}

var (
	accessRequest  = rightsRequest{Kind: dsar.Access, Path: "/auskunft", Title: "Auskunft über Ihre Daten"}
	erasureRequest = rightsRequest{Kind: dsar.Erasure, Path: "/loeschung", Title: "Löschung Ihrer Daten"}
)

// dsarPage is the data of templates/dsar.html: the confirmation before a
// request, or the receipt of an erasure.
type dsarPage struct {
	page
	Kind    string // "access" or "erasure"
	Action  string
	Token   string
	Receipt *dsar.Receipt
}

// handleRightsForm shows what the request will do; a GET changes nothing,
// so that mail scanners following the link open no request.
func (a *App) handleRightsForm(rr rightsRequest) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := r.URL.Query().Get("t")
		if _, ok := a.appointmentFor(w, r, tok); !ok {
			return
		}
		a.render(w, http.StatusOK, "dsar", dsarPage{page: a.page(rr.Title), Kind: rr.Kind.String(), Action: rr.Path, Token: tok})
	}
}

// handleRights opens, verifies and answers the request. A tampered token
// or one whose appointment is gone opens nothing.
func (a *App) handleRights(rr rightsRequest) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
		tok := r.PostFormValue("t")
		ap, ok := a.appointmentFor(w, r, tok)
		if !ok {
			return
		}
		ctx := r.Context()
		req, err := a.dsar.Open(ctx, rr.Kind, ap.Citizen, a.now())
		if err != nil {
			a.internalError(w, r, err)
			return
		}
		_, err = a.dsar.Verify(context.WithValue(ctx, linkToken{}, tok), req.ID())
		if errors.Is(err, dsar.ErrUnverified) {
			// The appointment went away between the check above and now.
			a.message(w, http.StatusNotFound, rr.Title, "fail", "Dieser Link ist nicht mehr gültig: der Termin wurde inzwischen abgesagt oder gelöscht.")
			return
		}
		if err != nil {
			a.internalError(w, r, err)
			return
		}
		switch rr.Kind {
		case dsar.Access:
			a.answerAccess(w, r, req)
		default:
			rc, err := a.dsar.Erase(ctx, req.ID())
			if err != nil {
				a.internalError(w, r, err)
				return
			}
			a.render(w, http.StatusOK, "dsar", dsarPage{page: a.page(rr.Title), Kind: rr.Kind.String(), Receipt: rc})
		}
	}
}

// answerAccess writes the access report as a page of its own, rendered by
// dsar from the same declaration the engine enforces. It is sent, like
// every page, without caching and without a referrer, and sets no cookie.
func (a *App) answerAccess(w http.ResponseWriter, r *http.Request, req *dsar.Request) {
	rep, err := a.dsar.Access(r.Context(), req.ID())
	if err != nil {
		a.internalError(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := rep.WriteHTML(&buf, notice.German, a.loc); err != nil {
		a.internalError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = buf.WriteTo(w)
}

// DSAR returns the service that runs data-subject requests (Art. 15–21
// GDPR) on the App's store; its requesters are verified by their signed
// appointment links.
func (a *App) DSAR() *dsar.Service { return a.dsar }
