package memstore_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store/memstore"
	"github.com/frist-go/frist/store/storetest"
)

func TestPendingConformance(t *testing.T) {
	storetest.RunRemembered(t, func(t *testing.T, decl *policy.Declaration) storetest.Backend {
		st, err := memstore.New(decl)
		require.NoError(t, err)
		return st
	})
}
