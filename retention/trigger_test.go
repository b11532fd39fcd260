package retention_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
)

// bookings inserts three appointments of Erika (two booked, one in the
// past) and one of Max.
func bookings(t *testing.T, h *harness, at time.Time) {
	t.Helper()
	h.insert(t, "appointment", map[string]any{"id": int64(1), "citizen_id": "erika", "starts_at": at.AddDate(0, 0, 3), "name": "Erika Mustermann", "email": "erika@example.org"})
	h.insert(t, "appointment", map[string]any{"id": int64(2), "citizen_id": "erika", "starts_at": at.AddDate(0, 0, 10), "name": "Erika Mustermann", "email": "erika@example.org"})
	h.insert(t, "appointment", map[string]any{"id": int64(3), "citizen_id": "erika", "starts_at": at.AddDate(0, 0, -2), "name": "Erika Mustermann", "email": "erika@example.org"})
	h.insert(t, "appointment", map[string]any{"id": int64(4), "citizen_id": "max", "starts_at": at.AddDate(0, 0, 3), "name": "Max Mustermann", "email": "max@example.org"})
}

func TestTriggerActsImmediately(t *testing.T) {
	at := time.Date(2024, 5, 6, 9, 0, 0, 0, berlin(t))
	ctx := context.Background()
	tests := []struct {
		name string
		// quote is the sentence of the notice quoted in examples/policies/jobcenter.yaml the behaviour comes from.
		quote   string
		hold    *retention.HoldRequest
		event   retention.Event
		gone    []string
		kept    []string
		held    int
		wantErr error
	}{
		{
			name:  "cancellation deletes the appointment now",
			quote: "Bei einer Terminstornierung oder einem Widerruf werden die verarbeiteten personenbezogenen Daten sofort gelöscht.",
			event: retention.Event{Kind: policy.EventCancelled, Dataset: "appointment", Key: "2"},
			gone:  []string{"2"},
			kept:  []string{"1", "3", "4"},
		},
		{
			name:  "withdrawal deletes all of the subject's booked appointments",
			quote: "Bitte beachten Sie, dass im Fall eines Widerrufs von Ihnen bereits gebuchte Termine ebenfalls alle gelöscht werden.",
			event: retention.Event{Kind: policy.EventConsentWithdrawn, Subject: "erika", Purpose: "booking"},
			gone:  []string{"1", "2", "3"},
			kept:  []string{"4"},
		},
		{
			name:  "withdrawal honours a hold on one appointment",
			hold:  &retention.HoldRequest{Dataset: "appointment", Key: "2", Reason: store.HoldLegalClaims},
			event: retention.Event{Kind: policy.EventConsentWithdrawn, Subject: "erika", Purpose: "booking"},
			gone:  []string{"1", "3"},
			kept:  []string{"2", "4"},
			held:  1,
		},
		{
			name:    "cancellation of a held appointment reports the hold",
			hold:    &retention.HoldRequest{Subject: "erika", Reason: store.HoldRestriction},
			event:   retention.Event{Kind: policy.EventCancelled, Dataset: "appointment", Key: "1"},
			kept:    []string{"1", "2", "3", "4"},
			held:    1,
			wantErr: retention.ErrHeld,
		},
		{
			name:  "cancelling twice deletes once and is not an error",
			event: retention.Event{Kind: policy.EventCancelled, Dataset: "appointment", Key: "9"},
			kept:  []string{"1", "2", "3", "4"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, jobcenter(t), at, nil)
			bookings(t, h, at)
			if tt.hold != nil {
				_, err := h.eng.PlaceHold(ctx, *tt.hold)
				require.NoError(t, err)
			}
			rep, err := h.eng.Trigger(ctx, tt.event)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			} else {
				require.NoError(t, err, tt.quote)
			}
			require.NotNil(t, rep)
			assert.Equal(t, len(tt.gone), rep.Processed(), tt.quote)
			assert.Equal(t, tt.held, rep.Held())
			for _, k := range tt.gone {
				assert.Falsef(t, h.exists(t, "appointment", k), "appointment %s must be gone: %s", k, tt.quote)
			}
			for _, k := range tt.kept {
				assert.Truef(t, h.exists(t, "appointment", k), "appointment %s must remain", k)
			}
			for _, rr := range rep.Rules {
				assert.Equal(t, tt.event.Kind, rr.Event)
			}
			h.verifyAudit(t)
		})
	}
}

func TestTriggerHonoursKeepAtLeast(t *testing.T) {
	loc := berlin(t)
	received := time.Date(2024, 1, 15, 10, 0, 0, 0, loc)
	h := newHarness(t, jobcenter(t), received.AddDate(0, 0, 3), nil)
	h.insert(t, "contact", map[string]any{"id": "k1", "email": "erika@example.org", "received_at": received})
	ev := retention.Event{Kind: policy.EventMatterSettled, Dataset: "contact", Key: "k1"}
	rep, err := h.eng.Trigger(context.Background(), ev)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Rules[0].Kept, "the statutory minimum has a month to run")
	assert.True(t, h.exists(t, "contact", "k1"))

	h.clock.Set(received.AddDate(0, 1, 0))
	rep, err = h.eng.Trigger(context.Background(), ev)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Processed())
	assert.False(t, h.exists(t, "contact", "k1"))
}

