package sqltest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
)

// RunReplicas runs four retention engines, each on its own store and
// *sql.DB (as four replicas of an application would), sweeping the same
// database until nothing is due, and checks that every due record was
// processed exactly once: the table holds only the records not yet due,
// the audit log verifies and its counts add up to the due count, and no
// sweep returned an error. first holds the application's tables; replica
// opens another store on the same database.
func RunReplicas(t *testing.T, first *Backend, replica func(t *testing.T) store.Driver) {
	ctx := context.Background()
	now := base.Add(60 * 24 * time.Hour)
	const due, notDue = 3000, 200
	var rows []map[string]any
	for i := int64(1); i <= due+notDue; i++ {
		at := now.Add(-20*24*time.Hour - time.Duration(i)*time.Second)
		if i > due {
			at = now.Add(-time.Duration(i-due) * time.Hour)
		}
		rows = append(rows, appointment(i, fmt.Sprintf("c%d", i%97), at))
	}
	require.NoError(t, first.InsertMany(ctx, "appointment", rows))
	ring, err := anonymize.NewKeyRing(anonymize.Key{ID: "k1", Secret: []byte("0123456789abcdef0123456789abcdef")})
	require.NoError(t, err)

	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for r := 0; r < 4; r++ {
		st := replica(t)
		eng, err := retention.New(first.Decl, st, &retention.Options{
			Now: func() time.Time { return now }, AuditKey: ring, BatchSize: 100, Owner: fmt.Sprintf("replica-%d", r),
		})
		require.NoError(t, err)
		wg.Add(1)
		go func() {
			defer wg.Done()
			deadline := time.Now().Add(2 * time.Minute)
			for time.Now().Before(deadline) {
				rep, err := eng.Sweep(ctx)
				if err != nil {
					errs <- err
					return
				}
				if rep.Skipped {
					time.Sleep(2 * time.Millisecond) // another replica sweeps
				}
				free, _, err := st.Count(ctx, store.Selection{Dataset: "appointment", Now: now,
					Bounds: []store.Bound{{Column: "starts_at", Cutoff: now.Add(-14 * 24 * time.Hour)}}})
				if err != nil {
					errs <- err
					return
				}
				if free == 0 {
					return
				}
			}
			errs <- fmt.Errorf("replica still finds due records after two minutes")
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err, "no error reaches the caller")
	}
	var left int
	require.NoError(t, first.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM appointments`).Scan(&left))
	assert.Equal(t, notDue, left, "every due record is deleted, no other")
	entries, err := first.ReadAudit(ctx, 0, 0)
	require.NoError(t, err)
	_, err = audit.Verify(entries, nil)
	require.NoError(t, err, "the audit chain verifies")
	total := 0
	for _, e := range entries {
		if e.Dataset == "appointment" {
			total += e.Count
		}
	}
	assert.Equal(t, due, total, "audit counts equal the due count: each record processed exactly once")
}
