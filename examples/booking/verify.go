package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/frist-go/frist/consent"
	"github.com/frist-go/frist/dsar"
	"github.com/frist-go/frist/policy"
)

// Proof of identity is scoped to what it proves (Art. 12(6) GDPR):
//
//   - The appointment link of a confirmation page proves that appointment
//     and nothing else. Every booking is its own subject (a random
//     citizen_id, see Book), so a request made with the link, and the
//     withdrawal link issued with it, reach exactly that appointment and
//     its consent grant. Anyone can type anyone's e-mail address into the
//     booking form; the address proves nothing until it is verified.
//   - Acting on every appointment booked with one e-mail address needs
//     proof that the requester reads that address's mail: a one-time link
//     sent to it (this file). Opening the link, and confirming, runs the
//     request for every appointment whose address matches.
//
// Addresses are compared as normalizeEmail writes them. The link in the
// mail is signed and carries only a keyed pseudonym of the address, the
// requested action, an expiry and a nonce; the nonce is recorded when the
// link is used, so it works once.

// verifyTTL is how long a verification link works.
const verifyTTL = 24 * time.Hour

// verifyAction is what a verified requester asks for.
type verifyAction string

const (
	verifyAccess     verifyAction = "auskunft"
	verifyErasure    verifyAction = "loeschung"
	verifyWithdrawal verifyAction = "widerruf"
)

// title is the page title of the action.
func (v verifyAction) title() string {
	switch v {
	case verifyAccess:
		return "Auskunft über alle Ihre Termine"
	case verifyErasure:
		return "Löschung aller Ihrer Termine"
	case verifyWithdrawal:
		return "Widerruf für alle Ihre Termine"
	}
	return ""
}

// Errors of e-mail verification, for errors.Is. Their messages never name
// the address.
var (
	// ErrVerifyInvalid: a verification link is malformed or was changed.
	ErrVerifyInvalid = errors.New("booking: invalid verification link")
	// ErrVerifyExpired: a verification link is older than a day.
	ErrVerifyExpired = errors.New("booking: expired verification link")
	// ErrVerifyUsed: a verification link was used before.
	ErrVerifyUsed = errors.New("booking: verification link already used")
)

// normalizeEmail checks an address typed into a form and returns the form
// in which the service stores and compares it, the declaration's form
// email (policy.NormalizeIdentifier): the bare address with its ASCII
// letters lower-cased. Only ASCII is folded, so Unicode case folding
// merges no addresses (the Kelvin sign U+212A would fold to "k").
func normalizeEmail(s string) (string, bool) {
	n, err := policy.NormalizeIdentifier(policy.FormEmail, s, "")
	return n, err == nil
}

// emailKey is the keyed pseudonym of a normalised address that
// appointments store in email_key, so that a verified address finds its
// appointments and a verification link need not carry the address.
func (a *App) emailKey(email string) string { return a.keys.Subjects.Pseudonym("email:" + email) }

// verifyPayload is the signed part of a verification link.
type verifyPayload struct {
	Action  verifyAction `json:"a"`
	Key     string       `json:"k"`
	Expires int64        `json:"e"`
	Nonce   string       `json:"n"`
}

// verifyDomain separates verification MACs from appointment tokens.
const verifyDomain = "verify:"

// verifyToken returns the signed token of a verification link for the
// normalised address email.
func (a *App) verifyToken(action verifyAction, email string) (string, error) {
	body, err := json.Marshal(verifyPayload{Action: action, Key: a.emailKey(email), Expires: a.now().Add(verifyTTL).Unix(), Nonce: rand.Text()})
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding.EncodeToString(body)
	return enc + "." + a.keys.Tokens.Pseudonym(verifyDomain+enc), nil
}

// parseVerifyToken checks a token's signature and expiry.
func (a *App) parseVerifyToken(tok string) (verifyPayload, error) {
	enc, mac, ok := strings.Cut(tok, ".")
	if !ok || enc == "" || !a.keys.Tokens.Verify(verifyDomain+enc, mac) {
		return verifyPayload{}, ErrVerifyInvalid
	}
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return verifyPayload{}, ErrVerifyInvalid
	}
	var p verifyPayload
	if err := json.Unmarshal(raw, &p); err != nil || p.Key == "" || p.Nonce == "" || p.Action.title() == "" {
		return verifyPayload{}, ErrVerifyInvalid
	}
	if !a.now().Before(time.Unix(p.Expires, 0)) {
		return p, ErrVerifyExpired
	}
	return p, nil
}

