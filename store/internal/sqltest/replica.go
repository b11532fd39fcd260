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
// database until nothing is due, and checks that only one replica at a
// time sweeps a rule, and that every due record was processed exactly
// once: the table holds only the records not yet due, the audit log
// verifies and its counts add up to the due count, and no sweep returned
// an error. first holds the application's tables; replica opens another
// store on the same database.
//
// Each replica's store is wrapped by a sweepWatch, which sees the span of
// every replica's sweep of every rule and counts the spans of one rule
// that overlap. The backends process each record once even when sweeps
// overlap (their batches never claim a record twice), so the counts alone
// cannot tell a working sweep lease from a broken one; the overlap count
// can. Checked against a broken lease: with sqldriver's AcquireLease
// changed to return true at once, this test failed in each of six runs on
// SQLite and on PostgreSQL with "two replicas swept one rule at the same
// time" (3 to 7 overlapping spans, four replicas in one rule at once),
// while the counts still added up. The replicas start together: started
// one by one, the first could finish alone and a broken lease go unseen.
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

	watch := newSweepWatch()
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	start := make(chan struct{}) // the replicas start together, as after a deploy
	for r := 0; r < 4; r++ {
		st := replica(t)
		eng, err := retention.New(first.Decl, watch.wrap(st, r), &retention.Options{
			Now: func() time.Time { return now }, AuditKey: ring, BatchSize: 100, Owner: fmt.Sprintf("replica-%d", r),
		})
		require.NoError(t, err)
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
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
				// The test's own look goes past the watch: it is no sweep.
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
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err, "no error reaches the caller")
	}
	spans, overlaps, most := watch.result()
	t.Logf("%d sweeps of a rule, %d overlapping, at most %d replicas in one rule", spans, overlaps, most)
	assert.Positive(t, spans, "the watch saw the replicas sweep")
	assert.Zero(t, overlaps, "two replicas swept one rule at the same time (at most %d at once): the sweep lease let more than one in", most)
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

// sweepWatch observes the replicas' sweeps of each rule through their
// stores. A replica's sweep of a rule is what the engine does for one
// dataset between taking the lease and releasing it: it opens with the
// replica's first call for the dataset (Earliest, Process or Count) and
// closes at its first call for another dataset or its release of the
// lease. A span that opens while another replica's span of the same
// dataset is open is an overlap.
type sweepWatch struct {
	mu       sync.Mutex
	open     map[int]string // replica -> dataset whose span is open
	active   map[string]int // dataset -> replicas in an open span
	spans    int
	overlaps int
	most     int
}

func newSweepWatch() *sweepWatch {
	return &sweepWatch{open: map[int]string{}, active: map[string]int{}}
}

// wrap returns st as replica r's store, reporting to w.
func (w *sweepWatch) wrap(st store.Driver, r int) store.Driver {
	return &watchedStore{Driver: st, w: w, replica: r}
}

// enter records that replica r works on dataset.
func (w *sweepWatch) enter(r int, dataset string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if cur, ok := w.open[r]; ok {
		if cur == dataset {
			return
		}
		w.active[cur]--
	}
	w.open[r] = dataset
	w.spans++
	if w.active[dataset] > 0 {
		w.overlaps++
	}
	w.active[dataset]++
	w.most = max(w.most, w.active[dataset])
}

// leave closes replica r's open span, if any.
func (w *sweepWatch) leave(r int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if cur, ok := w.open[r]; ok {
		w.active[cur]--
		delete(w.open, r)
	}
}

func (w *sweepWatch) result() (spans, overlaps, most int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.spans, w.overlaps, w.most
}

// watchedStore is one replica's store as the watch sees it.
type watchedStore struct {
	store.Driver
	w       *sweepWatch
	replica int
}

func (s *watchedStore) Process(ctx context.Context, b store.Batch) (store.BatchResult, error) {
	s.w.enter(s.replica, b.Dataset)
	return s.Driver.Process(ctx, b)
}

func (s *watchedStore) Count(ctx context.Context, sel store.Selection) (int, int, error) {
	s.w.enter(s.replica, sel.Dataset)
	return s.Driver.Count(ctx, sel)
}

func (s *watchedStore) Earliest(ctx context.Context, sel store.Selection, column string, after time.Time) (time.Time, bool, error) {
	s.w.enter(s.replica, sel.Dataset)
	return s.Driver.Earliest(ctx, sel, column, after)
}

func (s *watchedStore) ReleaseLease(ctx context.Context, name, owner string) error {
	s.w.leave(s.replica)
	return s.Driver.ReleaseLease(ctx, name, owner)
}
