package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// badAppointments are start times the appointments table may hold that are
// not SQLite text in UTC: each is reported, none is processed, and none
// keeps the rule from the valid due appointments.
var badAppointments = []string{
	`'03/10/2025'`, `'10.03.2025'`, `'2025-02-13 99:99:99'`, `''`, `1740484800`, `2460721.5`,
	`'2025-02-24 09:00:00 -0500 EST'`,
}

// insertBadAppointments adds one appointment per bad start time.
func insertBadAppointments(t *testing.T, path string) {
	t.Helper()
	for i, v := range badAppointments {
		execSQL(t, path, `INSERT INTO appointments (id, citizen_id, starts_at, name) VALUES (`+
			[]string{"901", "902", "903", "904", "905", "906", "907"}[i]+`, 'c', `+v+`, 'Erika Mustermann')`)
	}
}

// TestRunProcessesEveryValidDueRecordAndReportsTheUnreadableOnes pins that
// a time value that cannot be read neither blocks a rule nor is processed
// on a guess. On main the appointment rule failed at "finding the oldest
// due record" on '03/10/2025', so the two appointments 20 days ago stayed
// past their deadline, and with that value removed the integer and the
// real were deleted (they sort below every text value).
func TestRunProcessesEveryValidDueRecordAndReportsTheUnreadableOnes(t *testing.T) {
	url, path := newJobcenterDB(t, seed{pastAppts: 2, futureAppts: 1})
	insertBadAppointments(t, path)
	keys := keyFile(t)

	code, out, errs := runCLI("run", jobcenterFile, "--db", url, "--keys", keys, "--once", "--format", "json")
	assert.Equal(t, exitFindings, code, "unreadable time values are a finding: %s", errs)
	var rep reportJSON
	require.NoError(t, jsonUnmarshal(out, &rep))
	var appt *ruleReportJSON
	for i := range rep.Rules {
		assert.Empty(t, rep.Rules[i].Error, "no rule fails on a value it cannot read")
		if rep.Rules[i].Rule == "delete_after_14d_appointment_at" {
			appt = &rep.Rules[i]
		}
	}
	require.NotNil(t, appt)
	assert.Equal(t, 2, appt.Processed, "the two appointments 20 days ago are deleted on time")
	require.Len(t, appt.Unreadable, 1)
	assert.Equal(t, unreadableJSON{Column: "appointment_at", Want: `SQLite text in UTC ("2006-01-02 15:04:05")`, Count: len(badAppointments)}, appt.Unreadable[0])
	assert.Equal(t, len(badAppointments), countRows(t, path, "appointments", "id > 900"), "no appointment with an unreadable start is deleted")
	assert.Equal(t, 1, countRows(t, path, "appointments", "id < 900"), "the future appointment stays")
	assert.NotContains(t, out, "Erika", "the report names no personal data")

	// The text report names dataset, rule, column and count at every sweep.
	code, out, _ = runCLI("run", jobcenterFile, "--db", url, "--keys", keys, "--once")
	assert.Equal(t, exitFindings, code)
	assert.Contains(t, out, "0 processed, 0 held, 0 overdue, 7 unreadable")
	assert.Contains(t, out, `appointment/delete_after_14d_appointment_at: 7 records whose appointment_at is not SQLite text in UTC`)

	// The plan agrees: nothing due, the same records unreadable.
	p := planOf(t, "--db", url)
	rp := rulePlan(t, p, "appointment", "delete_after_14d_appointment_at")
	assert.Zero(t, rp.Due, "plan counts as due only what a sweep would process")
	require.Len(t, rp.Unreadable, 1)
	assert.Equal(t, len(badAppointments), rp.Unreadable[0].Count)
	code, text, _ := runCLI("plan", jobcenterFile, "--db", url)
	require.Equal(t, exitOK, code)
	assert.True(t, strings.Contains(text, "Unreadable time values") && strings.Contains(text, "7 records whose appointment_at"), text)
}
