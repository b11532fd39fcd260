package retention_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
)

// indexed is a driver that reports the time columns in missing as
// unindexed, and fails the check with err when it is set.
type indexed struct {
	store.Driver
	missing map[string]bool // "dataset/column"
	err     error
	asked   []string
}

func (d *indexed) Unindexed(_ context.Context, dataset, column string) (bool, error) {
	d.asked = append(d.asked, dataset+"/"+column)
	if d.err != nil {
		return false, d.err
	}
	return d.missing[dataset+"/"+column], nil
}

func TestPlanNamesTimeColumnsWithoutAnIndex(t *testing.T) {
	at := time.Date(2024, 3, 1, 12, 0, 0, 0, berlin(t))
	h := newHarness(t, jobcenter(t), at, nil)
	tests := []struct {
		name    string
		driver  store.Driver
		want    map[string][]string // "dataset/rule" -> Unindexed
		wantErr string
	}{
		{
			name:   "a store that cannot tell reports nothing",
			driver: h.rec,
			want:   map[string][]string{},
		},
		{
			name:   "a rule counting from an unindexed column names it; event rules and indexed columns name none",
			driver: &indexed{Driver: h.rec, missing: map[string]bool{"appointment/appointment_at": true}},
			want:   map[string][]string{"appointment/delete_after_appointment": {"appointment_at"}},
		},
		{
			name:    "a failing check fails the plan and names the rule and column",
			driver:  &indexed{Driver: h.rec, err: errors.New("catalog unreadable")},
			wantErr: "checking the index of time column requested_at",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng, err := retention.New(h.decl, tt.driver, &retention.Options{Now: h.clock.Now, AuditKey: auditKey, Keys: testKeys})
			require.NoError(t, err)
			plan, err := eng.Plan(context.Background(), at)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				require.ErrorContains(t, err, "catalog unreadable")
				return
			}
			require.NoError(t, err)
			got := map[string][]string{}
			for _, rp := range plan.Rules {
				if len(rp.Unindexed) > 0 {
					got[rp.Dataset+"/"+rp.Rule] = rp.Unindexed
				}
			}
			assert.Equal(t, tt.want, got)
			if d, ok := tt.driver.(*indexed); ok {
				assert.Equal(t, []string{"access_log/requested_at", "access_log/requested_at", "appointment/appointment_at", "contact/received_at"}, d.asked,
					"each time rule's bound columns are checked once; event rules select by key or subject and are not checked")
			}
		})
	}
}
