package dsar

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOverdueListsOpenRequestsPastOrNearTheirDeadline(t *testing.T) {
	loc := berlin(t)
	at := time.Date(2026, 6, 3, 12, 0, 0, 0, loc)
	week := 7 * 24 * time.Hour

	// Received 2026-04-20: due 2026-05-20, overdue at `at`.
	late := reach(t, InProgress, time.Date(2026, 4, 20, 9, 0, 0, 0, loc))
	// Received 2026-05-04 in NW: due 2026-06-05 (after Fronleichnam), at risk.
	near := reach(t, Verified, time.Date(2026, 5, 4, 9, 0, 0, 0, loc))
	// Received 2026-05-05: due 2026-06-05 as well (Friday); the tie is
	// ordered by ID, and this one was created later.
	near2 := reach(t, Received, time.Date(2026, 5, 5, 9, 0, 0, 0, loc))
	// Received 2026-05-28: due 2026-06-29, not at risk within a week.
	calm := reach(t, IdentityPending, time.Date(2026, 5, 28, 9, 0, 0, 0, loc))
	// Overdue on the one-month deadline but extended to 2026-07-20.
	extended := reach(t, Verified, time.Date(2026, 4, 20, 9, 0, 0, 0, loc))
	require.NoError(t, extended.Extend(2, "complex", time.Date(2026, 5, 1, 9, 0, 0, 0, loc)))
	// Overdue, but closed: not listed.
	done := reach(t, Completed, time.Date(2026, 4, 1, 9, 0, 0, 0, loc))
	refused := reach(t, Refused, time.Date(2026, 4, 1, 9, 0, 0, 0, loc))

	all := []*Request{calm, near2, done, nil, extended, near, refused, late}
	got := Overdue(all, at, week)
	require.Len(t, got, 3)
	assert.Same(t, late, got[0].Request)
	assert.Same(t, near, got[1].Request)
	assert.Same(t, near2, got[2].Request)

	assert.True(t, got[0].Overdue())
	assert.Equal(t, date(t, "2026-05-20"), got[0].Due.Date)
	assert.Equal(t, time.Date(2026, 5, 21, 0, 0, 0, 0, loc).Sub(at), got[0].Left)
	assert.Less(t, got[0].Left, time.Duration(0))

	assert.False(t, got[1].Overdue())
	assert.Equal(t, date(t, "2026-06-05"), got[1].Due.Date)
	assert.Equal(t, time.Date(2026, 6, 6, 0, 0, 0, 0, loc).Sub(at), got[1].Left)

	// Without a margin only the overdue request is listed.
	got = Overdue(all, at, 0)
	require.Len(t, got, 1)
	assert.Same(t, late, got[0].Request)
	assert.Len(t, Overdue(all, at, -week), 1, "a negative margin counts as zero")

	// At the very end of the period the request is overdue.
	got = Overdue([]*Request{near}, time.Date(2026, 6, 6, 0, 0, 0, 0, loc), 0)
	require.Len(t, got, 1)
	assert.True(t, got[0].Overdue())
	assert.Empty(t, Overdue([]*Request{near}, time.Date(2026, 6, 5, 23, 59, 59, 0, loc), 0))

	assert.Empty(t, Overdue(nil, at, week))
}
