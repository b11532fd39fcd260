package store

import "context"

// IndexChecker is an optional interface a Driver may implement, found by
// type assertion. retention's Plan uses it to warn when a rule's time
// column has no index, because then every sweep reads the whole table
// instead of only the records that are due.
type IndexChecker interface {
	// Unindexed reports whether the time column (TimeColumn.Name) of
	// dataset is not the leading column of any index usable for the range
	// condition a sweep selects with. It returns ErrUnknownDataset for a
	// dataset the backend was not configured with, and an error for a time
	// column the dataset does not declare.
	Unindexed(ctx context.Context, dataset, column string) (bool, error)
}
