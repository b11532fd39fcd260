package dsar_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/dsar"
)

// TestClosedRequestIsPseudonymizedThenDeletedAsDeclared: jobcenter.yaml
// keeps frist's own records by the documented defaults. A request completed
// at 11:00 on 10 March 2026 in Berlin keeps its subject's identifier for
// three months, until 11:00 on 10 June in Berlin (09:00 UTC, summer time),
// then only its keyed pseudonym, under which List still finds it from the
// identifier a person gives; it is deleted three years after the end of
// 2026 in Berlin (23:00 UTC on 31 December 2029), not a second before. An
// open request is never touched. What the sweeps did is in the audit log,
// counts only, and after pseudonymization the identifier appears in no
// column of frist_requests, the request's body included.
//
// Seen to fail: with the pseudonymization cutoff taken from the requests
// period instead of identify_requests_for, nothing was pseudonymized in
// June; with the cutoff computed in UTC, the request was pseudonymized at
// 10:00 UTC, an hour late (three months counted in a zone without summer
// time); with List not asking for the pseudonym, the request was no longer
// found; with the subject left in the body (dsar.Record's encoding before
// this), the raw row still held it.
func TestClosedRequestIsPseudonymizedThenDeletedAsDeclared(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, f flavor) {
		received := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		x := newSQLFixture(t, f, "jobcenter", false, received)
		set := func(now time.Time) { x.mu.Lock(); x.now = now; x.mu.Unlock() }
		const subject, other = "c-4711", "c-0815"
		req := x.openVerified(dsar.Access, subject)
		open := x.openVerified(dsar.Access, other)
		set(time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)) // 11:00 CET
		done, err := x.svc.Complete(x.ctx, req.ID(), "Auskunft erteilt")
		require.NoError(t, err)
		require.Equal(t, dsar.Completed, done.State())

		sweep := func(now time.Time) (pseudonymized, deleted int) {
			set(now)
			rep, err := x.eng.Sweep(x.ctx)
			require.NoError(t, err)
			for _, kr := range rep.Records {
				if kr.Kind == "requests" {
					return kr.Pseudonymized, kr.Deleted
				}
			}
			t.Fatalf("the sweep at %s did not report the requests: %+v", now, rep.Records)
			return 0, 0
		}
		rawRows := func() string {
			rows, err := x.db.QueryContext(x.ctx, "SELECT * FROM frist_requests")
			require.NoError(t, err)
			defer rows.Close()
			cols, err := rows.Columns()
			require.NoError(t, err)
			var b strings.Builder
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				require.NoError(t, rows.Scan(ptrs...))
				for _, v := range vals {
					if bs, ok := v.([]byte); ok {
						v = string(bs)
					}
					fmt.Fprintf(&b, "%v|", v)
				}
				b.WriteString("\n")
			}
			require.NoError(t, rows.Err())
			return b.String()
		}

		identifyEnds := time.Date(2026, 6, 10, 9, 0, 0, 0, time.UTC) // 11:00 CEST
		p, d := sweep(identifyEnds.Add(-time.Second))
		assert.Zero(t, p+d, "a second before the period to identify ends, nothing changes")
		assert.Contains(t, rawRows(), subject)
		p, d = sweep(identifyEnds)
		assert.Equal(t, 1, p, "the closed request is pseudonymized when the period ends")
		assert.Zero(t, d)
		assert.NotContains(t, rawRows(), subject, "the identifier is in no column of any request row")
		assert.Contains(t, rawRows(), other, "an open request keeps its subject")

		found, err := x.svc.List(x.ctx, dsar.Filter{Subject: subject})
		require.NoError(t, err)
		require.Len(t, found, 1, "found by recomputing the pseudonym")
		assert.Equal(t, req.ID(), found[0].ID())
		assert.Equal(t, dsar.Completed, found[0].State())
		assert.NotEqual(t, subject, found[0].Subject())

		p, d = sweep(identifyEnds.Add(time.Hour))
		assert.Zero(t, p+d, "nothing is pseudonymized twice")
		// The entries of 2026 are read now: the sweep of 1 January 2030
		// drops them (records.audit's default, three years from the end
		// of the year) in the same sweep that deletes the request.
		assert.Contains(t, x.auditText(), "requests: 0 deleted, 1 pseudonymized")

		keepEnds := time.Date(2029, 12, 31, 23, 0, 0, 0, time.UTC) // 1 January 2030 in Berlin
		_, d = sweep(keepEnds.Add(-time.Second))
		assert.Zero(t, d, "a second before the end of the period to keep, the request is kept")
		_, err = x.svc.Get(x.ctx, req.ID())
		require.NoError(t, err)
		_, d = sweep(keepEnds)
		assert.Equal(t, 1, d)
		_, err = x.svc.Get(x.ctx, req.ID())
		require.ErrorIs(t, err, dsar.ErrNotFound)

		// Read before the sweep of 2045, which drops this entry too.
		audit := x.auditText()
		assert.NotContains(t, audit, subject)
		assert.NotContains(t, audit, other)
		assert.Equal(t, 1, strings.Count(audit, `"action":"records.expire"`), "the deletion's entry; the pseudonymization's, of 2026, was dropped")
		assert.Contains(t, audit, "requests: 1 deleted, 0 pseudonymized")
		assert.Contains(t, audit, `"action":"audit.drop"`)

		p, d = sweep(time.Date(2045, 1, 1, 0, 0, 0, 0, time.UTC))
		assert.Zero(t, p+d, "an open request is never touched")
		still, err := x.svc.Get(x.ctx, open.ID())
		require.NoError(t, err)
		assert.Equal(t, other, still.Subject())
		audit = x.auditText()
		assert.NotContains(t, audit, subject)
		assert.NotContains(t, audit, other)
	})
}
