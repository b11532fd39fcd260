package logstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/logstore"
)

// Lines of a common or combined log name no subject, so a batch counts
// them instead of listing them (store.BatchResult.Processed): its memory
// does not grow with the files it rewrites. The count reaches the audit
// entry and the result alike.
func TestBatchOnLinesWithoutSubjectReportsTheCountOnly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rotatedLogs(t, dir)
	decl := accessLogDecl(t, dir, policy.MalformedMask, policy.Rule{After: policy.MustParsePeriod("7d"), From: "requested_at", Delete: true})
	st, err := logstore.New(decl, nil)
	require.NoError(t, err)
	defer func() { require.NoError(t, st.Close()) }()
	sel := store.Selection{Dataset: "access_log", Bounds: []store.Bound{{Column: "requested_at", Cutoff: now.AddDate(0, 0, -7)}}, Now: now}
	due, _, err := st.Count(context.Background(), sel)
	require.NoError(t, err)
	require.Positive(t, due)

	type call struct {
		listed []store.Record
		count  int
	}
	var calls []call
	sel.Limit = 1 // a batch still takes whole files
	res, err := st.Process(context.Background(), store.Batch{
		Selection: sel,
		Action:    store.Action{Delete: true},
		Audit: func(rs []store.Record, n int) (audit.Entry, error) {
			calls = append(calls, call{rs, n})
			return audit.Entry{Time: now, Action: "delete", Dataset: "access_log", Rule: "test", Count: n}, nil
		},
	})
	require.NoError(t, err)
	assert.Nil(t, res.Processed, "lines without a subject are counted, not listed")
	assert.Positive(t, res.Count)
	assert.LessOrEqual(t, res.Count, due)
	require.Len(t, calls, 1)
	assert.Nil(t, calls[0].listed)
	assert.Equal(t, res.Count, calls[0].count, "Audit receives the count")
	assert.Equal(t, res.Count, res.Entry.Count)

	left, _, err := st.Count(context.Background(), sel)
	require.NoError(t, err)
	assert.Equal(t, due-res.Count, left, "the count is the number of lines the batch deleted")

}