// verifyUsed reports whether the link with nonce was used.
func (a *App) verifyUsed(ctx context.Context, nonce string) (bool, error) {
	var n int
	err := a.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM verification_uses WHERE nonce = ?`, nonce).Scan(&n)
	return n > 0, err
}

// useVerification records the use of the link p, once: a second use
// returns ErrVerifyUsed. Uses of expired links are forgotten, as those
// links are refused by their expiry. The table holds no personal data.
func (a *App) useVerification(ctx context.Context, p verifyPayload) error {
	now := a.now()
	if _, err := a.db.ExecContext(ctx, `DELETE FROM verification_uses WHERE expires_at < ?`, sqlTime(now)); err != nil {
		return fmt.Errorf("booking: %w", err)
	}
	res, err := a.db.ExecContext(ctx, `INSERT INTO verification_uses (nonce, expires_at) VALUES (?, ?) ON CONFLICT (nonce) DO NOTHING`,
		p.Nonce, sqlTime(time.Unix(p.Expires, 0)))
	if err != nil {
		return fmt.Errorf("booking: recording a verification: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return ErrVerifyUsed
	}
	return nil
}

// SendVerification mails a one-time link for action to the normalised
// address email. It sends the same mail whether or not appointments were
// booked with the address, so that the answer on the page tells nobody
// whether someone booked.
func (a *App) SendVerification(ctx context.Context, action verifyAction, email string) error {
	if a.mailer == nil {
		return fmt.Errorf("%w: no mailer configured", ErrMail)
	}
	tok, err := a.verifyToken(action, email)
	if err != nil {
		return err
	}
	link := a.baseURL + "/bestaetigen?t=" + tok
	body := fmt.Sprintf(`Guten Tag,

über die Online-Terminbuchung von %s wurde für diese E-Mail-Adresse angefordert:

  %s

Wenn Sie das waren, öffnen Sie diesen Link und bestätigen Sie dort:

%s

Der Link gilt %d Stunden und nur einmal. Wenn Sie nichts angefordert haben, können Sie diese E-Mail ignorieren; es geschieht dann nichts.
`, a.decl.Controller.Name, action.title(), link, int(verifyTTL.Hours()))
	return a.mailer.Send(ctx, email, action.title()+" – "+a.decl.Controller.Name, body)
}

// subjectsOf returns the subjects of the appointments booked with the
// address whose key is emailKey.
func (a *App) subjectsOf(ctx context.Context, emailKey string) ([]string, error) {
	rows, err := a.db.QueryContext(ctx, `SELECT DISTINCT citizen_id FROM appointments WHERE email_key = ? ORDER BY citizen_id`, emailKey)
	if err != nil {
		return nil, fmt.Errorf("booking: finding appointments: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// verifiedSubjects carries the subjects a verified address proves to
// appIdentity.
type verifiedSubjects struct{}

// verifiedAccess answers an access request for every subject of a
// verified address: one dsar request per booking, the reports merged into
// one. It returns nil when no appointment was booked with the address.
func (a *App) verifiedAccess(ctx context.Context, subjects []string) (*dsar.AccessReport, error) {
	ctx = context.WithValue(ctx, verifiedSubjects{}, subjects)
	var out *dsar.AccessReport
	for _, s := range subjects {
		req, err := a.dsar.Open(ctx, dsar.Access, s, a.now())
		if err != nil {
			return nil, err
		}
		if _, err := a.dsar.Verify(ctx, req.ID()); err != nil {
			return nil, err
		}
		rep, err := a.dsar.Access(ctx, req.ID())
		if err != nil {
			return nil, err
		}
		out = mergeReports(out, rep)
	}
	return out, nil
}

// mergeReports adds the records, consents, objections and holds of rep to
// into; the declaration's information is the same in both.
func mergeReports(into, rep *dsar.AccessReport) *dsar.AccessReport {
	if into == nil {
		return rep
	}
	for _, ds := range rep.Datasets {
		found := false
		for i := range into.Datasets {
			if into.Datasets[i].ID == ds.ID {
				into.Datasets[i].Records = append(into.Datasets[i].Records, ds.Records...)
				found = true
			}
		}
		if !found {
			into.Datasets = append(into.Datasets, ds)
		}
	}
	into.Consents = append(into.Consents, rep.Consents...)
	into.Objections = append(into.Objections, rep.Objections...)
	into.Holds = append(into.Holds, rep.Holds...)
	for _, tr := range rep.Transfers {
		dup := false
		for _, have := range into.Transfers {
			dup = dup || have.ID == tr.ID
		}
		if !dup {
			into.Transfers = append(into.Transfers, tr)
		}
	}
	return into
}

// verifiedErasure erases the appointments of every subject of a verified
// address, one dsar request each.
func (a *App) verifiedErasure(ctx context.Context, subjects []string) ([]*dsar.Receipt, error) {
	ctx = context.WithValue(ctx, verifiedSubjects{}, subjects)
	var out []*dsar.Receipt
	for _, s := range subjects {
		req, err := a.dsar.Open(ctx, dsar.Erasure, s, a.now())
		if err != nil {
			return out, err
		}
		if _, err := a.dsar.Verify(ctx, req.ID()); err != nil {
			return out, err
		}
		rc, err := a.dsar.Erase(ctx, req.ID())
		if err != nil {
			return out, err
		}
		out = append(out, rc)
	}
	return out, nil
}

// verifiedWithdrawal withdraws the consent of every subject of a verified
// address that is still in force, by e-mail (the channel that proved the
// address), and returns how many appointments were deleted.
func (a *App) verifiedWithdrawal(ctx context.Context, subjects []string) (withdrawn, deleted int, err error) {
	for _, s := range subjects {
		w, err := a.ledger.Withdraw(ctx, s, purposeBooking, policy.ChannelEmail)
		if errors.Is(err, consent.ErrNotGranted) {
			continue
		}
		if w != nil {
			deleted += w.Processed()
			if !w.Repeated {
				withdrawn++
			}
		}
		if err != nil {
			return withdrawn, deleted, err
		}
	}
	return withdrawn, deleted, nil
}
