package sqltest

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/storetest"
)

// RunConsentExtras runs the tests of the consent ledger that are
// particular to SQL backends: a failure injected between the event and its
// audit entry.
func RunConsentExtras(t *testing.T, f Flavor, b *Backend) {
	// A trigger makes every insert into frist_audit fail, after the event's
	// insert succeeded in the same transaction: AppendConsent must keep
	// neither, so that no consent event is stored without the entry that
	// records it (store.ConsentStore.AppendConsent).
	//
	// Seen to fail: with the event inserted in a transaction of its own
	// before the entry's (as AppendConsent and a separate AppendAudit did
	// before), the event stayed stored after the entry failed.
	t.Run("AppendConsentStoresNeitherWhenTheEntryFails", func(t *testing.T) {
		ctx := context.Background()
		remove := failAuditInserts(t, f, b.DB())
		ev := store.ConsentEvent{ID: "01900000-0000-7000-8000-000000000001", Subject: "1001", Purpose: "booking",
			Kind: store.ConsentGranted, At: storetest.T0, Version: "2024-01", Method: "web_form", Actor: "subject", Reference: "link:once"}
		entry := audit.Entry{Time: storetest.T0, Action: "consent.grant", Count: 1}
		_, err := b.AppendConsent(ctx, ev, entry)
		require.Error(t, err, "the entry's insert fails")
		assert.Contains(t, err.Error(), "injected failure")
		assert.False(t, errors.Is(err, store.ErrConflict), "a failed entry is not a conflict")
		evs, err := b.ConsentEvents(ctx, "1001", "")
		require.NoError(t, err)
		assert.Empty(t, evs, "the event is not stored without its entry")

		remove()
		log, err := b.ReadAudit(ctx, 0, 0)
		require.NoError(t, err)
		assert.Empty(t, log, "no entry is stored")
		// The ID and the link's reference are free: the same event is
		// stored, with its entry, at the head the failure left untouched.
		sealed, err := b.AppendConsent(ctx, ev, entry)
		require.NoError(t, err)
		assert.Equal(t, uint64(1), sealed.Seq)
		log, err = b.ReadAudit(ctx, 0, 0)
		require.NoError(t, err)
		_, err = audit.Verify(log, nil)
		require.NoError(t, err)
		evs, err = b.ConsentEvents(ctx, "1001", "")
		require.NoError(t, err)
		assert.Len(t, evs, 1)
	})
}
