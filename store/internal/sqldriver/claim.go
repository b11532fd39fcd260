package sqldriver

import (
	"context"
	"database/sql"
	"fmt"
)

// KeyLister is an optional part of a Dialect: how a batch statement names
// the keys its claiming sub-select returns. Without it the condition is
// "key IN (sub-select)".
//
// PostgreSQL needs it: for a batch of more than a few thousand keys its
// planner turns "key IN (sub-select)" into a hash semi-join over a
// sequential scan of the whole table, so every batch would cost O(table)
// instead of O(batch). "key = ANY(ARRAY(sub-select))" has no such plan: the
// array is computed once and each key is looked up in the key's index.
type KeyLister interface {
	KeysIn(key, sub string) string
}

// RowAddresses is an optional part of a Dialect: a column that addresses a
// row of a table directly, so that a batch statement reaches the rows its
// sub-select claimed without looking each key up in the key's index.
// PostgreSQL's ctid does on a plain table: a claimed row is locked, so its
// ctid cannot change before the statement acts on it, and a TID scan reads
// each row straight from its page, at half the cost of the key lookups on
// a table of a million rows and independent of the table's size.
//
// RowAddress returns "" where there is no such column or it does not
// identify a row: a partitioned table repeats ctids across its partitions,
// and a view has none. Batches then claim by key.
type RowAddresses interface {
	RowAddress(ctx context.Context, db *sql.DB, schema, table string) (string, error)
}

// claimed writes the condition "the record is one of those the batch
// claims": by row address where the table has one, else by key.
func (s *Store) claimed(bd *builder, q *selection) string {
	col := q.t.key
	if q.t.addr != "" {
		col = q.t.addr
	}
	sub := s.claim(bd, q, col)
	if kl, ok := s.d.(KeyLister); ok {
		return kl.KeysIn(col, sub)
	}
	return fmt.Sprintf("%s IN (%s)", col, sub)
}
