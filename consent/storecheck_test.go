package consent

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/internal/storecheck"
	"github.com/frist-go/frist/store"
)

// countingConsents counts the events that reach the backend and stores
// none.
type countingConsents struct {
	store.ConsentStore
	appended int
}

func (c *countingConsents) AppendConsent(context.Context, store.ConsentEvent, audit.Entry) (audit.Entry, error) {
	c.appended++
	return audit.Entry{}, errors.New("the event reached the store")
}

// TestAnIncompleteEventNeverReachesTheStore: every event the ledger
// appends is checked first (storecheck.ConsentEvent), so a backend is
// never handed one without subject, purpose, kind or time, or with raw
// evidence. This was the contract test AppendConsent/IncompleteEventIsRefused
// every backend ran; the ledger's own methods never build such an event,
// so the test calls appendEvent.
//
// Seen to fail: with the storecheck.ConsentEvent call removed from
// appendEvent, every event reached the store.
func TestAnIncompleteEventNeverReachesTheStore(t *testing.T) {
	cs := &countingConsents{}
	l := &Ledger{cs: cs}
	at := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	good := store.ConsentEvent{Subject: "1001", Purpose: "booking", Kind: store.ConsentGranted, At: at}
	for name, change := range map[string]func(*store.ConsentEvent){
		"no subject":   func(e *store.ConsentEvent) { e.Subject = "" },
		"no purpose":   func(e *store.ConsentEvent) { e.Purpose = "" },
		"no kind":      func(e *store.ConsentEvent) { e.Kind = "" },
		"another kind": func(e *store.ConsentEvent) { e.Kind = "revoked" },
		"no time":      func(e *store.ConsentEvent) { e.At = time.Time{} },
		"raw evidence": func(e *store.ConsentEvent) { e.Evidence = "198.51.100.7" },
	} {
		ev := good
		change(&ev)
		_, err := l.appendEvent(context.Background(), ev, "")
		require.ErrorIs(t, err, storecheck.ErrMalformed, name)
		assert.NotContains(t, err.Error(), "198.51.100.7", name)
	}
	assert.Zero(t, cs.appended, "no event reached the store")
}
