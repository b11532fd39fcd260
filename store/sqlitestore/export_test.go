package sqlitestore

import "github.com/frist-go/frist/store/internal/sqldriver"

// Dialect returns the store's dialect, for the shared test helpers of
// store/internal/sqltest, which write rows as the dialect binds them.
func (s *Store) Dialect() sqldriver.Dialect { return s.shared.Dialect() }
