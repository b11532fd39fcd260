package sqlitestore_test

import (
	"testing"

	"github.com/frist-go/frist/store/internal/sqltest"
	"github.com/frist-go/frist/store/storetest"
)

func TestConsentExtras(t *testing.T) {
	sqltest.RunConsentExtras(t, sqltest.SQLite, openStore(t, storetest.Declaration()).(*sqltest.Backend))
}
