package retention_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store/memstore"
)

// partial is a store that holds the records of every dataset but one, as
// a SQL backend alone holds none of a declaration's log files.
type partial struct {
	*memstore.Store
	without string
}

func (p partial) Serves(dataset string) bool {
	return dataset != p.without && p.Store.Serves(dataset)
}

// New refuses a store that cannot serve a dataset with rules, naming the
// dataset and where it is bound, instead of failing with "unknown
// dataset" at every sweep and never enforcing those rules. Broken by
// removing the check from New: New then succeeds.
func TestNewRefusesAStoreThatCannotServeADatasetWithRules(t *testing.T) {
	decl := jobcenter(t)
	mem, err := memstore.New(decl)
	require.NoError(t, err)
	opts := &retention.Options{AuditKey: auditKey, Keys: testKeys}

	eng, err := retention.New(decl, partial{mem, "access_log"}, opts)
	require.ErrorIs(t, err, retention.ErrUnservedDataset)
	assert.Nil(t, eng)
	assert.Contains(t, err.Error(), "access_log (table access_log)")
	assert.NotContains(t, err.Error(), "appointment", "only the dataset the store lacks is named")

	_, err = retention.New(decl, partial{mem, "no_such_dataset"}, opts)
	require.NoError(t, err, "a store that serves every dataset with rules is accepted")
}
