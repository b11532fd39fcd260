package memstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/internal/storecheck"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/memstore"
)

// citizen is one seeded person; every value is personal data that must
// never reach the audit log.
type citizen struct {
	name, email, birth, customer, concern, ipv4, ipv6 string
}

var citizens = []citizen{
	{"Erika Mustermann", "erika.mustermann@example.org", "1964-08-12", "123D456789", "Weiterbewilligung, Schwerbehinderung", "203.0.113.17", "2001:db8:85a3::8a2e:370:7334"},
	{"Jürgen Weiß", "j.weiss@example.net", "1990-02-28", "987A654321", "Umzug nach Kaltenkirchen", "198.51.100.203", "2001:db8:1234:5678::42"},
	{"Ayşe Yılmaz", "ayse.yilmaz@example.com", "2001-11-03", "555B000111", "Bildungsgutschein", "192.0.2.99", "2001:db8:ffff::1"},
}

// TestAuditLogHoldsNoRawPersonalData seeds names, e-mail addresses, birth
// dates, customer numbers, free text and IP addresses, runs every kind of
// batch the Jobcenter declaration implies with Audit callbacks that
// pseudonymize subjects with an anonymize.KeyRing, and then searches every
// field of every audit entry, JSON-encoded, for the raw values (docs/DESIGN.md,
// "Pseudonyms only"; Art. 5(1)(c) and Art. 25(1)). The declaration implements
// examples/policies/jobcenter.yaml: "Hierfür muss die IP-Adresse des Nutzenden für die Dauer von
// sieben Tagen gespeichert bleiben und wird danach anonymisiert." and "Nach
// dem erfolgten Termin werden die personenbezogenen Daten innerhalb von
// zwei Wochen gelöscht. Bei einer Terminstornierung oder einem Widerruf
// werden die verarbeiteten personenbezogenen Daten sofort gelöscht."
func TestAuditLogHoldsNoRawPersonalData(t *testing.T) {
	decl, err := policy.LoadFile("../../examples/policies/jobcenter.yaml")
	require.NoError(t, err)
	require.True(t, decl.Validated())
	st, err := memstore.New(decl)
	require.NoError(t, err)
	ctx := context.Background()
	ring, err := anonymize.NewKeyRing(anonymize.Key{ID: "audit-2026", Secret: bytes.Repeat([]byte{0x5a}, 32)})
	require.NoError(t, err)
	spec, err := anonymize.Parse("ip_mask(v4=1, v6=80)")
	require.NoError(t, err)
	mask, err := spec.Build(nil)
	require.NoError(t, err)

	now := time.Date(2026, 6, 1, 3, 0, 0, 0, time.UTC)
	key := 0
	for i, c := range citizens {
		for j, ip := range []string{c.ipv4, c.ipv6} {
			key++
			require.NoError(t, st.Insert(ctx, "access_log", map[string]any{
				"id": key, "requested_at": now.Add(-time.Duration(8+i+j) * 24 * time.Hour),
				"ip": ip, "user_agent": "Mozilla/5.0", "path": "/termine?email=" + c.email,
			}))
		}
		for j := range 3 {
			require.NoError(t, st.Insert(ctx, "appointment", map[string]any{
				"id": 10*i + j, "citizen_id": c.email, "name": c.name, "birth_date": c.birth,
				"customer_number": c.customer, "concern": c.concern, "place": "Kaltenkirchen", "email": c.email,
				"free_text": fmt.Sprintf("Bitte Rückruf, %s, %s", c.name, c.ipv4),
				"starts_at": now.Add(time.Duration(j*10-25) * 24 * time.Hour),
				"booked_at": now.Add(-40 * 24 * time.Hour),
			}))
		}
	}

	// The Audit callback the engine would pass: subjects as keyed
	// pseudonyms, the rule and the declaration's hash.
	auditFor := func(dataset, rule, action string) func([]store.Record, int) (audit.Entry, error) {
		return func(rs []store.Record, n int) (audit.Entry, error) {
			var subs []string
			for _, r := range rs {
				if r.Subject != "" {
					subs = append(subs, ring.Pseudonym(r.Subject))
				}
			}
			return audit.Entry{Time: now, Action: action, Dataset: dataset, Rule: rule, Count: n, Subjects: subs, Policy: decl.Hash()}, nil
		}
	}
	sevenDays := now.Add(-7 * 24 * time.Hour)
	batches := []store.Batch{
		{ // IP addresses are masked after seven days ...
			Selection: store.Selection{Dataset: "access_log", Bounds: []store.Bound{{Column: "requested_at", Cutoff: sevenDays}}, Marker: "anonymized_at", Now: now, Limit: 2},
			Action: store.Action{Transform: []string{"ip"}, SetMarker: "anonymized_at", Apply: func(r store.Record) (map[string]any, error) {
				v, err := mask.Apply(r.Fields["ip"])
				return map[string]any{"ip": v}, err
			}},
			Audit: auditFor("access_log", "anonymize_after_7d_requested_at", "anonymize"),
		},
		{ // ... and the log lines deleted.
			Selection: store.Selection{Dataset: "access_log", Bounds: []store.Bound{{Column: "requested_at", Cutoff: sevenDays.Add(-24 * time.Hour)}}, Now: now},
			Action:    store.Action{Delete: true},
			Audit:     auditFor("access_log", "delete_after_7d_requested_at", "delete"),
		},
		{ // Appointments two weeks past are deleted.
			Selection: store.Selection{Dataset: "appointment", Bounds: []store.Bound{{Column: "appointment_at", Cutoff: now.Add(-14 * 24 * time.Hour)}}, Now: now},
			Action:    store.Action{Delete: true},
			Audit:     auditFor("appointment", "delete_after_14d_appointment_at", "delete"),
		},
		{ // A cancellation deletes that appointment now.
			Selection: store.Selection{Dataset: "appointment", Keys: []string{"2"}, Now: now},
			Action:    store.Action{Delete: true},
			Audit:     auditFor("appointment", "delete_on_cancelled", "delete"),
		},
		{ // A withdrawal deletes every appointment of that person now.
			Selection: store.Selection{Dataset: "appointment", Subject: citizens[1].email, Now: now},
			Action:    store.Action{Delete: true},
			Audit:     auditFor("appointment", "delete_on_consent_withdrawn", "delete"),
		},
	}
	for i, b := range batches {
		processed := 0
		for {
			res, err := st.Process(ctx, b)
			require.NoError(t, err)
			processed += len(res.Processed)
			if len(res.Processed) == 0 || b.Limit == 0 {
				break
			}
		}
		require.NotZero(t, processed, "batch %d must process records for the test to mean anything", i)
	}
	_, err = st.AppendAudit(ctx, audit.Entry{Time: now, Action: "hold.place", Dataset: "appointment",
		Subjects: []string{ring.Pseudonym(citizens[2].email)}, Note: "Art. 17(3)(e)", Policy: decl.Hash()})
	require.NoError(t, err)
	_, err = st.AppendAudit(ctx, audit.Entry{Time: now, Action: "consent.withdraw",
		Subjects: []string{ring.Pseudonym(citizens[1].email)}, Note: "booking", Policy: decl.Hash()})
	require.NoError(t, err)

	// A callback that forgets to pseudonymize is refused by the guard
	// every caller puts around it, and the refusal does not repeat the
	// value either.
	guarded, err := storecheck.Batch(decl.Dataset("appointment"), store.Batch{
		Selection: store.Selection{Dataset: "appointment", Subject: citizens[2].email, Now: now},
		Action:    store.Action{Delete: true},
		Audit: func(rs []store.Record, n int) (audit.Entry, error) {
			return audit.Entry{Time: now, Action: "delete", Count: n, Subjects: []string{rs[0].Subject}}, nil
		},
	})
	require.NoError(t, err)
	_, err = st.Process(ctx, guarded)
	require.ErrorIs(t, err, audit.ErrInvalid)
	assert.NotContains(t, err.Error(), citizens[2].email)

	log, err := st.ReadAudit(ctx, 0, 0)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(log), 7, "every kind of batch left an entry")
	_, err = audit.Verify(log, nil)
	require.NoError(t, err)
	encoded, err := json.Marshal(log)
	require.NoError(t, err)
	text := strings.ToLower(string(encoded) + fmt.Sprintf("%+v", log))
	for _, c := range citizens {
		local, _, _ := strings.Cut(c.email, "@")
		for _, raw := range []string{c.name, c.email, local, c.birth, c.customer, c.concern, c.ipv4, c.ipv6, strings.Fields(c.name)[1]} {
			assert.NotContains(t, text, strings.ToLower(raw), "the audit log must not contain the raw value %q", raw)
		}
	}

	// The pseudonyms still let an auditor with the key tell whose records
	// were touched.
	var found bool
	for _, e := range log {
		for _, s := range e.Subjects {
			found = found || ring.Verify(citizens[1].email, s)
		}
	}
	assert.True(t, found, "the withdrawal's entries carry the subject's pseudonym")
	assert.Equal(t, 1, st.Len("appointment"), "Ayşe's future appointment remains; the refused batch changed nothing")
	assert.Equal(t, 0, st.Len("access_log"))
}
