package retention_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/retention"
)

// TestPeriodsUpToTheLongestFristEnforcesAreCalendarExact pins that the
// longest periods the law uses (30 years, § 197 BGB) and the longest frist
// accepts (policy.MaxYears, counted from the year end) are enforced on the
// calendar day they end: never before, and at once after. Before periods
// were capped, a period past 292 years overflowed the span the engine
// brackets its cutoff with, and its records were never selected; checked by
// doubling span's year term, which overflows for 150y from year end and
// makes the sweep at the deadline delete nothing.
func TestPeriodsUpToTheLongestFristEnforcesAreCalendarExact(t *testing.T) {
	loc := berlin(t)
	appointment := time.Date(2024, 10, 20, 10, 0, 0, 0, loc)
	tests := []struct {
		period   string
		deadline time.Time
	}{
		{"30y", time.Date(2054, 10, 20, 10, 0, 0, 0, loc)},
		{"150y", time.Date(2174, 10, 20, 10, 0, 0, 0, loc)},
		{"150y from year end", time.Date(2175, 1, 1, 0, 0, 0, 0, loc)},
		{"1000mo", time.Date(2108, 2, 20, 10, 0, 0, 0, loc)},
	}
	for _, tt := range tests {
		t.Run(tt.period, func(t *testing.T) {
			decl := variant(t, "after: 2w, from: appointment_at", "after: "+tt.period+", from: appointment_at")
			ds, err := retention.Deadlines(decl, "appointment", map[string]time.Time{"appointment_at": appointment}, nil)
			require.NoError(t, err)
			var due time.Time
			for _, d := range ds {
				if d.Rule == "delete_after_appointment" {
					due = d.Due
				}
			}
			assert.Truef(t, due.Equal(tt.deadline), "due %s, want %s", due, tt.deadline)

			for _, at := range []struct {
				now     time.Time
				deleted bool
			}{
				{tt.deadline.Add(-time.Hour), false},
				{tt.deadline, true},
			} {
				h := newHarness(t, decl, appointment, nil)
				h.insert(t, "appointment", map[string]any{"id": int64(1), "citizen_id": "c-1", "starts_at": appointment})
				h.clock.Set(at.now)
				h.sweep(t)
				assert.Equalf(t, !at.deleted, h.exists(t, "appointment", "1"), "sweep at %s", at.now)
			}
		})
	}
}
