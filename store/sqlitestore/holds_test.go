package sqlitestore_test

import (
	"testing"

	"github.com/frist-go/frist/store/internal/sqltest"
	"github.com/frist-go/frist/store/storetest"
)

func TestHoldExtras(t *testing.T) {
	sqltest.RunHoldExtras(t, sqltest.SQLite, openStore(t, storetest.Declaration()).(*sqltest.Backend))
}
