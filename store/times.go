package store

import (
	"context"
	"time"
)

// TimedRecord is a record with the values of its time columns.
type TimedRecord struct {
	Record
	// Times holds the record's time column values by TimeColumn.Name, in
	// UTC, as Driver.Times returns them: a NULL column is absent.
	Times map[string]time.Time
}

// RecordTimes is an optional fast path of Driver.Records followed by
// Driver.Times for each record, found by type assertion: a subject's
// records with their time columns in one read, so that an access report,
// which states the storage period and the concrete deadline of every
// record (Art. 15(1)(d) GDPR), costs one query per dataset instead of one
// per record.
type RecordTimes interface {
	// RecordsWithTimes returns what Driver.Records returns for dataset,
	// subject and fields (with its errors: an unknown subject gives no
	// records, a dataset without a subject column or an undeclared field
	// an error, an unknown dataset ErrUnknownDataset), each record with
	// the Times that Driver.Times would return for its key, read in the
	// same statement. After Close it returns ErrClosed.
	RecordsWithTimes(ctx context.Context, dataset, subject string, fields []string) ([]TimedRecord, error)
}
