package main

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"slices"

	"github.com/frist-go/frist/dsar"
	"github.com/frist-go/frist/notice"
)

// A citizen asks for access (Art. 15 GDPR) at /auskunft and for erasure
// (Art. 17) at /loeschung, each with the appointment token of the
// confirmation page (?t=). GET explains what will happen and changes
// nothing; POST opens the request in frist's dsar.Service, verifies the
// requester and answers at once.
//
// Identity (Art. 12(6)) is proven by possession of the signed
// appointment link, which the citizen received on the confirmation page
// after booking, and it proves exactly that appointment: every booking is
// a subject of its own (see Book), so the request reaches that
// appointment and the consent given with it, and no appointment of anyone
// else who typed the same e-mail address. A link lives as long as its
// appointment: once the appointment is cancelled, withdrawn, erased or
// deleted after its period, the link proves nothing any more. Requests for
// all appointments of an e-mail address need the address verified
// (verify.go).

// linkToken carries the appointment token of a request to appIdentity.
type linkToken struct{}

// appIdentity is the service's dsar.Identity. It accepts a requester who
// presents a valid token (see ParseToken) of an appointment that still
// exists and whose subject is the request's, or whose e-mail address was
// verified by a one-time link and whose appointments include the
// request's subject; nobody else.
type appIdentity struct{ a *App }

// Verify implements dsar.Identity.
func (id appIdentity) Verify(ctx context.Context, req *dsar.Request) (bool, error) {
	if subjects, ok := ctx.Value(verifiedSubjects{}).([]string); ok {
		return slices.Contains(subjects, req.Subject()), nil
	}
	tok, _ := ctx.Value(linkToken{}).(string)
	apID, err := id.a.ParseToken(tok)
	if err != nil {
		return false, nil
	}
	ap, err := id.a.Appointment(ctx, apID)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare([]byte(ap.Citizen), []byte(req.Subject())) == 1, nil
}

var _ dsar.Attested = appIdentity{}

// Attestation implements dsar.Attested: the request's history records
// how the requester was verified, in dsar's vocabulary.
func (id appIdentity) Attestation(ctx context.Context, _ *dsar.Request) (dsar.Method, string) {
	if _, ok := ctx.Value(verifiedSubjects{}).([]string); ok {
		return dsar.MethodVerifiedEmail, ""
	}
	return dsar.MethodLinkPossession, ""
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
	Kind   string // "access" or "erasure"
	Action string
	Token  string
	// Receipts are the receipts of the erasure: one for a request by an
	// appointment link, one per booking for a verified address.
	Receipts []*dsar.Receipt
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
			a.render(w, http.StatusOK, "dsar", dsarPage{page: a.page(rr.Title), Kind: rr.Kind.String(), Receipts: []*dsar.Receipt{rc}})
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
	a.writeReport(w, r, rep)
}

// writeReport writes rep as a page of its own in German.
func (a *App) writeReport(w http.ResponseWriter, r *http.Request, rep *dsar.AccessReport) {
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
// appointment links or by a verified e-mail address.
func (a *App) DSAR() *dsar.Service { return a.dsar }
