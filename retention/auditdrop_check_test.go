package retention_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
)

// latestDrop verifies the kept log of mem from its base and returns the
// base and the drop entry the Verifier matched to it.
func latestDrop(t *testing.T, h *harness) (audit.Base, audit.Entry) {
	t.Helper()
	ctx := context.Background()
	base, err := h.mem.AuditBase(ctx)
	require.NoError(t, err)
	require.False(t, base.IsZero(), "the sweep dropped entries")
	log, err := h.mem.ReadAudit(ctx, 0, 0)
	require.NoError(t, err)
	v := audit.NewVerifierFrom(base, nil)
	for _, e := range log {
		require.NoError(t, v.Add(e))
	}
	_, err = v.Done()
	require.NoError(t, err)
	drop, ok := v.LatestDrop()
	require.True(t, ok)
	return base, drop
}

// withAuditPeriod returns the test declaration with records.audit set to
// keep, counted from the entry's time.
func withAuditPeriod(t *testing.T, keep string) *policy.Declaration {
	t.Helper()
	d := jobcenter(t)
	d.Records = &policy.Records{Audit: policy.RecordPeriod{Keep: policy.MustParsePeriod(keep), From: policy.FromEnd}}
	require.NoError(t, d.Validate())
	return d
}

// A sweep's drop is never found early, whatever the period, even when the
// last entry dropped is the latest the period lets go: an entry exactly
// one period before the sweep is dropped, one a microsecond later is
// kept, and the sweep's clock reads nanoseconds the entries' times do not
// keep. (Under the default period the last entry of 2022 is dropped in
// March 2026.) Seen to fail: with CheckAuditDrop's KeptUntil.After(At)
// replaced by !KeptUntil.Before(At) (a deadline equal to the drop's time
// taken as not yet reached), the four cases whose period ends exactly at
// the sweep were reported early; with the period counted from the drop's
// time instead of the base's, every case was.
func TestASweepsDropIsNeverFoundEarly(t *testing.T) {
	be := berlin(t)
	at := time.Date(2026, 3, 15, 10, 0, 0, 0, be)
	tests := []struct {
		name string
		decl func(t *testing.T) *policy.Declaration
		// last is the latest entry time the period lets go at at.
		last time.Time
	}{
		{name: "default, three years from the year end", decl: func(t *testing.T) *policy.Declaration { return jobcenter(t) }, last: time.Date(2022, 12, 31, 23, 59, 59, 999999000, be)},
		{name: "1d", decl: func(t *testing.T) *policy.Declaration { return withAuditPeriod(t, "1d") }, last: at.AddDate(0, 0, -1)},
		{name: "36h", decl: func(t *testing.T) *policy.Declaration { return withAuditPeriod(t, "36h") }, last: at.Add(-36 * time.Hour)},
		{name: "2w", decl: func(t *testing.T) *policy.Declaration { return withAuditPeriod(t, "2w") }, last: at.AddDate(0, 0, -14)},
		{name: "1mo", decl: func(t *testing.T) *policy.Declaration { return withAuditPeriod(t, "1mo") }, last: at.AddDate(0, -1, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			d := tt.decl(t)
			h := newHarness(t, d, tt.last, nil)
			for _, e := range []time.Time{tt.last.Add(-time.Hour), tt.last, tt.last.Add(time.Microsecond)} {
				_, err := h.mem.AppendAudit(ctx, audit.Entry{Time: e, Action: "hold.place", Note: "§ 147 AO"})
				require.NoError(t, err)
			}
			h.clock.Set(at.Add(500 * time.Nanosecond))
			_, err := h.eng.Sweep(ctx)
			require.NoError(t, err)
			base, drop := latestDrop(t, h)
			require.Equal(t, uint64(2), base.Seq, "the entry at the end of its period is dropped, the next kept")
			c, err := retention.CheckAuditDrop(d, base, drop)
			require.NoError(t, err)
			assert.False(t, c.Early)
			assert.False(t, c.OtherDeclaration)
			assert.False(t, c.KeptUntil.After(c.At), "kept until %s, dropped at %s", c.KeptUntil, c.At)
		})
	}
}

