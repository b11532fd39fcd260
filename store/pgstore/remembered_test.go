package pgstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store/internal/sqldriver"
	"github.com/frist-go/frist/store/internal/sqltest"
	"github.com/frist-go/frist/store/pgstore"
	"github.com/frist-go/frist/store/storetest"
)

func TestPendingConformance(t *testing.T) {
	storetest.RunRemembered(t, func(t *testing.T, decl *policy.Declaration) storetest.Backend {
		db := openSchema(t)
		for _, tb := range storetest.Tables() {
			var cols []string
			for _, c := range tb.Columns {
				cols = append(cols, sqldriver.Quote(c.Name)+" "+sqltest.ColumnType(sqltest.Postgres, string(c.Type), c.Key))
			}
			_, err := db.ExecContext(context.Background(), fmt.Sprintf("CREATE TABLE %s (%s)", sqldriver.Quote(tb.Name), strings.Join(cols, ", ")))
			require.NoError(t, err)
		}
		s, err := pgstore.New(db, decl, nil)
		require.NoError(t, err)
		return &sqltest.Backend{Store: s, Decl: decl}
	})
}
