package sqldriver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// RangeBatcher is an optional part of a Dialect: batches are bounded by
// their last record rather than claimed by key, and whether a hold applies
// is asked once per batch rather than of every record. SQLite implements
// it.
//
// A claimed batch, "DELETE ... WHERE key IN (SELECT key ... LIMIT n)",
// collects n keys and then looks each one up in the table; on SQLite that
// costs about twice a range delete per record. A range batch first reads
// the position of its last record in the selection's order, (time column,
// key), walking the index without touching the table, and then processes
// "every selected record up to that position" in one range statement, at
// the speed of a hand-written DELETE ... WHERE time < cutoff. It needs a
// write transaction that excludes every other writer between the two
// statements, which BEGIN IMMEDIATE gives on SQLite; PostgreSQL claims
// with FOR UPDATE SKIP LOCKED instead.
//
// The same exclusion lets a batch ask once whether any hold on its dataset
// is active and, when none is, leave the per-record hold probes out of its
// statements: with them SQLite can no longer delete in one pass, which
// costs about 40% of a large delete even when the probes find nothing.
type RangeBatcher interface {
	RangeBatches() bool
}

// noHoldApplies reports whether no hold on q's dataset, or on every
// dataset, is active at q's time. Only a transaction that excludes other
// writers may rely on the answer for its later statements.
func (s *Store) noHoldApplies(ctx context.Context, tx Tx, q *selection) (bool, error) {
	bd := &builder{d: s.d}
	stmt := fmt.Sprintf("SELECT COUNT(*) FROM %s h WHERE (h.dataset = %s OR h.dataset = '') AND %s",
		s.own("frist_holds"), bd.arg(q.t.id), bd.active(q.sel.Now))
	var n int64
	if err := tx.QueryRowContext(ctx, stmt, bd.args...).Scan(&n); err != nil {
		return false, s.errorf("dataset %q: read holds: %w", q.t.id, err)
	}
	return n == 0, nil
}

// rangeBatches reports whether the dialect bounds batches by range.
func (s *Store) rangeBatches() bool {
	rb, ok := s.d.(RangeBatcher)
	return ok && rb.RangeBatches()
}

// orderCols returns the columns that order a selection: the first bound's
// time column and the key, or the key alone.
func (q *selection) orderCols() []string {
	if q.order != nil {
		return []string{"t." + q.order.col, "t." + q.t.key}
	}
	return []string{"t." + q.t.key}
}

// lastOfBatch reads the position of the last record of the batch q
// selects: the values of its order columns, exactly as stored. It returns
// nil when fewer records than q's limit are free, so the batch is all of
// them, or when q has no limit.
func (s *Store) lastOfBatch(ctx context.Context, tx Tx, q *selection) ([]any, error) {
	if q.sel.Limit <= 0 || q.none {
		return nil, nil
	}
	cols := q.orderCols()
	// Read as stored (RawValues), so the values bind back as exactly the
	// stored ones.
	sel := make([]string, len(cols))
	for i, c := range cols {
		sel[i] = s.raw(c)
	}
	bd := &builder{d: s.d}
	stmt := fmt.Sprintf("SELECT %s FROM %s t WHERE %s AND %s%s LIMIT 1 OFFSET %d",
		strings.Join(sel, ", "), q.t.name, q.where(bd), s.notHeld(bd, q), q.orderBy(), q.sel.Limit-1)
	last := make([]any, len(cols))
	err := tx.QueryRowContext(ctx, stmt, bd.args...).Scan(pointers(last)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, s.errorf("dataset %q: find the end of the batch: %w", q.t.id, err)
	}
	return last, nil
}
