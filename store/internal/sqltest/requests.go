package sqltest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/storetest"
)

// RunRequestExtras runs the tests of the request book and rectification
// that are particular to SQL backends: concurrency against the audit head
// and the version check, values no column can hold, and text an integer
// column cannot hold.
func RunRequestExtras(t *testing.T, open func(t *testing.T, decl *policy.Declaration) *Backend) {
	// Rectifications racing with sweeps' audit entries never fork the chain:
	// each UpdateFields seals its entry to the head under the write lock.
	t.Run("UpdateFieldsConcurrentWithAuditAppendsKeepsTheChain", func(t *testing.T) {
		b := open(t, storetest.Declaration())
		ctx := context.Background()
		const n = 20
		for i := range n {
			require.NoError(t, b.Insert(ctx, storetest.Bookings, map[string]any{"id": int64(i + 1), "citizen_id": int64(42), "email": "old@example.org"}))
		}
		var wg sync.WaitGroup
		errs := make(chan error, 2*n)
		for i := range n {
			wg.Add(2)
			go func() {
				defer wg.Done()
				_, err := b.UpdateFields(ctx, storetest.Bookings, fmt.Sprint(i+1), "42", map[string]any{"email": fmt.Sprintf("new%d@example.org", i)},
					audit.Entry{Time: storetest.T0, Action: "rectify", Dataset: storetest.Bookings, Count: 1})
				errs <- err
			}()
			go func() {
				defer wg.Done()
				_, err := b.AppendAudit(ctx, audit.Entry{Time: storetest.T0, Action: "sweep"})
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		log, err := b.ReadAudit(ctx, 0, 0)
		require.NoError(t, err)
		require.Len(t, log, 2*n)
		head, err := audit.Verify(log, nil)
		require.NoError(t, err, "the chain verifies")
		assert.Equal(t, uint64(2*n), head.Seq)
		for i := range n {
			row, ok, err := b.Get(ctx, storetest.Bookings, fmt.Sprint(i+1))
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, fmt.Sprintf("new%d@example.org", i), row["email"])
		}
	})

	// Two services saving the same request at the same version: exactly one
	// wins, the other gets store.ErrConflict, and the stored request is the
	// winner's.
	t.Run("UpdateRequestConcurrentSavesOneWins", func(t *testing.T) {
		b := open(t, storetest.Declaration())
		ctx := context.Background()
		r := store.Request{ID: "01900000-0000-7000-9000-000000000001", Subject: "42", Kind: "access", State: "received",
			ReceivedAt: storetest.T0, Due: storetest.T0.Add(30 * 24 * time.Hour), Body: []byte(`{}`)}
		require.NoError(t, b.CreateRequest(ctx, r))
		const n = 8
		var wg sync.WaitGroup
		results := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				u := r
				u.Version, u.State, u.Body = 1, fmt.Sprintf("state%d", i), []byte(fmt.Sprintf(`{"w":%d}`, i))
				_, err := b.UpdateRequest(ctx, u)
				results <- err
			}()
		}
		wg.Wait()
		close(results)
		wins := 0
		for err := range results {
			if err == nil {
				wins++
				continue
			}
			require.ErrorIs(t, err, store.ErrConflict)
		}
		assert.Equal(t, 1, wins)
		got, err := b.Request(ctx, r.ID)
		require.NoError(t, err)
		assert.Equal(t, 2, got.Version)
		assert.Equal(t, strings.TrimPrefix(got.State, "state"), strings.TrimSuffix(strings.TrimPrefix(string(got.Body), `{"w":`), "}"),
			"state and body are the same writer's")
	})

	// After PseudonymizeRequests the subject appears in no column of any
	// row of frist_requests, read raw, not through the store. Broken by: an
	// UPDATE that appended the pseudonym to the subject instead of
	// replacing it.
	t.Run("PseudonymizedSubjectAppearsInNoRequestRow", func(t *testing.T) {
		b := open(t, storetest.Declaration())
		ctx := context.Background()
		closed := storetest.T0.Add(time.Hour)
		for i, final := range []bool{true, true, false} {
			r := store.Request{ID: fmt.Sprintf("01900000-0000-7000-9000-%012d", i+1), Subject: "citizen-4711", Kind: "access", State: "completed",
				Final: final, ReceivedAt: storetest.T0, Due: storetest.T0.Add(30 * 24 * time.Hour), Body: []byte(`{"kind":"access"}`)}
			if final {
				r.ClosedAt = closed
			} else {
				r.Subject, r.State = "citizen-0815", "received"
			}
			require.NoError(t, b.CreateRequest(ctx, r))
		}
		n, err := b.PseudonymizeRequests(ctx, closed.Add(time.Second), func(s string) string { return "p:" + strings.ToUpper(s) })
		require.NoError(t, err)
		require.Equal(t, 2, n)
		rows, err := b.DB().QueryContext(ctx, "SELECT * FROM frist_requests")
		require.NoError(t, err)
		defer rows.Close()
		cols, err := rows.Columns()
		require.NoError(t, err)
		seen, open := 0, 0
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			require.NoError(t, rows.Scan(ptrs...))
			for i, v := range vals {
				text := fmt.Sprint(v)
				if bs, ok := v.([]byte); ok {
					text = string(bs)
				}
				assert.NotContains(t, text, "citizen-4711", "column %s", cols[i])
				if strings.Contains(text, "citizen-0815") {
					open++
				}
			}
			seen++
		}
		require.NoError(t, rows.Err())
		assert.Equal(t, 3, seen)
		assert.Equal(t, 1, open, "the open request keeps its subject")
	})

	// UpdateFields refuses a value no column can hold, naming the field, and
	// changes nothing.
	t.Run("UpdateFieldsRefusesAValueOfAnUnstorableType", func(t *testing.T) {
		b := open(t, storetest.Declaration())
		ctx := context.Background()
		require.NoError(t, b.Insert(ctx, storetest.Bookings, map[string]any{"id": int64(1), "citizen_id": int64(42), "email": "old@example.org"}))
		_, err := b.UpdateFields(ctx, storetest.Bookings, "1", "42", map[string]any{"email": struct{}{}},
			audit.Entry{Time: storetest.T0, Action: "rectify", Count: 1})
		require.ErrorContains(t, err, `field "email"`)
		row, _, err := b.Get(ctx, storetest.Bookings, "1")
		require.NoError(t, err)
		assert.Equal(t, "old@example.org", row["email"])
		log, err := b.ReadAudit(ctx, 0, 0)
		require.NoError(t, err)
		assert.Empty(t, log)
	})

	// A subject or key that the integer column cannot hold is an unknown one:
	// no records and store.ErrNotFound, not a failed statement (PostgreSQL
	// would refuse to cast the text to the column's type).
	t.Run("TextThatAnIntegerColumnCannotHoldMatchesNothing", func(t *testing.T) {
		b := open(t, storetest.Declaration())
		ctx := context.Background()
		require.NoError(t, b.Insert(ctx, storetest.Bookings, map[string]any{"id": int64(1), "citizen_id": int64(42), "email": "old@example.org"}))
		for _, subject := range []string{"c-42", "42x", "99999999999999999999"} {
			recs, err := b.Records(ctx, storetest.Bookings, subject, nil)
			require.NoError(t, err, subject)
			assert.Empty(t, recs, subject)
		}
		entry := audit.Entry{Time: storetest.T0, Action: "rectify", Count: 1}
		for _, tc := range []struct{ key, subject string }{{"1", "c-42"}, {"one", "42"}} {
			_, err := b.UpdateFields(ctx, storetest.Bookings, tc.key, tc.subject, map[string]any{"email": "x"}, entry)
			require.ErrorIs(t, err, store.ErrNotFound, "key %q, subject %q", tc.key, tc.subject)
		}
		row, _, err := b.Get(ctx, storetest.Bookings, "1")
		require.NoError(t, err)
		assert.Equal(t, "old@example.org", row["email"])
	})
}
