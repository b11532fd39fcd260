package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/dsar"
	"github.com/frist-go/frist/policy"
)

// TestDsarExtendWorksToTheEarliestReadingAlsoBeforeVerification extends an
// unverified request and checks that the deadline in force is the earliest
// of the three readings, that the request stays unverified, that a second
// extension and one told after the first month are refused, and that the
// audit log records the extension without its reasons. Against an extend
// that worked to the reading after the first period (tried), the
// work-to assertion fails for receipts whose first month ends on a day off.
func TestDsarExtendWorksToTheEarliestReadingAlsoBeforeVerification(t *testing.T) {
	url, path, keys := dsarDB(t)
	decl, err := policy.LoadFile(jobcenterFile)
	require.NoError(t, err)
	loc := decl.Location()
	now := time.Now().In(loc)
	cal, err := dsar.Germany(dsar.Land(decl.Controller.Holidays))
	require.NoError(t, err)
	opts := &dsar.Options{Location: loc, Calendar: cal}
	// A receipt in the last four weeks whose readings differ, so that
	// working to the wrong one shows.
	received := ""
	for back := 2; back < 29 && received == ""; back++ {
		at := now.AddDate(0, 0, -back)
		first, err := dsar.Due(at, opts)
		require.NoError(t, err)
		rs, earliest, err := dsar.ExtendedReadings(first, 2, opts)
		require.NoError(t, err)
		if rs[0].Due.Date != rs[earliest].Due.Date {
			received = at.Format(time.DateOnly)
		}
	}
	require.NotEmpty(t, received, "some receipt of the last four weeks has readings that differ")
	id := openRequest(t, url, keys, "access", "citizen-1", "--received", received)
	told := now.Add(-time.Hour).Format("2006-01-02 15:04")

	var r requestJSON
	dsarJSON(t, &r, "extend", jobcenterFile, "--db", url, "--keys", keys, id, "--months", "2",
		"--reason", "Ihre Daten liegen in drei Fachverfahren", "--told", told)
	assert.Equal(t, "received", r.State, "an extension before verification leaves the request unverified")
	require.NotNil(t, r.Extension)
	ext := r.Extension
	assert.True(t, ext.Pending)
	assert.Equal(t, 2, ext.Months)
	require.Len(t, ext.Readings, 3)

	// The expected readings, computed from the one-month deadline.
	want, earliest, err := dsar.ExtendedReadings(r.Deadline, 2, opts)
	require.NoError(t, err)
	for i := range want {
		assert.Equal(t, want[i].Rule, ext.Readings[i].Rule)
		assert.Equal(t, want[i].Due.Date, ext.Readings[i].Due.Date)
		assert.False(t, ext.Readings[i].Due.Date.Before(ext.Due.Date), "the date worked to is the earliest")
	}
	assert.Equal(t, want[earliest].Due.Date.String(), r.Due)
	assert.Equal(t, r.Due, showRequest(t, url, id).Due, "list and show use the date worked to")

	code, out, errs := runCLI("dsar", "show", jobcenterFile, "--db", url, id)
	require.Equal(t, exitOK, code, errs)
	assert.Contains(t, out, "noted before the requester was verified")
	assert.Contains(t, out, "Readings of the extended period")
	assert.Contains(t, out, "<- work to")
	assert.Contains(t, out, "Regulation No 1182/71")

	code, _, errs = runCLI("dsar", "extend", jobcenterFile, "--db", url, "--keys", keys, id, "--months", "1", "--reason", "again", "--told", now.Format("2006-01-02 15:04"))
	assert.Equal(t, exitFindings, code)
	assert.Contains(t, errs, "already extended")

	// Told after the first month: refused, the request unchanged.
	late := openRequest(t, url, keys, "erasure", "citizen-2", "--received", now.AddDate(0, 0, -45).Format(time.DateOnly))
	code, out, errs = runCLI("dsar", "extend", jobcenterFile, "--db", url, "--keys", keys, late, "--months", "2", "--reason", "complex", "--told", now.Add(-time.Minute).Format("2006-01-02 15:04"))
	assert.Equal(t, exitFindings, code)
	assert.Empty(t, out)
	assert.Contains(t, errs, "not within one month")
	assert.Nil(t, showRequest(t, url, late).Extension)

	// Verified afterwards: the text output of a fresh extension names the
	// date worked to and the readings.
	other := openRequest(t, url, keys, "access", "citizen-2", "--received", now.AddDate(0, 0, -20).Format(time.DateOnly))
	verifyRequest(t, url, keys, other)
	code, out, errs = runCLI("dsar", "extend", jobcenterFile, "--db", url, "--keys", keys, other, "--months", "1", "--reason", "Archivabfrage", "--told", time.Now().Format(time.RFC3339Nano))
	require.Equal(t, exitOK, code, errs)
	assert.Contains(t, out, "Work to: ")
	assert.Equal(t, 3, strings.Count(out, "Regulation No 1182/71"))
	assert.NotContains(t, out, "not verified yet")
	assert.Equal(t, "extended", showRequest(t, url, other).State)

	bodies := strings.Join(auditBodies(t, path), "\n")
	assert.Equal(t, 2, strings.Count(bodies, `"dsar.extended"`), "two extensions audited")
	assert.NotContains(t, bodies, "Fachverfahren", "the reasons stay out of the audit log")
	assert.NotContains(t, bodies, "citizen-1")
}