func TestTriggerRefusesEventsItCannotPlace(t *testing.T) {
	at := time.Date(2024, 5, 6, 9, 0, 0, 0, berlin(t))
	h := newHarness(t, jobcenter(t), at, nil)
	tests := []struct {
		name string
		ev   retention.Event
		want error
		says string
	}{
		{"no kind", retention.Event{Dataset: "appointment", Key: "1"}, retention.ErrInvalidEvent, "no kind"},
		{"a key without its dataset", retention.Event{Kind: policy.EventCancelled, Key: "1"}, retention.ErrInvalidEvent, "names a key but no dataset"},
		{"neither record nor subject", retention.Event{Kind: policy.EventCancelled}, retention.ErrInvalidEvent, "neither a record"},
		{"a withdrawal without its purpose", retention.Event{Kind: policy.EventConsentWithdrawn, Subject: "erika"}, retention.ErrInvalidEvent, "Art. 7(3)"},
		{"an undeclared purpose", retention.Event{Kind: policy.EventConsentWithdrawn, Subject: "erika", Purpose: "marketing"}, retention.ErrInvalidEvent, `"marketing"`},
		{"an event in the future", retention.Event{Kind: policy.EventCancelled, Dataset: "appointment", Key: "1", At: at.Add(time.Hour)}, retention.ErrInvalidEvent, "in the future"},
		{"an undeclared dataset", retention.Event{Kind: policy.EventCancelled, Dataset: "bookings", Key: "1"}, retention.ErrUnknownDataset, `"bookings"`},
		{"a subject in a dataset without subjects", retention.Event{Kind: policy.EventCancelled, Dataset: "access_log", Subject: "erika"}, retention.ErrInvalidEvent, "no subject column"},
		{"an event no rule reacts to", retention.Event{Kind: policy.EventSessionEnd, Dataset: "appointment", Key: "1"}, retention.ErrNoRule, "on: session_end in dataset appointment"},
		{"a purpose no dataset with that rule serves", retention.Event{Kind: policy.EventConsentWithdrawn, Subject: "erika", Purpose: "website"}, retention.ErrNoRule, "serving purpose website"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := h.eng.Trigger(context.Background(), tt.ev)
			require.ErrorIs(t, err, tt.want)
			assert.Nil(t, rep)
			assert.Contains(t, err.Error(), tt.says)
			assert.NotContains(t, err.Error(), "erika", "errors name no subject")
		})
	}
}

// TestAuditLogHoldsNoPersonalData seeds names, e-mail addresses, subjects
// and IPs, runs every kind of action, and searches the whole log for them
// (docs/DESIGN.md, "Pseudonyms only"; Art. 5(1)(c)).
func TestAuditLogHoldsNoPersonalData(t *testing.T) {
	at := time.Date(2024, 5, 6, 9, 0, 0, 0, berlin(t))
	ctx := context.Background()
	h := newHarness(t, jobcenter(t), at, nil)
	bookings(t, h, at)
	h.insert(t, "access_log", map[string]any{"id": int64(1), "requested_at": at, "ip": "203.0.113.77", "user_agent": "Mozilla/5.0 (Erika's laptop)"})
	h.insert(t, "contact", map[string]any{"id": "k1", "email": "erika@example.org", "received_at": at, "message": "Mein Name ist Erika Mustermann"})
	_, err := h.eng.PlaceHold(ctx, retention.HoldRequest{Dataset: "appointment", Subject: "max", Reason: store.HoldLegalClaims, Note: "Max Mustermann klagt"})
	require.NoError(t, err)
	_, err = h.eng.Trigger(ctx, retention.Event{Kind: policy.EventCancelled, Dataset: "appointment", Key: "1"})
	require.NoError(t, err)
	_, err = h.eng.Trigger(ctx, retention.Event{Kind: policy.EventConsentWithdrawn, Subject: "erika", Purpose: "booking"})
	require.NoError(t, err)
	h.clock.Set(at.AddDate(0, 3, 0))
	h.sweep(t)

	entries := h.verifyAudit(t)
	require.GreaterOrEqual(t, len(entries), 5)
	b, err := json.Marshal(entries)
	require.NoError(t, err)
	log := string(b) + h.logs.String()
	for _, personal := range []string{"Erika", "Mustermann", "erika@example.org", "max@example.org", "203.0.113.77", "Mozilla", `"erika"`, `"max"`, "klagt"} {
		assert.NotContainsf(t, log, personal, "the audit log and the logs must not contain %q", personal)
	}
	assert.True(t, strings.Contains(string(b), auditKey.Pseudonym("erika")), "subjects appear as keyed pseudonyms")
	for _, e := range entries {
		assert.Equal(t, h.decl.Hash(), e.Policy, "every entry names the declaration in force")
	}
}
