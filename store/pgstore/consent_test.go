package pgstore_test

import (
	"testing"

	"github.com/frist-go/frist/store/internal/sqltest"
	"github.com/frist-go/frist/store/storetest"
)

func TestConsentExtras(t *testing.T) {
	sqltest.RunConsentExtras(t, sqltest.Postgres, openStore(t, storetest.Declaration()).(*sqltest.Backend))
}
