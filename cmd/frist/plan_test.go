package main

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/sqlitestore"
	"github.com/frist-go/frist/store/storetest"
)

// planOf runs plan --format json and decodes it.
func planOf(t *testing.T, args ...string) planJSON {
	t.Helper()
	code, out, errs := runCLI(append([]string{"plan", jobcenterFile, "--format", "json"}, args...)...)
	require.Equal(t, exitOK, code, errs)
	var p planJSON
	require.NoError(t, jsonUnmarshal(out, &p))
	return p
}

func rulePlan(t *testing.T, p planJSON, dataset, rule string) rulePlanJSON {
	t.Helper()
	for _, r := range p.Rules {
		if r.Dataset == dataset && r.Rule == rule {
			return r
		}
	}
	t.Fatalf("plan has no rule %s/%s", dataset, rule)
	return rulePlanJSON{}
}

func TestPlanCountsDueRecordsAndNamesTheNextDeadline(t *testing.T) {
	url, _ := newJobcenterDB(t, seed{oldRequests: 3, recentRequests: 2, pastAppts: 2, futureAppts: 1})
	p := planOf(t, "--db", url)

	// "Hierfür muss die IP-Adresse des Nutzenden für die Dauer von sieben
	// Tagen gespeichert bleiben und wird danach anonymisiert."
	ip := rulePlan(t, p, "access_log", "anonymize_after_7d_requested_at")
	assert.Equal(t, 3, ip.Due, "the three ten-day-old requests are past seven days")
	require.NotNil(t, ip.NextDeadline)
	assert.WithinDuration(t, time.Now().AddDate(0, 0, 6), *ip.NextDeadline, time.Hour,
		"the one-day-old requests fall due six days from now")

	// "Nach dem erfolgten Termin werden die personenbezogenen Daten
	// innerhalb von zwei Wochen gelöscht."
	appt := rulePlan(t, p, "appointment", "delete_after_14d_appointment_at")
	assert.Equal(t, 2, appt.Due)
	require.NotNil(t, appt.NextDeadline)
	assert.WithinDuration(t, time.Now().AddDate(0, 0, 17), *appt.NextDeadline, time.Hour)

	cancel := rulePlan(t, p, "appointment", "delete_on_cancelled")
	assert.Equal(t, "cancelled", cancel.Event)
	assert.Nil(t, cancel.Next, "an event rule has no deadline by time")
}

func TestPlanAtALaterTimeCountsWhatWillBeDue(t *testing.T) {
	url, _ := newJobcenterDB(t, seed{oldRequests: 1, recentRequests: 2, futureAppts: 1})
	at := time.Now().AddDate(0, 0, 30).Format(time.RFC3339)
	p := planOf(t, "--db", url, "--at", at)
	assert.Equal(t, 3, rulePlan(t, p, "access_log", "delete_after_7d_requested_at").Due)
	assert.Equal(t, 1, rulePlan(t, p, "appointment", "delete_after_14d_appointment_at").Due)
}

func TestPlanShowsHeldRecordsAndWhy(t *testing.T) {
	url, path := newJobcenterDB(t, seed{pastAppts: 3})
	// Place a hold on one subject's records, as dsar or an operator would.
	decl, err := policy.LoadFile(jobcenterFile)
	require.NoError(t, err)
	db, err := sql.Open("sqlite", "file:"+path+sqliteDSNOptions)
	require.NoError(t, err)
	defer db.Close()
	st, err := sqlitestore.New(db, decl, nil)
	require.NoError(t, err)
	holdID := uuid.Must(uuid.NewV7()).String()
	_, err = st.PlaceHold(context.Background(), store.Hold{
		ID: holdID, Dataset: "appointment", Subject: "citizen-1", Reason: store.HoldLegalClaims,
		Note: "Widerspruchsverfahren", PlacedAt: time.Now().Add(-time.Hour),
	}, storetest.HoldEntry("hold.place"))
	require.NoError(t, err)

	p := planOf(t, "--db", url)
	r := rulePlan(t, p, "appointment", "delete_after_14d_appointment_at")
	assert.Equal(t, 2, r.Due)
	assert.Equal(t, 1, r.Held)
	require.Len(t, r.Holds, 1)
	assert.Equal(t, holdID, r.Holds[0].ID)
	assert.Contains(t, r.Holds[0].Article, "Art. 17(3)(e)")

	code, out, errs := runCLI("plan", jobcenterFile, "--db", url)
	require.Equal(t, exitOK, code, errs)
	assert.Contains(t, out, holdID+": the records of a data subject in appointment, Art. 17(3)(e)")
	assert.NotContains(t, out, "citizen-1", "a plan names no subject")
}

func TestPlanReportsTimeColumnsWithoutIndex(t *testing.T) {
	url, path := newJobcenterDB(t, seed{})
	p := planOf(t, "--db", url)
	require.Len(t, p.Unindexed, 1, "appointments.starts_at has no index; access_log.requested_at has one")
	u := p.Unindexed[0]
	assert.Equal(t, "appointment", u.Dataset)
	assert.Equal(t, "starts_at", u.Column)
	assert.Contains(t, u.Fix, "ON appointments (starts_at, id)")

	execSQL(t, path, u.Fix)
	assert.Empty(t, planOf(t, "--db", url).Unindexed, "the suggested index is recognised")
}

func TestPlanRefusesBadInputAndUnreachableDatabases(t *testing.T) {
	url, _ := newJobcenterDB(t, seed{})
	missingTable, missingPath := newJobcenterDB(t, seed{})
	execSQL(t, missingPath, "DROP TABLE appointments")
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no database", []string{jobcenterFile}, "no database given; name it with --db sqlite:PATH"},
		{"no declaration", []string{"--db", url}, "no declaration given"},
		{"bad time", []string{jobcenterFile, "--db", url, "--at", "next monday"}, `--at "next monday" is not a time`},
		{"bad format", []string{jobcenterFile, "--db", url, "--format", "xml"}, "use --format text or --format json"},
		{"unsupported URL", []string{jobcenterFile, "--db", "mysql://root:secret@db/x"}, `unsupported database URL "mysql:..."`},
		{"sqlite file in a missing directory", []string{jobcenterFile, "--db", "sqlite:" + filepath.Join(t.TempDir(), "no", "such", "dir", "app.db")}, "does not exist"},
		{"postgres that does not answer", []string{jobcenterFile, "--db", "postgres://frist:hunter2@127.0.0.1:1/x?connect_timeout=2"}, "check that the database is running and reachable"},
		{"tables that do not match", []string{jobcenterFile, "--db", missingTable}, "the application's tables must match the declaration's datasets"},
		{"invalid declaration", []string{writeFile(t, "bad.yaml", "controller: {name: X}\n"), "--db", url}, "is not a valid declaration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCLI(append([]string{"plan"}, tt.args...)...)
			assert.Equal(t, exitInvalid, code)
			assert.Empty(t, out)
			assert.Contains(t, errs, tt.wantErr)
			assert.NotContains(t, errs, "hunter2", "no password in messages")
		})
	}
}

func TestParseAtReadsDatesInTheControllersZone(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2025-03-01", time.Date(2025, 3, 1, 0, 0, 0, 0, berlin)},
		{"2025-07-01 09:30", time.Date(2025, 7, 1, 9, 30, 0, 0, berlin)},
		{"2025-07-01T09:30:00Z", time.Date(2025, 7, 1, 9, 30, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		got, err := parseAt(tt.in, berlin)
		require.NoError(t, err, tt.in)
		assert.True(t, tt.want.Equal(got), "%s: got %v", tt.in, got)
	}
}
