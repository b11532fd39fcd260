package sqldriver

import "fmt"

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

// claimed writes the condition "the record's key is one of the keys the
// batch claims".
func (s *Store) claimed(bd *builder, q *selection) string {
	sub := s.claim(bd, q)
	if kl, ok := s.d.(KeyLister); ok {
		return kl.KeysIn(q.t.key, sub)
	}
	return fmt.Sprintf("%s IN (%s)", q.t.key, sub)
}
