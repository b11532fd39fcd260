package retention_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/memstore"
)

// eraseDecl has a dataset with its own erasure rule (anonymizing), one with
// a statutory minimum, and one with neither.
const eraseDecl = `
controller: {name: Stadt Musterstadt, address: "Markt 1, 12345 Musterstadt", time_zone: Europe/Berlin}
authority: {name: LDI NRW}
purposes:
  - {id: service, description: {de: Dienst}, legal_basis: [6.1.b]}
datasets:
  - id: account
    table: accounts
    key: id
    subject: id
    time: {created_at: created_at}
    purposes: [service]
    fields:
      name: {category: identity}
      email: {category: contact}
    rules:
      - {on: erasure_requested, anonymize: {name: "null", email: "null"}}
  - id: invoice
    table: invoices
    key: id
    subject: customer_id
    time: {issued_at: issued_at}
    purposes: [service]
    fields:
      amount: {category: identifier}
    rules:
      - {after: 11y, from: issued_at, delete: true, keep_at_least: {period: 10y, norm: "§ 147 AO"}}
  - id: message
    table: messages
    key: id
    subject: customer_id
    time: {sent_at: sent_at}
    purposes: [service]
    fields:
      text: {category: free_text}
    rules:
      - {after: 1y, from: sent_at, delete: true}
`

func TestEraseSubjectErasesEverywhereExceptHoldsAndStatutoryMinimums(t *testing.T) {
	ctx := context.Background()
	decl, err := policy.Load(strings.NewReader(eraseDecl), "erase.yaml")
	require.NoError(t, err)
	st, err := memstore.New(decl)
	require.NoError(t, err)
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	ring, err := anonymize.NewKeyRing(anonymize.Key{ID: "k1", Secret: []byte("erase test key, thirty-two bytes!")})
	require.NoError(t, err)
	eng, err := retention.New(decl, st, &retention.Options{Now: func() time.Time { return now }, AuditKey: ring})
	require.NoError(t, err)

	for _, sub := range []int64{1, 2} {
		require.NoError(t, st.Insert(ctx, "account", map[string]any{"id": sub, "created_at": now.AddDate(-1, 0, 0), "name": "Erika", "email": "e@example.org"}))
	}
	rows := []struct {
		ds       string
		key, sub int64
		at       time.Time
	}{
		{"invoice", 10, 1, now.AddDate(-12, 0, 0)}, // minimum ended: erasable
		{"invoice", 11, 1, now.AddDate(-2, 0, 0)},  // § 147 AO: kept
		{"invoice", 12, 2, now.AddDate(-12, 0, 0)}, // other subject
		{"message", 20, 1, now.AddDate(0, -1, 0)},
		{"message", 21, 1, now.AddDate(0, -2, 0)}, // held
		{"message", 22, 2, now.AddDate(0, -1, 0)}, // other subject
	}
	for _, r := range rows {
		col, val := "issued_at", "amount"
		if r.ds == "message" {
			col, val = "sent_at", "text"
		}
		require.NoError(t, st.Insert(ctx, r.ds, map[string]any{"id": r.key, "customer_id": r.sub, col: r.at, val: "v"}))
	}
	_, err = eng.PlaceHold(ctx, retention.HoldRequest{Dataset: "message", Key: "21", Reason: store.HoldLegalClaims})
	require.NoError(t, err)

	rep, err := eng.EraseSubject(ctx, "1", time.Time{})
	require.NoError(t, err)

	acc := rep.Rule("account", "anonymize_on_erasure_requested")
	require.NotNil(t, acc, "the dataset's own erasure rule runs: %+v", rep.Rules)
	assert.Equal(t, 1, acc.Processed)
	inv := rep.Rule("invoice", retention.ErasureRule)
	require.NotNil(t, inv)
	assert.Equal(t, 1, inv.Processed)
	assert.Equal(t, 1, inv.Kept, "the invoice under § 147 AO is kept (Art. 17(3)(b))")
	msg := rep.Rule("message", retention.ErasureRule)
	require.NotNil(t, msg)
	assert.Equal(t, 1, msg.Processed)
	assert.Equal(t, 1, msg.Held, "the held message is left alone (Art. 17(3)(e))")

	exists := func(ds, key string) bool {
		_, ok, err := st.Get(ctx, ds, key)
		require.NoError(t, err)
		return ok
	}
	assert.False(t, exists("invoice", "10"))
	assert.True(t, exists("invoice", "11"))
	assert.True(t, exists("invoice", "12"), "another subject's record is never touched")
	assert.False(t, exists("message", "20"))
	assert.True(t, exists("message", "21"))
	assert.True(t, exists("message", "22"), "another subject's record is never touched")
	a1, _, _ := st.Get(ctx, "account", "1")
	assert.Nil(t, a1["name"])
	a2, _, _ := st.Get(ctx, "account", "2")
	assert.Equal(t, "Erika", a2["name"])

	log, err := st.ReadAudit(ctx, 0, 0)
	require.NoError(t, err)
	_, err = audit.Verify(log, nil)
	require.NoError(t, err)
	var erased int
	for _, e := range log {
		if e.Rule == retention.ErasureRule {
			erased++
			assert.Equal(t, []string{ring.Pseudonym("1")}, e.Subjects, "the audit log names the subject by pseudonym only")
		}
	}
	assert.Equal(t, 2, erased)
}

func TestEraseSubjectRefusesAnEmptySubjectOrAFutureTime(t *testing.T) {
	decl, err := policy.Load(strings.NewReader(eraseDecl), "erase.yaml")
	require.NoError(t, err)
	st, err := memstore.New(decl)
	require.NoError(t, err)
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	ring, err := anonymize.NewKeyRing(anonymize.Key{ID: "k1", Secret: []byte("erase test key, thirty-two bytes!")})
	require.NoError(t, err)
	eng, err := retention.New(decl, st, &retention.Options{Now: func() time.Time { return now }, AuditKey: ring})
	require.NoError(t, err)
	for name, tc := range map[string]struct {
		subject string
		at      time.Time
	}{
		"empty subject": {" ", time.Time{}},
		"future":        {"1", now.Add(time.Hour)},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := eng.EraseSubject(context.Background(), tc.subject, tc.at)
			require.ErrorIs(t, err, retention.ErrInvalidEvent)
		})
	}
}
