package sqltest

import (
	"context"
	"errors"
	"fmt"
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

// Opener opens a fresh backend on empty tables created for decl.
type Opener func(t *testing.T, decl *policy.Declaration) *Backend

// base is the instant the focused tests count from.
var base = time.Date(2025, 3, 30, 0, 30, 0, 0, time.UTC)

// entry builds a valid audit entry for a batch.
func entry(action string) func([]store.Record, int) (audit.Entry, error) {
	return func(rs []store.Record, n int) (audit.Entry, error) {
		return audit.Entry{Time: base, Action: action, Dataset: "appointment", Count: n}, nil
	}
}

// appointment returns a row of the appointment table.
func appointment(id int64, citizen string, at time.Time) map[string]any {
	return map[string]any{"id": id, "citizen": citizen, "starts_at": at, "created_unix": at, "created_ms": at,
		"created_text": at, "name": fmt.Sprintf("Name %d", id), "email": "a@example.org", "ip": "192.0.2.7"}
}

// RunFocused runs the tests of what is particular to SQL backends: time
// representations, batch claiming under concurrency, the index check.
func RunFocused(t *testing.T, open Opener) {
	decl, err := Declaration()
	require.NoError(t, err)
	ctx := context.Background()

	t.Run("CutoffIsExactInEveryTimeRepresentation", func(t *testing.T) {
		b := open(t, decl)
		// Rows at cutoff-1s, cutoff, cutoff+1s; the cutoff carries a fraction
		// that whole-second representations must round down, not up.
		for i, d := range []time.Duration{-time.Second, 0, time.Second} {
			require.NoError(t, b.Insert(ctx, "appointment", appointment(int64(i+1), "c", base.Add(d))))
		}
		for _, col := range []string{"starts_at", "created_unix", "created_ms", "created_text"} {
			sel := store.Selection{Dataset: "appointment", Now: base, Bounds: []store.Bound{{Column: col, Cutoff: base.Add(500 * time.Millisecond)}}}
			free, held, err := b.Count(ctx, sel)
			require.NoError(t, err, col)
			assert.Equal(t, 2, free, "%s: rows at or before the cutoff", col)
			assert.Zero(t, held, col)
			next, ok, err := b.Earliest(ctx, store.Selection{Dataset: "appointment", Now: base}, col, base.Add(500*time.Millisecond))
			require.NoError(t, err, col)
			require.True(t, ok, col)
			assert.True(t, next.Equal(base.Add(time.Second)), "%s: earliest after the cutoff is %v", col, next)
		}
		times, err := b.Times(ctx, "appointment", "2")
		require.NoError(t, err)
		assert.Len(t, times, 4)
		for name, tm := range times {
			assert.True(t, tm.Equal(base), "%s reads back as %v", name, tm)
		}
	})

	t.Run("ProcessedRecordsComeInTimeThenNumericKeyOrder", func(t *testing.T) {
		b := open(t, decl)
		for _, id := range []int64{10, 2, 33, 1} {
			at := base
			if id == 1 {
				at = base.Add(time.Minute)
			}
			require.NoError(t, b.Insert(ctx, "appointment", appointment(id, "c", at)))
		}
		res, err := b.Process(ctx, store.Batch{
			Selection: store.Selection{Dataset: "appointment", Now: base, Bounds: []store.Bound{{Column: "starts_at", Cutoff: base.Add(time.Hour)}}, Limit: 3},
			Action:    store.Action{Delete: true},
			Audit:     entry("delete"),
		})
		require.NoError(t, err)
		var keys []string
		for _, r := range res.Processed {
			keys = append(keys, r.Key)
			assert.Equal(t, "c", r.Subject)
		}
		assert.Equal(t, []string{"2", "10", "33"}, keys)
		_, ok, err := b.Get(ctx, "appointment", "1")
		require.NoError(t, err)
		assert.True(t, ok, "the record beyond the limit is kept")
	})

	t.Run("NullingAndMarkerExcludeProcessedRecords", func(t *testing.T) {
		b := open(t, decl)
		require.NoError(t, b.Insert(ctx, "appointment", appointment(1, "c", base)))
		sel := store.Selection{Dataset: "appointment", Now: base, Bounds: []store.Bound{{Column: "starts_at", Cutoff: base}}, Marker: "anonymized_at", NotNull: []string{"email"}}
		batch := store.Batch{Selection: sel, Action: store.Action{Null: []string{"email"}, SetMarker: "anonymized_at"}, Audit: entry("anonymize")}
		res, err := b.Process(ctx, batch)
		require.NoError(t, err)
		require.Len(t, res.Processed, 1)
		row, _, err := b.Get(ctx, "appointment", "1")
		require.NoError(t, err)
		assert.Nil(t, row["email"])
		assert.Equal(t, "Name 1", row["name"], "a column the action does not name is untouched")
		assert.Equal(t, base, row["anonymized_at"])
		res, err = b.Process(ctx, batch)
		require.NoError(t, err)
		assert.Empty(t, res.Processed, "a processed record is not selected again")
	})

	t.Run("TextAnIntegerKeyCannotHoldMatchesNothing", func(t *testing.T) {
		// Keys cross the store interface as text; "c-42" can equal no value
		// of an integer key column. PostgreSQL casts bound text to the
		// column's type and would fail the whole statement on it, so the
		// backend must answer "none" instead of an error.
		b := open(t, decl)
		require.NoError(t, b.Insert(ctx, "appointment", appointment(1, "c", base)))
		_, err := b.Times(ctx, "appointment", "c-42")
		require.ErrorIs(t, err, store.ErrNotFound, "Times for a key the key column cannot hold must be ErrNotFound")
		sel := store.Selection{Dataset: "appointment", Now: base, Keys: []string{"c-42", "1"}}
		free, held, err := b.Count(ctx, sel)
		require.NoError(t, err)
		assert.Equal(t, 1, free, "only the key that can exist is counted")
		assert.Zero(t, held)
		res, err := b.Process(ctx, store.Batch{Selection: sel, Action: store.Action{Delete: true}, Audit: entry("delete")})
		require.NoError(t, err, "Process with a key the column cannot hold must not fail the batch")
		require.Len(t, res.Processed, 1)
		assert.Equal(t, "1", res.Processed[0].Key)
		res, err = b.Process(ctx, store.Batch{Selection: store.Selection{Dataset: "appointment", Now: base, Keys: []string{"x"}}, Action: store.Action{Delete: true}, Audit: entry("delete")})
		require.NoError(t, err)
		assert.Empty(t, res.Processed)
	})

	t.Run("FailingTransformChangesNothing", func(t *testing.T) {
		b := open(t, decl)
		require.NoError(t, b.Insert(ctx, "appointment", appointment(1, "c", base)))
		require.NoError(t, b.Insert(ctx, "appointment", appointment(2, "c", base)))
		sel := store.Selection{Dataset: "appointment", Now: base, Bounds: []store.Bound{{Column: "starts_at", Cutoff: base}}}
		// Panics and values for other fields never reach a backend: the
		// callers guard Apply (package store, "Well-formed input").
		calls := 0
		_, err := b.Process(ctx, store.Batch{Selection: sel, Action: store.Action{Transform: []string{"ip"}, Apply: func(r store.Record) (map[string]any, error) {
			calls++
			if calls == 1 {
				return map[string]any{"ip": "192.0.0.0"}, nil
			}
			return nil, errors.New("boom")
		}}, Audit: entry("anonymize")})
		require.Error(t, err)
		row, _, err := b.Get(ctx, "appointment", "1")
		require.NoError(t, err)
		assert.Equal(t, "192.0.2.7", row["ip"], "the first record's update is rolled back")
		entries, err := b.ReadAudit(ctx, 0, 0)
		require.NoError(t, err)
		assert.Empty(t, entries)
	})

	t.Run("TransformWritesOnlyReturnedFields", func(t *testing.T) {
		b := open(t, decl)
		require.NoError(t, b.Insert(ctx, "appointment", appointment(1, "c", base)))
		res, err := b.Process(ctx, store.Batch{
			Selection: store.Selection{Dataset: "appointment", Now: base, Keys: []string{"1"}, Marker: "anonymized_at"},
			Action: store.Action{Transform: []string{"ip", "email"}, SetMarker: "anonymized_at", Apply: func(r store.Record) (map[string]any, error) {
				assert.Equal(t, "192.0.2.7", r.Fields["ip"])
				return map[string]any{"ip": "192.0.2.0"}, nil
			}},
			Audit: entry("anonymize"),
		})
		require.NoError(t, err)
		require.Len(t, res.Processed, 1)
		row, _, err := b.Get(ctx, "appointment", "1")
		require.NoError(t, err)
		assert.Equal(t, "192.0.2.0", row["ip"])
		assert.Equal(t, "a@example.org", row["email"])
		assert.Equal(t, base, row["anonymized_at"])
	})

	t.Run("SubjectHoldInAllDatasetsExcludesRecords", func(t *testing.T) {
		b := open(t, decl)
		require.NoError(t, b.Insert(ctx, "appointment", appointment(1, "held", base)))
		require.NoError(t, b.Insert(ctx, "appointment", appointment(2, "free", base)))
		require.NoError(t, b.Insert(ctx, "contact", map[string]any{"ref": "K-1", "citizen": "held", "settled_at": base, "message": "m"}))
		_, err := b.PlaceHold(ctx, store.Hold{ID: "h1", Subject: "held", Reason: store.HoldLegalClaims, PlacedAt: base}, storetest.HoldEntry("hold.place"))
		require.NoError(t, err)
		for _, ds := range []string{"appointment", "contact"} {
			col := map[string]string{"appointment": "starts_at", "contact": "settled_at"}[ds]
			free, held, err := b.Count(ctx, store.Selection{Dataset: ds, Now: base, Bounds: []store.Bound{{Column: col, Cutoff: base}}})
			require.NoError(t, err)
			assert.Equal(t, 1, held, ds)
			assert.Equal(t, map[string]int{"appointment": 1, "contact": 0}[ds], free, ds)
		}
		_, err = b.ReleaseHold(ctx, "h1", base.Add(time.Hour), storetest.HoldEntry("hold.release"))
		require.NoError(t, err)
		free, held, err := b.Count(ctx, store.Selection{Dataset: "contact", Now: base.Add(time.Hour), Bounds: []store.Bound{{Column: "settled_at", Cutoff: base}}})
		require.NoError(t, err)
		assert.Equal(t, []int{1, 0}, []int{free, held}, "a released hold no longer holds")
	})

	t.Run("ConcurrentSweepersProcessEachRecordOnce", func(t *testing.T) {
		b := open(t, decl)
		const n = 300
		for i := int64(1); i <= n; i++ {
			require.NoError(t, b.Insert(ctx, "appointment", appointment(i, "c", base.Add(-time.Duration(i)*time.Second))))
		}
		var mu sync.Mutex
		seen := map[string]int{}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					res, err := b.Process(ctx, store.Batch{
						Selection: store.Selection{Dataset: "appointment", Now: base, Bounds: []store.Bound{{Column: "starts_at", Cutoff: base}}, Limit: 7},
						Action:    store.Action{Delete: true},
						Audit:     entry("delete"),
					})
					if err != nil {
						errs <- err
						return
					}
					if len(res.Processed) == 0 {
						return
					}
					mu.Lock()
					for _, r := range res.Processed {
						seen[r.Key]++
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		assert.Len(t, seen, n)
		for k, c := range seen {
			require.Equal(t, 1, c, "record %s processed %d times", k, c)
		}
		entries, err := b.ReadAudit(ctx, 0, 0)
		require.NoError(t, err)
		_, err = audit.Verify(entries, nil)
		require.NoError(t, err, "the chain never forks")
		total := 0
		for _, e := range entries {
			total += e.Count
		}
		assert.Equal(t, n, total, "audit counts equal the due count")
	})

	t.Run("UnindexedReportsAMissingIndexFromTheCatalog", func(t *testing.T) {
		b := open(t, decl)
		ic, ok := b.Store.(store.IndexChecker)
		require.True(t, ok)
		un, err := ic.Unindexed(ctx, "appointment", "created_ms")
		require.NoError(t, err)
		assert.False(t, un)
		_, err = b.DB().ExecContext(ctx, `DROP INDEX "appointments_created_ms"`)
		require.NoError(t, err)
		un, err = ic.Unindexed(ctx, "appointment", "created_ms")
		require.NoError(t, err)
		assert.True(t, un)
		_, err = ic.Unindexed(ctx, "appointment", "nope")
		assert.Error(t, err)
		_, err = ic.Unindexed(ctx, "nope", "created_ms")
		assert.ErrorIs(t, err, store.ErrUnknownDataset)
	})
}
