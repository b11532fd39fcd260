// Package memstore is an in-memory implementation of store.Driver for
// tests and examples. It keeps the application's records as rows of column
// values, exactly as a SQL backend would find them in the application's
// tables, together with frist's own state: holds, the audit log and leases.
//
// A Store is safe for concurrent use. One mutex serialises every method,
// which makes each Process call trivially atomic (Art. 5(2): every batch is
// recorded together with its audit entry) and means overlapping selections
// can never process a record twice. Process computes every change and the
// audit entry first and commits only when all of them succeeded, so an
// error of Apply or Audit leaves the store exactly as it was.
//
// Rows are map[string]any keyed by SQL column name as the declaration binds
// them: the key column, the subject column, the time columns, the field
// columns and the marker column; other columns are kept as given. Values
// are normalised as a database driver would return them: integers to
// int64, floats to float64, and nil, string, []byte, bool and time.Time as
// they are. A time column accepts time.Time in every format, and also the
// column's own representation: int64 seconds for "unix", int64
// milliseconds for "unix_ms", RFC 3339 text for "rfc3339".
//
// Complexity, for n records in a dataset: Insert is O(1) amortised (new
// index entries are buffered and merged into the sorted index by the next
// query, in O(n + b log b) for b buffered entries). Process, Count and
// Earliest with a time bound walk the index of the first bound's column
// and cost O(log n + s + k) for k records returned and s records skipped
// because they are held, already processed or fail another condition. A
// sweep does not pay again for the records its earlier batches processed:
// the index remembers, per selection shape, where the first matching
// record was, until a write could make a skipped record match again
// (Insert, Update, a field going from NULL to a value, a marker cleared).
// With Keys a selection costs O(|Keys| log |Keys|), with a Subject
// O(m log m) for the subject's m records, and with neither bounds, keys
// nor subject O(n log n). Deleting leaves a tombstone that the next merge
// drops. Inserting 300,000 records and sweeping them in batches of 1000
// takes about three seconds of CPU (TestSweepOfHundredsOfThousandsOfRecords).
package memstore
