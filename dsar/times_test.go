package dsar_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/dsar"
	"github.com/frist-go/frist/store"
)

// plainStore hides the optional store.RecordTimes of the store it wraps,
// as a backend without it would.
type plainStore struct {
	store.Driver
	store.Requests
	store.Objections
}

// The access report is the same whether the store reads a subject's
// records with their times at once (store.RecordTimes) or the service
// reads each record's times by key.
func TestAccessReportIsTheSameWithAndWithoutRecordTimes(t *testing.T) {
	f := newFixture(t, "jobcenter", received)
	seedJobcenter(f)
	var _ store.RecordTimes = f.st // the fast path is what the fixture measures against
	plain := plainStore{Driver: f.st, Requests: f.st, Objections: f.st}
	_, hasFast := store.Driver(plain).(store.RecordTimes)
	require.False(t, hasFast, "the wrapper must hide the fast path")
	slow, err := dsar.NewService(f.decl, plain, f.eng, f.ledger, &dsar.ServiceOptions{
		Now: f.clock, AuditKey: f.ring,
		Identity: dsar.IdentityFunc(func(context.Context, *dsar.Request) (bool, error) { return true, nil }),
	})
	require.NoError(t, err)

	fast := f.openVerified(dsar.Access, "c-1001")
	want, err := f.svc.Access(f.ctx, fast.ID())
	require.NoError(t, err)
	r, err := slow.Open(f.ctx, dsar.Access, "c-1001", time.Time{})
	require.NoError(t, err)
	_, err = slow.Verify(f.ctx, r.ID())
	require.NoError(t, err)
	got, err := slow.Access(f.ctx, r.ID())
	require.NoError(t, err)

	require.Equal(t, []string{"10", "11", "12"}, keysOf(got, "appointment"))
	assert.Equal(t, want.Datasets, got.Datasets, "records, fields and deadlines agree")
	var withDue int
	for _, rec := range got.Datasets[0].Records {
		for _, d := range rec.Deadlines {
			if d.Due != nil {
				withDue++
			}
		}
	}
	assert.Equal(t, 3, withDue, "every appointment has its deadline two weeks after the appointment")
}
