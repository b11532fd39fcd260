package pgstore_test

import (
	"testing"

	"github.com/frist-go/frist/store/internal/sqltest"
	"github.com/frist-go/frist/store/storetest"
)

func TestHoldExtras(t *testing.T) {
	sqltest.RunHoldExtras(t, sqltest.Postgres, openStore(t, storetest.Declaration()).(*sqltest.Backend))
}
