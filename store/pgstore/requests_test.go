package pgstore_test

import (
	"testing"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store/internal/sqltest"
)

func TestRequestExtras(t *testing.T) {
	sqltest.RunRequestExtras(t, func(t *testing.T, decl *policy.Declaration) *sqltest.Backend {
		return openStore(t, decl).(*sqltest.Backend)
	})
}
