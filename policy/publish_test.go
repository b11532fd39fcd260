package policy

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestBlockingForSeparatesTheRecordsAndTheNoticesFindings pins which
// errors hold back which publication. With BlockingFor returning every
// blocking finding (tried), the record-only and notice-only cases fail.
func TestBlockingForSeparatesTheRecordsAndTheNoticesFindings(t *testing.T) {
	ack := &Acknowledgement{Finding: "FR002", Reason: "r"}
	fs := []Finding{
		{ID: "FR002", Severity: SeverityError},                    // both
		{ID: "FR002", Severity: SeverityError, Acknowledged: ack}, // neither: acknowledged
		{ID: "FR027", Severity: SeverityWarning},                  // neither: a warning
		{ID: "FR061", Severity: SeverityError},                    // record only
		{ID: "FR084", Severity: SeverityError},                    // notice only
		{ID: "FR086", Severity: SeverityError},                    // both: the record names transfers too
	}
	ids := func(fs []Finding) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.ID)
		}
		return out
	}
	assert.Equal(t, []string{"FR002", "FR084", "FR086"}, ids(BlockingFor(fs, PublishNotice)))
	assert.Equal(t, []string{"FR002", "FR061", "FR086"}, ids(BlockingFor(fs, PublishRecord)))
	for id := range onlyFor {
		found := false
		for _, c := range LintChecks() {
			found = found || c.ID == id
		}
		assert.True(t, found, "%s is no check", id)
	}
}
