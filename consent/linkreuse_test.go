package consent_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/consent"
)

// TestAnOldLinkActsOnNoConsentAfterItsHistoryExpired is the attacker's
// side of ExpireConsents: once the events of a withdrawn consent are
// deleted, the withdrawal that recorded a link's use ("link:<ID>") is gone,
// so a second use is no longer recognised as one (ErrLinkUsed). A link
// mailed years ago, valid for ten years and kept by whoever read the mail,
// still acts on nothing: with no consent in force it finds nothing to
// withdraw, and once the same person consents again it cannot end the new
// consent (ErrLinkSuperseded; the handler answers 409), because the link
// names the grant it was issued for and every grant gets a new UUIDv7. It
// cannot be turned into a link for another person either: the subject is
// under the link's MAC. Nothing is recorded, and no record is deleted.
//
// Seen to fail: with the grant comparison in withdraw removed (the
// consent's grant no longer checked against the link's), the replay after
// the expiry returned no error: it withdrew 1001's new consent, while
// before the expiry the recorded reference still refused it
// (ErrLinkUsed): after ExpireConsents the binding to the grant is what
// protects, so no tombstone of used references is needed.
func TestAnOldLinkActsOnNoConsentAfterItsHistoryExpired(t *testing.T) {
	lf := newLinkFixture(t)
	u, err := lf.ledger.WithdrawalURL(lf.ctx, "https://termine.example/widerruf", "1001", "booking", lf.clock.Now().AddDate(10, 0, 0))
	require.NoError(t, err)
	pu, err := url.Parse(u)
	require.NoError(t, err)
	old := pu.Query().Get("t")

	_, err = lf.ledger.WithdrawByToken(lf.ctx, old)
	require.NoError(t, err, "the link withdraws once")
	_, err = lf.ledger.WithdrawByToken(lf.ctx, old)
	require.ErrorIs(t, err, consent.ErrLinkUsed, "while the withdrawal is kept, a second use is recognised")

	// ledger.yaml keeps the proof of an ended consent until three years
	// after the end of the year it ended in.
	lf.clock.Advance(4 * 366 * 24 * time.Hour)
	_, err = lf.eng.Sweep(lf.ctx)
	require.NoError(t, err)
	hist, err := lf.ledger.History(lf.ctx, "1001", "booking")
	require.NoError(t, err)
	require.Empty(t, hist, "the history, with the link's reference, is deleted")

	_, err = lf.ledger.WithdrawByToken(lf.ctx, old)
	require.ErrorIs(t, err, consent.ErrNotGranted, "no consent in force: nothing to withdraw")
	hist, err = lf.ledger.History(lf.ctx, "1001", "booking")
	require.NoError(t, err)
	assert.Empty(t, hist, "nothing is recorded")

	lf.insert(t, "appointment", map[string]any{"id": 10011, "citizen_id": 1001, "booked_at": lf.clock.Now(), "name": "A"})
	lf.insert(t, "appointment", map[string]any{"id": 10012, "citizen_id": 1001, "booked_at": lf.clock.Now(), "name": "A"})
	lf.grant(t, bookingGrant("1001"))
	lf.clock.Advance(time.Minute)
	before := len(lf.auditLog(t))
	_, err = lf.ledger.WithdrawByToken(lf.ctx, old)
	require.ErrorIs(t, err, consent.ErrLinkSuperseded, "the link was issued for a grant that no longer exists")
	w := lf.post(old, nil)
	assert.Equal(t, http.StatusConflict, w.Code)
	safeResponse(t, w)
	lf.untouched(t)
	assert.Len(t, lf.auditLog(t), before, "nothing is audited, nothing processed")

	// The same link rewritten for another person, whose consent is in
	// force, is not a link.
	enc, mac, ok := strings.Cut(old, ".")
	require.True(t, ok)
	body, err := base64.RawURLEncoding.DecodeString(enc)
	require.NoError(t, err)
	var payload map[string]any
	require.NoError(t, json.Unmarshal(body, &payload))
	payload["s"] = "1002"
	body, err = json.Marshal(payload)
	require.NoError(t, err)
	_, err = lf.ledger.WithdrawByToken(lf.ctx, base64.RawURLEncoding.EncodeToString(body)+"."+mac)
	require.ErrorIs(t, err, consent.ErrLinkInvalid)
	assert.True(t, lf.valid(t, "1002", "booking", lf.clock.Now()), "the other person's consent is untouched")
}
