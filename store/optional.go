package store

import "context"

// IndexChecker is the one optional interface of the contract (tier 3 of
// the package documentation), a diagnostic found by type assertion on a
// Driver. retention's Plan uses it to warn when a rule's time column has
// no index, because then every sweep reads the whole table instead of only
// the records that are due. A backend that keeps its own index (a log
// file backend) does not implement it, and Plan then warns about nothing.
type IndexChecker interface {
	// Unindexed reports whether the time column (TimeColumn.Name) of
	// dataset is not the leading column of any index usable for the range
	// condition a sweep selects with. It returns ErrUnknownDataset for a
	// dataset the backend was not configured with, and an error for a time
	// column the dataset does not declare.
	Unindexed(ctx context.Context, dataset, column string) (bool, error)
}
