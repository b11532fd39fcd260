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

// HoldsOnly is an optional interface a Driver may implement, found by type
// assertion. A backend that implements it promises that Count reports a
// record of the dataset as held only because of a hold it stores (Holds),
// never for a reason of its own, as store/logstore holds the lines of a
// log file the server is still writing. A sweep then counts held records
// only for datasets a hold applies to: counting right after a large
// delete walks every index entry the delete left behind, which on
// PostgreSQL costs more than the delete did.
type HoldsOnly interface {
	// HeldOnlyByHolds reports whether records of dataset are held only
	// by stored holds.
	HeldOnlyByHolds(dataset string) bool
}

// Datasets is an optional interface a Driver may implement, found by type
// assertion. retention.New uses it to refuse, when it is built, a
// declaration whose rules name a dataset the backend holds no records of
// (a dataset bound to files given to a SQL backend alone), which would
// otherwise fail with ErrUnknownDataset at every sweep and never be
// enforced (Art. 5(1)(e)).
type Datasets interface {
	// Serves reports whether the backend holds the records of dataset:
	// whether its methods that name the dataset can succeed.
	Serves(dataset string) bool
}

// SubjectFinder is an optional interface a Driver may implement, found by
// type assertion. dsar uses it to answer a request by an identifier the
// person knows (policy.Identifier, Art. 12(2), 15(1)): it searches a
// declared identifying field for the value.
type SubjectFinder interface {
	// SubjectsByField returns the distinct subjects (the subject column as
	// text, as Record.Subject gives it) of the records of dataset whose
	// field (Field.Name) holds exactly value, in ascending order; none is
	// no error. It returns ErrUnknownDataset for a dataset the backend was
	// not configured with and an error for a dataset without a subject
	// column or a field the dataset does not declare.
	SubjectsByField(ctx context.Context, dataset, field, value string) ([]string, error)
}
