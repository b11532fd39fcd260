package retention_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
)

// TestSweepDropsAuditEntriesWhosePeriodEndedNeverEarly: under the default
// period (three years from the end of the entry's year, in the
// controller's zone, Europe/Berlin), an entry written at 23:30 UTC on 31
// December 2024, which is 00:30 on 1 January 2025 in Berlin, is a 2025
// entry: it is due on 1 January 2029, not 2028. An entry of 2024 is
// dropped at midnight in Berlin on 1 January 2028 and not a millisecond
// before; the drop is reported under the kind "audit", recorded by an
// entry signed with the engine's key, and the rest verifies from the
// signed base.
//
// Seen to fail: with the cutoff computed in UTC instead of the
// declaration's zone (decl.Location() replaced by nil in keepAudit), the
// 2025 entry was dropped in the sweep of 1 January 2028 01:30 Berlin,
// a year early; with the sweep's clock read again instead of its start,
// the entry was dropped in the sweep that started a millisecond before
// midnight (a keeper before it advances the clock a minute).
func TestSweepDropsAuditEntriesWhosePeriodEndedNeverEarly(t *testing.T) {
	ctx := context.Background()
	be := berlin(t)
	in2024 := time.Date(2024, 12, 31, 22, 30, 0, 0, time.UTC) // 23:30 in Berlin
	in2025 := time.Date(2024, 12, 31, 23, 30, 0, 0, time.UTC) // 00:30 on 1 January in Berlin
	h := newHarness(t, jobcenter(t), in2024, nil)
	h.eng.Keep(&fakeKeeper{h: h, kind: "consent"}) // advances the clock a minute
	for _, at := range []time.Time{in2024, in2024, in2025} {
		_, err := h.mem.AppendAudit(ctx, audit.Entry{Time: at, Action: "hold.place", Note: "§ 147 AO"})
		require.NoError(t, err)
	}
	sweep := func(at time.Time) retention.RecordsReport {
		t.Helper()
		h.clock.Set(at)
		rep, err := h.eng.Sweep(ctx)
		require.NoError(t, err)
		for _, rr := range rep.Records {
			if rr.Kind == "audit" {
				return rr
			}
		}
		t.Fatalf("the sweep reports no audit records: %+v", rep.Records)
		return retention.RecordsReport{}
	}
	midnight := time.Date(2028, 1, 1, 0, 0, 0, 0, be)
	assert.Equal(t, retention.RecordsReport{Kind: "audit", Own: store.AuditRecords}, sweep(midnight.Add(-time.Millisecond)), "a millisecond before the end of the period nothing is dropped")
	base, err := h.mem.AuditBase(ctx)
	require.NoError(t, err)
	require.True(t, base.IsZero())

	assert.Equal(t, retention.RecordsReport{Kind: "audit", Own: store.AuditRecords, Deleted: 2}, sweep(midnight), "both 2024 entries are dropped at midnight in Berlin")
	assert.Equal(t, retention.RecordsReport{Kind: "audit", Own: store.AuditRecords}, sweep(midnight.Add(90*time.Minute)), "the 2025 entry is kept: 00:30 in Berlin is 2025")

	base, err = h.mem.AuditBase(ctx)
	require.NoError(t, err)
	assert.Equal(t, uint64(2), base.Seq)
	log, err := h.mem.ReadAudit(ctx, 0, 0)
	require.NoError(t, err)
	require.NotEmpty(t, log)
	assert.True(t, log[0].Time.Equal(in2025), "the kept log starts at the 2025 entry")
	signer, err := retention.AuditSigner(auditKey)
	require.NoError(t, err)
	v := audit.NewVerifierFrom(base, nil)
	v.RequireSignatures(audit.Keys{signer.ID(): signer.PublicKey().Key}, 3)
	for _, e := range log {
		require.NoError(t, v.Add(e))
	}
	_, err = v.Done()
	require.NoError(t, err, "the kept log verifies from the signed base")
	var drops int
	for _, e := range log {
		if first, last, ok := audit.ParseDrop(e); ok {
			drops++
			assert.Equal(t, [2]uint64{1, 2}, [2]uint64{first, last})
			assert.Empty(t, e.Subjects)
			assert.Equal(t, h.eng.Declaration().Hash(), e.Policy)
		}
	}
	assert.Equal(t, 1, drops)

	assert.Equal(t, retention.RecordsReport{Kind: "audit", Own: store.AuditRecords, Deleted: 1}, sweep(time.Date(2029, 1, 1, 0, 0, 0, 0, be)), "the 2025 entry at the end of its own period")
}

// A declared period replaces the default, and a short one drops entries in
// bounded batches: each batch its own atomic drop with its own entry.
// Seen to fail: with Through not advanced from the last batch (through
// += batch from the old base only), the second batch dropped nothing.
func TestSweepDropsAuditEntriesByTheDeclaredPeriodInBatches(t *testing.T) {
	ctx := context.Background()
	d := jobcenter(t)
	d.Records = &policy.Records{Audit: policy.RecordPeriod{Keep: policy.MustParsePeriod("1d"), From: policy.FromEnd}}
	require.NoError(t, d.Validate())
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	h := newHarness(t, d, start, nil)
	const n = 10000 + 5
	for i := range n {
		_, err := h.mem.AppendAudit(ctx, audit.Entry{Time: start.Add(time.Duration(i) * time.Millisecond), Action: "delete", Count: 1})
		require.NoError(t, err)
	}
	h.clock.Set(start.Add(24*time.Hour + time.Hour))
	rep, err := h.eng.Sweep(ctx)
	require.NoError(t, err)
	require.Equal(t, retention.RecordsReport{Kind: "audit", Own: store.AuditRecords, Deleted: n}, rep.Records[len(rep.Records)-1])
	log, err := h.mem.ReadAudit(ctx, 0, 0)
	require.NoError(t, err)
	var drops []uint64
	for _, e := range log {
		if _, last, ok := audit.ParseDrop(e); ok {
			drops = append(drops, last)
		}
	}
	assert.Equal(t, []uint64{10000, n}, drops, "two drops, the first bounded")
	base, err := h.mem.AuditBase(ctx)
	require.NoError(t, err)
	_, err = audit.VerifyFrom(base, log, nil)
	require.NoError(t, err)
}
