package retention_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/ledger"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
)

// memLedger is a retention.Ledger in memory that can be made to fail.
type memLedger struct {
	mu   sync.Mutex
	ers  []retention.Erasure
	fail error
}

func (m *memLedger) Append(_ context.Context, er retention.Erasure) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	m.ers = append(m.ers, er)
	return nil
}

func (m *memLedger) Erasures(_ context.Context, fn func(retention.Erasure) error) error {
	m.mu.Lock()
	ers := append([]retention.Erasure(nil), m.ers...)
	m.mu.Unlock()
	for _, er := range ers {
		if err := fn(er); err != nil {
			return err
		}
	}
	return nil
}

// TestAnErasureIsRecordedBeforeAnythingIsTouched pins that the ledger
// holds every event-driven erasure before the data is touched: when it
// cannot record one, nothing is erased and the caller is told.
//
// Seen to fail: with recordErasure called after the rules ran, the
// cancelled appointment was deleted although the ledger refused it.
func TestAnErasureIsRecordedBeforeAnythingIsTouched(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2024, 5, 6, 9, 0, 0, 0, berlin(t))
	led := &memLedger{}
	h := newHarness(t, jobcenter(t), at, &retention.Options{Ledger: led})
	bookings(t, h, at)

	led.fail = errors.New("disk full")
	_, err := h.eng.Trigger(ctx, retention.Event{Kind: policy.EventCancelled, Dataset: "appointment", Key: "2"})
	require.ErrorIs(t, err, retention.ErrLedger)
	assert.True(t, h.exists(t, "appointment", "2"), "nothing is erased that the ledger did not record")
	_, err = h.eng.EraseSubject(ctx, "erika", time.Time{})
	require.ErrorIs(t, err, retention.ErrLedger)
	assert.True(t, h.exists(t, "appointment", "1"))

	led.fail = nil
	_, err = h.eng.Trigger(ctx, retention.Event{Kind: policy.EventCancelled, Dataset: "appointment", Key: "2"})
	require.NoError(t, err)
	assert.False(t, h.exists(t, "appointment", "2"))
	_, err = h.eng.Trigger(ctx, retention.Event{Kind: policy.EventConsentWithdrawn, Subject: "erika", Purpose: "booking"})
	require.NoError(t, err)
	_, err = h.eng.EraseSubject(ctx, "max", time.Time{})
	require.NoError(t, err)
	require.Len(t, led.ers, 3)
	assert.Equal(t, retention.Event{Kind: policy.EventCancelled, Dataset: "appointment", Key: "2", At: at}, led.ers[0].Event)
	assert.Equal(t, retention.Event{Kind: policy.EventConsentWithdrawn, Subject: "erika", Purpose: "booking", At: at}, led.ers[1].Event)
	assert.Equal(t, retention.Event{Kind: policy.EventErasureRequested, Subject: "max", At: at}, led.ers[2].Event)

	// Sweeps do not record: time rules need no replay.
	h.clock.Advance(60 * 24 * time.Hour)
	h.sweep(t)
	assert.Len(t, led.ers, 3)
}

// TestReplayErasesWhatARestoredBackupBroughtBack restores the records a
// cancellation, a withdrawal and an Art. 17 erasure removed, as a backup
// restore would, and replays the file ledger: the same records are gone
// again, the audit log names the ledger entry of each batch, and a second
// replay changes nothing. A record past its time rule's deadline that the
// restore brought back is deleted by the next sweep, without the ledger.
//
// Seen to fail: with Replay skipping the subject erasures (only Trigger
// events replayed), max's restored appointment stayed.
func TestReplayErasesWhatARestoredBackupBroughtBack(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2024, 5, 6, 9, 0, 0, 0, berlin(t))
	decl := jobcenter(t)
	led, err := ledger.Open(filepath.Join(t.TempDir(), "erasures.jsonl"), decl, mustRing("ledger-1"))
	require.NoError(t, err)
	h := newHarness(t, decl, at, &retention.Options{Ledger: led})
	bookings(t, h, at)
	backup := map[string]map[string]any{}
	for _, k := range []string{"1", "2", "3", "4"} {
		backup[k] = h.row(t, "appointment", k)
	}

	_, err = h.eng.Trigger(ctx, retention.Event{Kind: policy.EventCancelled, Dataset: "appointment", Key: "4"})
	require.NoError(t, err)
	_, err = h.eng.Trigger(ctx, retention.Event{Kind: policy.EventConsentWithdrawn, Subject: "erika", Purpose: "booking"})
	require.NoError(t, err)
	for _, k := range []string{"1", "2", "3", "4"} {
		require.False(t, h.exists(t, "appointment", k))
	}

	// The restore: the backup's rows are back, and one more that the
	// backup held and a time rule has since made due.
	for _, k := range []string{"1", "2", "3", "4"} {
		h.insert(t, "appointment", backup[k])
	}
	old := map[string]any{"id": int64(5), "citizen_id": "otto", "starts_at": at.AddDate(0, 0, -30), "name": "Otto Normal", "email": "otto@example.org"}
	h.insert(t, "appointment", old)

	rep, err := h.eng.Replay(ctx, led)
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Erasures)
	assert.Equal(t, 4, rep.Processed)
	for _, k := range []string{"1", "2", "3", "4"} {
		assert.False(t, h.exists(t, "appointment", k), "appointment %s is erased again", k)
	}
	assert.True(t, h.exists(t, "appointment", "5"), "replay runs only the ledger's events")
	var replayed int
	for _, e := range h.verifyAudit(t) {
		if strings.Contains(e.Note, "replayed from erasure ledger entry") {
			replayed += e.Count
		}
	}
	assert.Equal(t, 4, replayed, "the audit log says why each record was erased again")

	again, err := h.eng.Replay(ctx, led)
	require.NoError(t, err)
	assert.Zero(t, again.Processed, "a second replay erases nothing")
	h.sweep(t)
	assert.False(t, h.exists(t, "appointment", "5"), "the next sweep brings the time rules back to compliance")

	// An Art. 17 erasure replays too: max's other appointment is covered
	// by no other entry of the ledger.
	six := map[string]any{"id": int64(6), "citizen_id": "max", "starts_at": at.AddDate(0, 0, 20), "name": "Max Mustermann", "email": "max@example.org"}
	h.insert(t, "appointment", six)
	_, err = h.eng.EraseSubject(ctx, "max", time.Time{})
	require.NoError(t, err)
	require.False(t, h.exists(t, "appointment", "6"))
	h.insert(t, "appointment", six)
	rep, err = h.eng.Replay(ctx, led)
	require.NoError(t, err)
	assert.Equal(t, 3, rep.Erasures)
	assert.Equal(t, 1, rep.Processed)
	assert.False(t, h.exists(t, "appointment", "6"))
}
