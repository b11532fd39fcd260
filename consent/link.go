package consent

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/frist-go/frist/policy"
)

// Link is the content of a signed withdrawal link.
//
// The link carries the subject, because the withdrawal must find it, and
// it is encoded (base64url JSON), not encrypted: use a surrogate subject ID
// (a citizen or booking number), never an e-mail address or a name. The
// handler never shows the subject, and its pages send Referrer-Policy:
// no-referrer so the link does not travel on. The alternative, an opaque
// token stored server-side, would need a table of issued links; the signed
// link needs none and still withdraws once, because its ID is recorded with
// the withdrawal. When that record is deleted with the rest of the ended
// consent's proof (ExpireRecords), the link acts on no later consent all
// the same: it names the grant it was issued for, and a consent given again
// rests on a new grant (ErrLinkSuperseded).
type Link struct {
	// ID identifies the link; the withdrawal it makes records it, so a
	// second use is recognised (ErrLinkUsed).
	ID      string
	Subject string
	Purpose string
	// Grant is the event ID of the grant the link was issued for: the link
	// ends that consent and no later one (ErrLinkSuperseded).
	Grant string
	// Expires is when the link stops working.
	Expires time.Time
}

// linkPayload is the signed part of a link.
type linkPayload struct {
	Subject string `json:"s"`
	Purpose string `json:"p"`
	Expires int64  `json:"e"`
	ID      string `json:"n"`
	Grant   string `json:"g"`
}

// linkDomain separates link MACs from every other use of the link keys.
const linkDomain = "frist consent withdrawal link v1\x00"

// linkReference is the Reference recorded with a withdrawal by link.
func linkReference(id string) string { return "link:" + id }

// WithdrawalToken returns a signed token that withdraws subject's consent
// to purpose until expires: base64url(JSON of subject, purpose, the ID of
// the grant in force, expiry and a link ID), a dot, and "<key
// id>:<base64url HMAC-SHA-256>" over it under the current key of
// Options.LinkKeys. The link is bound to that grant: once it is withdrawn
// and consent is given again, the link cannot end the new consent
// (ErrLinkSuperseded), whoever kept it. It returns ErrNoLinkKeys without
// link keys, ErrNotGranted when no consent of subject to purpose is in
// force, and an error for a purpose without consent or an expiry not in
// the future.
func (l *Ledger) WithdrawalToken(ctx context.Context, subject, purpose string, expires time.Time) (string, error) {
	if l.linkKeys == nil {
		return "", ErrNoLinkKeys
	}
	p, err := l.consentPurpose(purpose)
	if err != nil {
		return "", err
	}
	if err := checkSubject(subject); err != nil {
		return "", err
	}
	now := l.now()
	if !expires.After(now) {
		return "", fmt.Errorf("%w: the link's expiry %s is not in the future", ErrInvalid, expires.Format(time.RFC3339))
	}
	st, err := l.status(ctx, subject, p, now)
	if err != nil {
		return "", err
	}
	if !st.Valid || st.GrantID == "" {
		return "", fmt.Errorf("%w: no consent to purpose %s is in force to issue a withdrawal link for", ErrNotGranted, purpose)
	}
	id, err := newID()
	if err != nil {
		return "", err
	}
	body, err := json.Marshal(linkPayload{Subject: subject, Purpose: purpose, Expires: expires.Unix(), ID: id, Grant: st.GrantID})
	if err != nil {
		return "", fmt.Errorf("consent: encoding the link: %w", err)
	}
	enc := base64.RawURLEncoding.EncodeToString(body)
	return enc + "." + l.linkKeys.Pseudonym(linkDomain+enc), nil
}

// WithdrawalURL returns base with the query parameter t set to a
// WithdrawalToken; base is where the application mounts Handler, e.g.
// "https://termine.example.de/widerruf".
func (l *Ledger) WithdrawalURL(ctx context.Context, base, subject, purpose string, expires time.Time) (string, error) {
	u, err := url.Parse(base)
	if err != nil || !u.IsAbs() && !strings.HasPrefix(base, "/") {
		return "", fmt.Errorf("%w: the base URL %q is neither absolute nor a path", ErrInvalid, base)
	}
	tok, err := l.WithdrawalToken(ctx, subject, purpose, expires)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("t", tok)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// ParseWithdrawalToken checks a token's signature in constant time and
// its expiry at the ledger's clock, and returns its content. It returns
// ErrLinkInvalid for a malformed or changed token, one signed with a key
// not in Options.LinkKeys, or one that names no grant, ErrLinkExpired for an expired one, and
// ErrNoLinkKeys without link keys. Whether the link was used is checked
// when it withdraws.
func (l *Ledger) ParseWithdrawalToken(token string) (Link, error) {
	if l.linkKeys == nil {
		return Link{}, ErrNoLinkKeys
	}
	enc, mac, ok := strings.Cut(token, ".")
	if !ok || enc == "" || !l.linkKeys.Verify(linkDomain+enc, mac) {
		return Link{}, ErrLinkInvalid
	}
	body, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return Link{}, ErrLinkInvalid
	}
	var pl linkPayload
	if err := json.Unmarshal(body, &pl); err != nil || pl.Subject == "" || pl.Purpose == "" || pl.ID == "" || pl.Grant == "" {
		return Link{}, ErrLinkInvalid
	}
	lk := Link{ID: pl.ID, Subject: pl.Subject, Purpose: pl.Purpose, Grant: pl.Grant, Expires: time.Unix(pl.Expires, 0).UTC()}
	if !l.now().Before(lk.Expires) {
		return lk, ErrLinkExpired
	}
	return lk, nil
}

// WithdrawByToken withdraws the consent a withdrawal token names, once:
// the link's ID is recorded with the withdrawal, and a second use returns
// ErrLinkUsed and changes nothing. A consent no longer in force returns
// ErrNotGranted, and a consent in force that rests on a grant other than
// the link's (given after the link's grant was withdrawn) returns
// ErrLinkSuperseded; both change nothing. Invalid and expired tokens return
// the errors of ParseWithdrawalToken.
func (l *Ledger) WithdrawByToken(ctx context.Context, token string) (*Withdrawal, error) {
	lk, err := l.ParseWithdrawalToken(token)
	if err != nil {
		return nil, err
	}
	return l.withdraw(ctx, lk.Subject, lk.Purpose, string(policy.ChannelLink), linkReference(lk.ID), true, lk.Grant)
}
