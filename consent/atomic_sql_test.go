package consent_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store/sqlitestore"
)

// TestAConsentEventIsNeverKeptWithoutItsAuditEntry injects a failure
// between a consent event and its audit entry on SQLite: a trigger makes
// every insert into frist_audit fail. A grant then records nothing, and a
// withdrawal by link neither ends the consent nor uses the link up, so the
// person's retry works once the log can be written again; afterwards every
// event has its entry and the log verifies.
//
// Seen to fail: with the event committed before its entry (the ledger
// calling AppendConsent and then AppendAudit, as it did), the failed grant
// was in force without an entry, and the failed withdrawal had used the
// link up: the retry was refused with ErrLinkUsed although nothing in the
// audit log recorded a withdrawal.
func TestAConsentEventIsNeverKeptWithoutItsAuditEntry(t *testing.T) {
	decl, err := policy.LoadFile("testdata/ledger.yaml")
	require.NoError(t, err)
	db := openSQLite(t)
	createTables(t, db, sqlite, decl)
	st, err := sqlitestore.New(db, decl, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	f := newFixtureOn(t, decl, st, nil)
	f.grant(t, bookingGrant("1001"))
	f.clock.Advance(time.Minute)
	u, err := f.ledger.WithdrawalURL(f.ctx, "https://termine.example/widerruf", "1001", "booking", f.clock.Now().Add(24*time.Hour))
	require.NoError(t, err)
	pu, err := url.Parse(u)
	require.NoError(t, err)
	token := pu.Query().Get("t")

	_, err = db.ExecContext(f.ctx, `CREATE TRIGGER frist_audit_fails BEFORE INSERT ON frist_audit BEGIN SELECT RAISE(ABORT, 'injected failure'); END`)
	require.NoError(t, err)
	_, err = f.ledger.Grant(f.ctx, bookingGrant("1002"))
	require.ErrorContains(t, err, "injected failure")
	assert.False(t, f.valid(t, "1002", "booking", f.clock.Now()), "the failed grant is not in force")
	_, err = f.ledger.WithdrawByToken(f.ctx, token)
	require.ErrorContains(t, err, "injected failure")
	assert.True(t, f.valid(t, "1001", "booking", f.clock.Now()), "the failed withdrawal ended nothing")
	for _, s := range []string{"1001", "1002"} {
		evs, err := f.ledger.History(f.ctx, s, "")
		require.NoError(t, err)
		assert.Len(t, evs, map[string]int{"1001": 1, "1002": 0}[s], "only the grant made before the failure is stored for %s", s)
	}

	_, err = db.ExecContext(f.ctx, `DROP TRIGGER frist_audit_fails`)
	require.NoError(t, err)
	_, err = f.ledger.WithdrawByToken(f.ctx, token)
	require.NoError(t, err, "the link was not used up by the failed withdrawal")
	assert.False(t, f.valid(t, "1001", "booking", f.clock.Now()))

	log, err := st.ReadAudit(f.ctx, 0, 0)
	require.NoError(t, err)
	_, err = audit.Verify(log, nil)
	require.NoError(t, err)
	var actions []string
	for _, e := range log {
		if e.Action == "consent.grant" || e.Action == "consent.withdraw" {
			actions = append(actions, e.Action)
		}
	}
	assert.Equal(t, []string{"consent.grant", "consent.withdraw"}, actions, "one entry for each stored event")
}
