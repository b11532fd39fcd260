package sqldriver

import (
	"strconv"
	"strings"
)

// matchable reports whether the text form v can equal a value of a column
// of catalog type typ. A dialect that casts bound text to the column's type
// (PostgreSQL) fails the whole statement on text the type cannot hold
// ("invalid input syntax for type bigint"); such text equals no stored
// value, so the caller answers "none" without asking the database, as it
// does for any other unknown subject or key. Only the integer types that
// keys and subjects have are checked; a dialect that compares without a
// cast (SQLite) is always asked, so its own comparison rules apply.
func (s *Store) matchable(v, typ string) bool {
	if s.d.Cast("", typ) == "" {
		return true
	}
	bits := 0
	switch strings.ToLower(typ) {
	case "smallint":
		bits = 16
	case "integer":
		bits = 32
	case "bigint":
		bits = 64
	default:
		return true
	}
	_, err := strconv.ParseInt(strings.TrimSpace(v), 10, bits)
	return err == nil
}
