package storetest_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/store/storetest"
)

// TestPendingContractNamesAreUniqueAndGrouped pins that every contract of
// RunRemembered names the method it tests, once.
func TestPendingContractNamesAreUniqueAndGrouped(t *testing.T) {
	names := storetest.PendingContracts()
	require.NotEmpty(t, names)
	assert.Len(t, slices.Compact(slices.Sorted(slices.Values(names))), len(names), "contract names are unique")
	for _, n := range names {
		assert.Regexp(t, `^(Remember|ListRemembered|Forget|Close)/[A-Za-z]+$`, n)
	}
}