// The check is exact at the boundary: a last entry dropped whose period
// ends at the drop's time was not dropped early, one a microsecond later
// was, and the finding names the base's position, the entry's time, until
// when the declaration keeps it and when it was dropped. Seen to fail:
// with KeptUntil.After(At) replaced by !KeptUntil.Before(At), the entries
// exactly at the end of their period were reported early; with the
// deadline counted in UTC instead of the declaration's zone, both default
// cases failed (the first microsecond of 2025 in Berlin is 2024 in UTC);
// with the period counted from the drop's time, every case failed.
func TestCheckAuditDropIsExactAtTheBoundary(t *testing.T) {
	be := berlin(t)
	day := withAuditPeriod(t, "1d")
	def := jobcenter(t)
	dropAt := time.Date(2028, 1, 1, 0, 0, 0, 0, be)
	tests := []struct {
		name      string
		decl      *policy.Declaration
		last, at  time.Time
		early     bool
		keptUntil time.Time
		reason    string
	}{
		{name: "1d, the period ends at the drop", decl: day, last: dropAt.AddDate(0, 0, -1), at: dropAt, keptUntil: dropAt},
		{name: "1d, a microsecond later", decl: day, last: dropAt.AddDate(0, 0, -1).Add(time.Microsecond), at: dropAt, early: true,
			keptUntil: dropAt.Add(time.Microsecond),
			reason:    "the base says entry 5, written at 2027-12-31T00:00:00.000001+01:00, was dropped at 2028-01-01T00:00:00+01:00 (recorded by entry 9), but records.audit of the declaration (1d) keeps it until 2028-01-01T00:00:00+01:00: it was dropped early"},
		{name: "default, the last microsecond of 2024 in Berlin", decl: def, last: time.Date(2024, 12, 31, 23, 59, 59, 999999000, be), at: dropAt, keptUntil: dropAt},
		{name: "default, the first microsecond of 2025 in Berlin (23:00 UTC in 2024)", decl: def, last: time.Date(2024, 12, 31, 23, 0, 0, 0, time.UTC), at: dropAt, early: true,
			keptUntil: time.Date(2029, 1, 1, 0, 0, 0, 0, be),
			reason:    "the base says entry 5, written at 2025-01-01T00:00:00+01:00, was dropped at 2028-01-01T00:00:00+01:00 (recorded by entry 9), but records.audit of the declaration (3y from year end) keeps it until 2029-01-01T00:00:00+01:00: it was dropped early"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := audit.Base{Seq: 5, Hash: "h", Time: tt.last, Genesis: "g"}
			drop := audit.Entry{Seq: 9, Time: tt.at, Action: audit.DropAction, Policy: tt.decl.Hash()}
			c, err := retention.CheckAuditDrop(tt.decl, b, drop)
			assert.Equal(t, tt.early, c.Early)
			assert.True(t, tt.keptUntil.Equal(c.KeptUntil), "kept until %s, want %s", c.KeptUntil, tt.keptUntil)
			assert.True(t, tt.at.Equal(c.At))
			if !tt.early {
				require.NoError(t, err)
				return
			}
			var ve *audit.VerifyError
			require.True(t, errors.As(err, &ve), "%v", err)
			assert.Equal(t, audit.Early, ve.Kind)
			assert.Equal(t, uint64(5), ve.Seq)
			assert.Equal(t, tt.reason, ve.Reason)
			assert.ErrorIs(t, err, audit.ErrBroken)
		})
	}
}

// A drop made under another declaration is checked against the one given
// and says so, whether or not it was early; a declaration that keeps the
// log without end (no period after which anything may go) makes any drop
// early; the zero Base, nothing dropped, is never early. Seen to fail:
// with OtherDeclaration computed only for an early drop, the "not early"
// case did not say so; with the zero cutoff of EndedBefore read as
// "everything is due", the log kept without end was not early.
func TestCheckAuditDropUnderAnotherDeclarationOrWithoutEnd(t *testing.T) {
	d := withAuditPeriod(t, "1d")
	at := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	old := audit.Base{Seq: 3, Hash: "h", Time: at.AddDate(0, 0, -2), Genesis: "g"}
	recent := audit.Base{Seq: 3, Hash: "h", Time: at.Add(-time.Hour), Genesis: "g"}
	drop := audit.Entry{Seq: 4, Time: at, Action: audit.DropAction, Policy: "0123abcd"}

	c, err := retention.CheckAuditDrop(d, old, drop)
	require.NoError(t, err)
	assert.True(t, c.OtherDeclaration, "the drop names another declaration even when it was not early")
	assert.False(t, c.Early)

	c, err = retention.CheckAuditDrop(d, recent, drop)
	require.Error(t, err)
	assert.True(t, c.Early)
	assert.True(t, c.OtherDeclaration)
	assert.Contains(t, err.Error(), "the drop was made under another version of the declaration (hash 0123abcd, this one's is "+d.Hash()+"), and the check uses the one given")

	drop.Policy = d.Hash()
	_, err = retention.CheckAuditDrop(d, recent, drop)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "another version")

	forever := jobcenter(t)
	// Not a period a declaration can state (Validate refuses it), but one
	// after which EndedBefore lets nothing go.
	forever.Records = &policy.Records{Audit: policy.RecordPeriod{Keep: policy.Period{N: 0, Unit: policy.Years}, From: policy.FromEnd}}
	drop.Policy = forever.Hash()
	c, err = retention.CheckAuditDrop(forever, old, drop)
	require.Error(t, err)
	assert.True(t, c.Early)
	assert.True(t, c.KeptUntil.IsZero())
	assert.Contains(t, err.Error(), "keeps the log without end")

	c, err = retention.CheckAuditDrop(d, audit.Base{}, audit.Entry{})
	require.NoError(t, err)
	assert.Equal(t, retention.AuditDropCheck{}, c)
}
