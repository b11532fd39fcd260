package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/internal/sqldriver"
)

// runBatch is SQLite's batch strategy (sqldriver.BatchFunc): range
// batches in one BEGIN IMMEDIATE transaction, which excludes every other
// writer from before its first read until it ends (BeginBatch).
//
// A claimed batch, "DELETE ... WHERE key IN (SELECT key ... LIMIT n)",
// collects n keys and then looks each one up in the table; on SQLite that
// costs about twice a range delete per record. A range batch first reads
// the position of its last record in the selection's order, (time column,
// key), walking the index without touching the table (lastOf), and then
// processes "every selected record up to that position" in one range
// statement, at the speed of a hand-written DELETE ... WHERE time <
// cutoff. Nothing can insert, change or hold a record between the two
// statements.
//
// The same exclusion lets a batch ask once whether any hold on its dataset
// is active and, when none is, leave the per-record hold probes out of its
// statements (sqldriver.Scope.HoldFree): with them SQLite can no longer
// delete in one pass, which costs about 40% of a large delete even when
// the probes find nothing.
//
// A Go operator's batch is read in the selection's order, and each record
// is written back by key with one prepared UPDATE: SQLite runs in the
// process, where a statement per record costs no round trip.
func (w *writeLock) runBatch(ctx context.Context, b *sqldriver.Batch) (store.BatchResult, error) {
	tx, err := w.BeginBatch(ctx, b.DB())
	if err != nil {
		return store.BatchResult{}, b.Errorf("begin batch: %w", err)
	}
	d, err := rangeBatch(ctx, tx, b)
	if err != nil {
		return store.BatchResult{}, sqldriver.Rollback(tx, err)
	}
	return b.Commit(ctx, tx, d)
}

// rangeBatch processes b in tx, which excludes every other writer.
func rangeBatch(ctx context.Context, tx sqldriver.Tx, b *sqldriver.Batch) (sqldriver.Done, error) {
	var sc sqldriver.Scope
	var err error
	if sc.HoldFree, err = b.NoHoldApplies(ctx, tx); err != nil {
		return sqldriver.Done{}, err
	}
	if b.Transforms() {
		return b.Transform(ctx, tx, sc, "", "", func(recs []store.Record, _ []string, g sqldriver.Group) error {
			return b.UpdateEach(ctx, tx, recs, g)
		})
	}
	if sc.UpTo, err = lastOf(ctx, tx, b, sc); err != nil {
		return sqldriver.Done{}, err
	}
	bd := b.Builder()
	stmt := b.Act(bd, b.Table()+" AS t", b.Where(bd, sc))
	if b.CountOnly() {
		n, err := b.ExecCount(ctx, tx, bd, stmt)
		return sqldriver.Done{Count: n, Next: sc.UpTo}, err
	}
	recs, err := b.Returned(ctx, tx, bd, stmt+b.Returning())
	return sqldriver.Done{Processed: recs, Count: len(recs), Next: sc.UpTo}, err
}

// lastOf reads the position of the last record of the batch b selects
// within sc: the values of its order columns, exactly as stored. It
// returns nil when fewer records than b's limit are selected, so the batch
// is all of them, or when b has no limit.
func lastOf(ctx context.Context, tx sqldriver.Tx, b *sqldriver.Batch, sc sqldriver.Scope) ([]any, error) {
	if b.Limit() <= 0 {
		return nil, nil
	}
	cols := b.OrderCols()
	for i, c := range cols {
		cols[i] = b.Raw(c)
	}
	bd := b.Builder()
	stmt := fmt.Sprintf("%s LIMIT 1 OFFSET %d", b.Select(bd, cols, sc), b.Limit()-1)
	last := make([]any, len(cols))
	dst := make([]any, len(cols))
	for i := range last {
		dst[i] = &last[i]
	}
	err := tx.QueryRowContext(ctx, stmt, bd.Args()...).Scan(dst...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, b.Errorf("find the end of the batch: %w", err)
	}
	return last, nil
}
