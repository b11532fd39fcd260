package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/consent"
	"github.com/frist-go/frist/dsar"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/sqlitestore"
	"github.com/frist-go/frist/store/storetest"
)

// dsarDB returns a jobcenter database in which citizen-1 has booked the
// appointments 1 and 100 and citizen-2 the appointment 2, its path and a
// key file.
func dsarDB(t *testing.T) (url, path, keys string) {
	t.Helper()
	url, path = newJobcenterDB(t, seed{futureAppts: 2})
	execSQL(t, path, `INSERT INTO appointments (id, citizen_id, starts_at, booked_at, name, birth_date, customer_number, concern, place, email)
		VALUES (100, 'citizen-1', '`+sqliteTime(time.Now().AddDate(0, 0, 10))+`', '`+sqliteTime(time.Now().AddDate(0, 0, -1))+`',
		'Erika Mustermann', '1970-01-01', '123D456789', 'Weiterbildung', 'Bad Segeberg', 'erika@example.org')`)
	return url, path, keyFile(t)
}

// dsarJSON runs a dsar subcommand with --format json, requires exit
// status 0 and decodes stdout into v.
func dsarJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	code, out, errs := runCLI(append(append([]string{"dsar"}, args...), "--format", "json")...)
	require.Equal(t, exitOK, code, errs)
	require.NoError(t, json.Unmarshal([]byte(out), v), out)
}

// openRequest opens a request and returns its ID.
func openRequest(t *testing.T, url, keys, kind, subject string, extra ...string) string {
	t.Helper()
	var r requestJSON
	dsarJSON(t, &r, append([]string{"open", jobcenterFile, "--db", url, "--keys", keys, "--kind", kind, "--subject", subject}, extra...)...)
	require.NotEmpty(t, r.ID)
	return r.ID
}

// verifyRequest attests the identity of the requester of id.
func verifyRequest(t *testing.T, url, keys, id string) {
	t.Helper()
	code, _, errs := runCLI("dsar", "verify", jobcenterFile, "--db", url, "--keys", keys, id, "--method", "id_card_checked")
	require.Equal(t, exitOK, code, errs)
}

// showRequest returns the request with id as show prints it.
func showRequest(t *testing.T, url, id string) requestJSON {
	t.Helper()
	var r requestJSON
	dsarJSON(t, &r, "show", jobcenterFile, "--db", url, id)
	return r
}

// auditBodies returns the bodies of the audit log's entries.
func auditBodies(t *testing.T, path string) []string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+sqliteDSNOptions)
	require.NoError(t, err)
	defer db.Close()
	rows, err := db.Query("SELECT body FROM frist_audit ORDER BY seq")
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var b string
		require.NoError(t, rows.Scan(&b))
		out = append(out, b)
	}
	require.NoError(t, rows.Err())
	return out
}

func TestDsarOpenPrintsTheIDAndTheDeadlineMovedPastEaster(t *testing.T) {
	url, _, keys := dsarDB(t)
	var r requestJSON
	// Received on Tuesday 18 March 2025: one month later is Karfreitag,
	// followed by the weekend and Ostermontag.
	dsarJSON(t, &r, "open", jobcenterFile, "--db", url, "--keys", keys, "--kind", "access", "--subject", "citizen-1", "--received", "2025-03-18")
	_, err := uuid.Parse(r.ID)
	require.NoError(t, err)
	assert.Equal(t, "access", r.Kind)
	assert.Equal(t, "Art. 15 GDPR", r.Article)
	assert.Equal(t, "received", r.State)
	assert.Equal(t, "2025-04-22", r.Due, "Art. 12(3): one month, moved past Karfreitag, the weekend and Ostermontag")
	assert.Len(t, r.Deadline.Skipped, 4)
	assert.Empty(t, r.Subject, "open does not echo the subject")

	code, out, errs := runCLI("dsar", "open", jobcenterFile, "--db", url, "--keys", keys, "--kind", "erasure", "--subject", "citizen-1", "--received", "2025-03-18 09:30")
	require.Equal(t, exitOK, code, errs)
	assert.Contains(t, out, "Due: 2025-04-22, Tuesday (Art. 12(3) GDPR: one month from receipt; moved from 2025-04-18 past 2025-04-18 Karfreitag")
	assert.Contains(t, out, "frist dsar verify")
	assert.NotContains(t, out, "citizen-1")
}

func TestDsarAccessIsRefusedUntilVerifiedThenAnsweredOnce(t *testing.T) {
	url, path, keys := dsarDB(t)
	// "a) Auskunft: Sie haben jederzeit das Recht, vom Jobcenter Kreis
	// Segeberg eine Bestätigung zu erhalten, ob personenbezogene Daten, die
	// Sie betreffen, verarbeitet werden."
	id := openRequest(t, url, keys, "access", "citizen-1", "--received", "2025-03-18")

	code, out, errs := runCLI("dsar", "export", jobcenterFile, "--db", url, "--keys", keys, id, "--format", "json")
	assert.Equal(t, exitFindings, code)
	assert.Empty(t, out, "nothing is disclosed before verification")
	assert.Contains(t, errs, "is not verified")
	assert.Contains(t, errs, "Art. 12(6) GDPR")
	assert.Contains(t, errs, "frist dsar verify")
	assert.Equal(t, "received", showRequest(t, url, id).State, "a refused export changes nothing")

	code, out, errs = runCLI("dsar", "verify", jobcenterFile, "--db", url, "--keys", keys, id, "--method", "id_card_checked")
	require.Equal(t, exitOK, code, errs)
	assert.Contains(t, out, "identity attested by the operator (id_card_checked)")
	assert.Contains(t, out, "frist dsar export")
	code, out, errs = runCLI("dsar", "verify", jobcenterFile, "--db", url, "--keys", keys, id, "--method", "eid")
	require.Equal(t, exitOK, code, errs)
	assert.Contains(t, out, "already verified; nothing recorded")

	attested := 0
	for _, b := range auditBodies(t, path) {
		assert.NotContains(t, b, "citizen-1", "the audit log names no subject")
		if strings.Contains(b, attestAction) {
			attested++
			assert.Contains(t, b, "the operator attests the requester's identity: id_card_checked")
			assert.Contains(t, b, id)
		}
	}
	assert.Equal(t, 1, attested, "one attestation; verifying again records none")

	var rep dsar.AccessReport
	dsarJSON(t, &rep, "export", jobcenterFile, "--db", url, "--keys", keys, id)
	assert.Equal(t, dsar.AccessSchema, rep.Schema)
	require.Len(t, rep.Datasets, 1)
	var keysSeen []string
	for _, r := range rep.Datasets[0].Records {
		keysSeen = append(keysSeen, r.Key)
		assert.Equal(t, "Erika Mustermann", r.Fields["name"], "the copy of the data (Art. 15(3))")
	}
	assert.ElementsMatch(t, []string{"1", "100"}, keysSeen, "citizen-1's appointments and not citizen-2's")
	require.Len(t, rep.NotSearched, 1)
	assert.Equal(t, "access_log", rep.NotSearched[0].Dataset)

	got := showRequest(t, url, id)
	assert.Equal(t, "completed", got.State)
	assert.True(t, got.Late, "received in 2025, answered now: after the deadline")
	assert.Equal(t, "citizen-1", got.Subject, "show prints the identifier typed at open")
	var to []string
	for _, h := range got.History {
		to = append(to, h.To.String())
	}
	assert.Equal(t, []string{"received", "verified", "in_progress", "completed"}, to)

	code, out, errs = runCLI("dsar", "export", jobcenterFile, "--db", url, "--keys", keys, id, "--format", "md")
	assert.Equal(t, exitFindings, code)
	assert.Empty(t, out)
	assert.Contains(t, errs, "is already completed; a request is answered once")
}

func TestDsarExportWritesTheReportInTheLanguageAndFileAsked(t *testing.T) {
	url, _, keys := dsarDB(t)
	tests := []struct {
		format, lang string
		want         []string
	}{
		{"md", "de", []string{"# Auskunft nach Art. 15 DSGVO", "## Online gebuchte Beratungstermine", "Erika Mustermann", "Der Bundesbeauftragte für den Datenschutz"}},
		{"html", "en", []string{`<html lang="en">`, "Access report under Art. 15 GDPR", "Right of access", "Bad Segeberg"}},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			id := openRequest(t, url, keys, "access", "citizen-1")
			verifyRequest(t, url, keys, id)
			out := filepath.Join(t.TempDir(), "report."+tt.format)
			code, stdout, errs := runCLI("dsar", "export", jobcenterFile, "--db", url, "--keys", keys, id, "--format", tt.format, "--lang", tt.lang, "--out", out)
			require.Equal(t, exitOK, code, errs)
			assert.Empty(t, stdout, "with --out the report goes to the file only")
			assert.Contains(t, errs, "hand it to the data subject only")
			fi, err := os.Stat(out)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "the report holds personal data")
			b, err := os.ReadFile(out)
			require.NoError(t, err)
			for _, w := range tt.want {
				assert.Contains(t, string(b), w)
			}
			assert.NotContains(t, string(b), "citizen-2")
		})
	}
}

func TestDsarExportRefusesAnExistingOutFileBeforeAnswering(t *testing.T) {
	url, _, keys := dsarDB(t)
	id := openRequest(t, url, keys, "access", "citizen-1")
	verifyRequest(t, url, keys, id)
	existing := writeFile(t, "report.md", "an earlier answer\n")
	code, out, errs := runCLI("dsar", "export", jobcenterFile, "--db", url, "--keys", keys, id, "--format", "md", "--out", existing)
	assert.Equal(t, exitInvalid, code)
	assert.Empty(t, out)
	assert.Contains(t, errs, "an existing file is never overwritten")
	b, err := os.ReadFile(existing)
	require.NoError(t, err)
	assert.Equal(t, "an earlier answer\n", string(b))
	assert.Equal(t, "verified", showRequest(t, url, id).State, "the request is not answered when its answer cannot be written")
}

func TestDsarPortabilityExportsTheProvidedDataAsCSV(t *testing.T) {
	url, _, keys := dsarDB(t)
	id := openRequest(t, url, keys, "portability", "citizen-1")
	verifyRequest(t, url, keys, id)

	code, out, errs := runCLI("dsar", "export", jobcenterFile, "--db", url, "--keys", keys, id, "--format", "md")
	assert.Equal(t, exitInvalid, code)
	assert.Empty(t, out)
	assert.Contains(t, errs, "a portability request is answered as json or csv")
	assert.Equal(t, "verified", showRequest(t, url, id).State, "a wrong format answers nothing")

	code, out, errs = runCLI("dsar", "export", jobcenterFile, "--db", url, "--keys", keys, id, "--format", "csv")
	require.Equal(t, exitOK, code, errs)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3, out)
	assert.Equal(t, "dataset,name,birth_date,customer_number,concern,place,email,free_text", lines[0])
	assert.Contains(t, out, "appointment,Erika Mustermann,1970-01-01,123D456789,Weiterbildung,Bad Segeberg,erika@example.org,")
	assert.Equal(t, "completed", showRequest(t, url, id).State)
}

func TestDsarEraseDeletesTheSubjectsRecordsAndExplainsWhatIsKept(t *testing.T) {
	url, path, keys := dsarDB(t)
	// Appointment 100 is needed for a legal claim (Art. 17(3)(e)).
	decl, err := policy.LoadFile(jobcenterFile)
	require.NoError(t, err)
	db, err := sql.Open("sqlite", "file:"+path+sqliteDSNOptions)
	require.NoError(t, err)
	st, err := sqlitestore.New(db, decl, nil)
	require.NoError(t, err)
	_, err = st.PlaceHold(context.Background(), store.Hold{
		ID: uuid.Must(uuid.NewV7()).String(), Dataset: "appointment", Key: "100", Reason: store.HoldLegalClaims,
		Note: "Widerspruchsverfahren", PlacedAt: time.Now().Add(-time.Hour),
	}, storetest.HoldEntry("hold.place"))
	require.NoError(t, err)
	require.NoError(t, st.Close())
	require.NoError(t, db.Close())

	// "b) Löschung: Sofern nachgewiesen wird, dass personenbezogene Daten
	// zu Unrecht verarbeitet wurden, wird unverzüglich die Löschung der
	// betroffenen Daten veranlasst."
	id := openRequest(t, url, keys, "erasure", "citizen-1")
	code, out, errs := runCLI("dsar", "erase", jobcenterFile, "--db", url, "--keys", keys, id)
	assert.Equal(t, exitFindings, code)
	assert.Empty(t, out)
	assert.Contains(t, errs, "is not verified")
	assert.Equal(t, 3, countRows(t, path, "appointments", "1=1"), "nothing is erased before verification")

	verifyRequest(t, url, keys, id)
	var rc dsar.Receipt
	dsarJSON(t, &rc, "erase", jobcenterFile, "--db", url, "--keys", keys, id)
	erased := 0
	for _, d := range rc.Datasets {
		assert.Equal(t, "appointment", d.Dataset)
		erased += d.Erased
	}
	assert.Equal(t, 1, erased)
	require.Len(t, rc.Kept, 1)
	assert.Equal(t, "100", rc.Kept[0].Key)
	assert.Equal(t, "Art. 17(3)(e) GDPR", rc.Kept[0].Norm)
	assert.Equal(t, 0, countRows(t, path, "appointments", "id = 1"), "citizen-1's appointment is erased")
	assert.Equal(t, 1, countRows(t, path, "appointments", "id = 100"), "the held appointment is kept")
	assert.Equal(t, 1, countRows(t, path, "appointments", "id = 2"), "citizen-2's appointment is untouched")
	assert.Equal(t, "completed", showRequest(t, url, id).State)
	for _, b := range auditBodies(t, path) {
		assert.NotContains(t, b, "citizen-1")
		assert.NotContains(t, b, "Erika")
	}

	// The text receipt, for the other subject, in English.
	id2 := openRequest(t, url, keys, "erasure", "citizen-2")
	verifyRequest(t, url, keys, id2)
	code, out, errs = runCLI("dsar", "erase", jobcenterFile, "--db", url, "--keys", keys, id2, "--lang", "en")
	require.Equal(t, exitOK, code, errs)
	assert.Contains(t, out, "carried out at")
	assert.Contains(t, out, "1 record erased, 0 kept")
	assert.Contains(t, out, "Kept: nothing; no record of the subject remains.")
	// "Auftragsverarbeiter ist die Firma maixit GmbH." (jobcenter.yaml)
	assert.Contains(t, out, "Recipients of the erased data (Art. 19 GDPR):\n  maixit GmbH (appointment): NOT told: frist has no notifier for it: tell the recipient yourself (Art. 19)")
	assert.Contains(t, out, "access_log: The data is not attributed to persons")
	assert.NotContains(t, out, "citizen-2", "the receipt names records by key only")
	assert.Equal(t, 0, countRows(t, path, "appointments", "id = 2"))
}

func TestDsarListShowsRequestsAndFlagsThosePastTheirDeadline(t *testing.T) {
	url, _, keys := dsarDB(t)
	old := openRequest(t, url, keys, "rectification", "citizen-1", "--received", "2025-03-18")
	fresh := openRequest(t, url, keys, "access", "citizen-2")
	verifyRequest(t, url, keys, fresh)

	code, out, errs := runCLI("dsar", "list", jobcenterFile, "--db", url)
	require.Equal(t, exitOK, code, errs)
	assert.Contains(t, out, "ID")
	assert.Contains(t, out, "SUBJECT")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3)
	assert.True(t, strings.HasPrefix(lines[1], old), "earliest deadline first")
	assert.Contains(t, lines[1], "rectification")
	assert.Contains(t, lines[1], "citizen-1")
	assert.Contains(t, lines[1], "2025-04-22")

	var verified []requestJSON
	dsarJSON(t, &verified, "list", jobcenterFile, "--db", url, "--state", "verified")
	require.Len(t, verified, 1)
	assert.Equal(t, fresh, verified[0].ID)

	var bySubject []requestJSON
	dsarJSON(t, &bySubject, "list", jobcenterFile, "--db", url, "--subject", "citizen-1")
	require.Len(t, bySubject, 1)
	assert.Equal(t, old, bySubject[0].ID)

	code, out, errs = runCLI("dsar", "list", jobcenterFile, "--db", url, "--overdue")
	assert.Equal(t, exitFindings, code, "a request past its deadline is a finding")
	assert.Contains(t, errs, "1 request(s) past the deadline of Art. 12(3) GDPR")
	assert.Contains(t, out, old)
	assert.Contains(t, out, "OVERDUE by ")
	assert.NotContains(t, out, fresh, "a request due in a month is not at risk")

	code, out, errs = runCLI("dsar", "list", jobcenterFile, "--db", url, "--overdue", "--state", "verified")
	assert.Equal(t, exitOK, code, errs)
	assert.Contains(t, out, "No open request is past its deadline")
}

func TestDsarCommandsRefuseBadInput(t *testing.T) {
	url, _, keys := dsarDB(t)
	access := openRequest(t, url, keys, "access", "citizen-1")
	erasure := openRequest(t, url, keys, "erasure", "citizen-1")
	verifyRequest(t, url, keys, erasure)
	unknown := uuid.Must(uuid.NewV7()).String()
	missing := "sqlite:" + filepath.Join(t.TempDir(), "no", "such", "app.db")
	pg := "postgres://frist:hunter2@127.0.0.1:1/x?connect_timeout=2"
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"no subcommand", nil, exitInvalid, "expected a subcommand: open, list, show, verify, extend, export or erase"},
		{"unknown subcommand", []string{"close"}, exitInvalid, `unknown subcommand "close"`},
		{"unknown flag", []string{"list", jobcenterFile, "--db", url, "--late"}, exitInvalid, "flag provided but not defined: -late"},
		{"open without kind", []string{"open", jobcenterFile, "--db", url, "--keys", keys, "--subject", "c"}, exitInvalid, "no kind given"},
		{"open with an unknown kind", []string{"open", jobcenterFile, "--db", url, "--keys", keys, "--kind", "deletion", "--subject", "c"}, exitInvalid, `--kind "deletion" is not a kind of request`},
		{"open without subject", []string{"open", jobcenterFile, "--db", url, "--keys", keys, "--kind", "access"}, exitInvalid, "no data subject given"},
		{"open without keys", []string{"open", jobcenterFile, "--db", url, "--keys", "", "--kind", "access", "--subject", "c"}, exitInvalid, "no key file given"},
		{"open with an unreadable key file", []string{"open", jobcenterFile, "--db", url, "--keys", filepath.Join(t.TempDir(), "none"), "--kind", "access", "--subject", "c"}, exitInvalid, "cannot read the key file"},
		{"open with a bad time", []string{"open", jobcenterFile, "--db", url, "--keys", keys, "--kind", "access", "--subject", "c", "--received", "yesterday"}, exitInvalid, `--received "yesterday" is not a time`},
		{"open received in the future", []string{"open", jobcenterFile, "--db", url, "--keys", keys, "--kind", "access", "--subject", "c", "--received", "2999-01-01"}, exitInvalid, "cannot be received in the future"},
		{"list without database", []string{"list", jobcenterFile}, exitInvalid, "no database given"},
		{"list with an unknown state", []string{"list", jobcenterFile, "--db", url, "--state", "open"}, exitInvalid, `--state "open" is not a state`},
		{"list with a bad format", []string{"list", jobcenterFile, "--db", url, "--format", "xml"}, exitInvalid, "use --format text or --format json"},
		{"show without ID", []string{"show", jobcenterFile, "--db", url}, exitInvalid, "no request ID given"},
		{"show a malformed ID", []string{"show", jobcenterFile, "--db", url, "42"}, exitInvalid, `"42" is not a request ID`},
		{"show an unknown ID", []string{"show", jobcenterFile, "--db", url, unknown}, exitInvalid, "request not found: " + unknown},
		{"verify without method", []string{"verify", jobcenterFile, "--db", url, "--keys", keys, access}, exitInvalid, "no method given"},
		{"verify with free text as method", []string{"verify", jobcenterFile, "--db", url, "--keys", keys, access, "--method", "ID card shown at the counter"}, exitInvalid, "not one of id_card_checked, eid, postal_ident, link_possession, verified_email"},
		{"verify with an e-mail address", []string{"verify", jobcenterFile, "--db", url, "--keys", keys, access, "--method", "verified_email", "--note", "mail from erika@example.org"}, exitInvalid, "the note looks personal (EMAIL)"},
		{"verify naming the subject", []string{"verify", jobcenterFile, "--db", url, "--keys", keys, access, "--method", "eid", "--note", "account Citizen-1 logged in"}, exitInvalid, "--note contains the subject's identifier"},
		{"verify an unknown ID", []string{"verify", jobcenterFile, "--db", url, "--keys", keys, unknown, "--method", "id_card_checked"}, exitInvalid, "request not found"},
		{"extend by three months", []string{"extend", jobcenterFile, "--db", url, "--keys", keys, access, "--months", "3", "--reason", "r", "--told", "2026-01-01"}, exitInvalid, "--months 1 or --months 2"},
		{"extend without reason", []string{"extend", jobcenterFile, "--db", url, "--keys", keys, access, "--months", "2", "--told", "2026-01-01"}, exitInvalid, "no reason given"},
		{"extend without told", []string{"extend", jobcenterFile, "--db", url, "--keys", keys, access, "--months", "2", "--reason", "r"}, exitInvalid, "no --told given"},
		{"extend with a bad told, checked before the database is opened", []string{"extend", jobcenterFile, "--db", missing, "--keys", keys, access, "--months", "2", "--reason", "r", "--told", "soon"}, exitInvalid, `--told "soon" is not a time`},
		{"extend told in the future", []string{"extend", jobcenterFile, "--db", url, "--keys", keys, access, "--months", "2", "--reason", "r", "--told", "2999-01-01"}, exitInvalid, "cannot have been told in the future"},
		{"extend told before receipt", []string{"extend", jobcenterFile, "--db", url, "--keys", keys, access, "--months", "2", "--reason", "r", "--told", "2001-01-01"}, exitInvalid, "earlier than the last recorded change"},
		{"extend an unknown ID", []string{"extend", jobcenterFile, "--db", url, "--keys", keys, unknown, "--months", "2", "--reason", "r", "--told", "2026-01-01"}, exitInvalid, "request not found"},
		{"export without format", []string{"export", jobcenterFile, "--db", url, "--keys", keys, access}, exitInvalid, "no format given"},
		{"export with an unknown format", []string{"export", jobcenterFile, "--db", url, "--keys", keys, access, "--format", "pdf"}, exitInvalid, `--format "pdf" is not supported`},
		{"export with an unknown language", []string{"export", jobcenterFile, "--db", url, "--keys", keys, access, "--format", "md", "--lang", "fr"}, exitInvalid, `--lang "fr" is not supported`},
		{"export an unverified request", []string{"export", jobcenterFile, "--db", url, "--keys", keys, access, "--format", "md"}, exitFindings, "is not verified"},
		{"export an erasure request", []string{"export", jobcenterFile, "--db", url, "--keys", keys, erasure, "--format", "json"}, exitFindings, "carry it out with frist dsar erase"},
		{"export an unknown ID", []string{"export", jobcenterFile, "--db", url, "--keys", keys, unknown, "--format", "json"}, exitInvalid, "request not found"},
		{"erase an access request", []string{"erase", jobcenterFile, "--db", url, "--keys", keys, access}, exitFindings, "not erasure; answer it with frist dsar export"},
		{"erase an unknown ID", []string{"erase", jobcenterFile, "--db", url, "--keys", keys, unknown}, exitInvalid, "check the ID with \"frist dsar list\""},
		{"a SQLite file that does not exist", []string{"list", jobcenterFile, "--db", missing}, exitInvalid, "does not exist"},
		{"a PostgreSQL server that does not answer", []string{"open", jobcenterFile, "--db", pg, "--keys", keys, "--kind", "access", "--subject", "c"}, exitInvalid, "check that the database is running and reachable"},
		{"an unsupported URL", []string{"show", jobcenterFile, "--db", "mysql://root:hunter2@db/x", unknown}, exitInvalid, `unsupported database URL "mysql:..."`},
		{"an invalid declaration", []string{"list", writeFile(t, "bad.yaml", "controller: {name: X}\n"), "--db", url}, exitInvalid, "is not a valid declaration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCLI(append([]string{"dsar"}, tt.args...)...)
			assert.Equal(t, tt.wantCode, code, errs)
			assert.Empty(t, out)
			assert.Contains(t, errs, tt.wantErr)
			assert.NotContains(t, errs, "hunter2", "no password in messages")
			assert.NotContains(t, errs, "citizen-1", "no subject in messages")
		})
	}
	assert.Equal(t, "received", showRequest(t, url, access).State, "no refused command changed the request")
	assert.Equal(t, "verified", showRequest(t, url, erasure).State)
}

func TestDsarHelpShowsAnExampleForEverySubcommand(t *testing.T) {
	for _, sub := range []string{"", "open", "list", "show", "verify", "export", "erase"} {
		t.Run(sub, func(t *testing.T) {
			args := []string{"dsar", "--help"}
			if sub != "" {
				args = []string{"dsar", sub, "--help"}
			}
			code, out, errs := runCLI(args...)
			require.Equal(t, exitOK, code, errs)
			assert.Contains(t, out, "Usage: frist dsar "+sub)
			assert.Contains(t, out, "Examples:\n  frist dsar ")
			assert.Contains(t, out, "Exit status:")
			assert.NotContains(t, out, "%!", "the usage text is a well-formed format")
		})
	}
	code, out, _ := runCLI("--help")
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "dsar     data-subject requests")
}

func TestNamesSubjectFindsTheIdentifierButNotItsLettersInWords(t *testing.T) {
	tests := []struct {
		method, subject string
		want            bool
	}{
		{"account Citizen-1 logged in", "citizen-1", true},
		{"customer 4711 showed the letter", "4711", true},
		{"letter to customer 4711a", "4711", true},
		{"ID card shown at the counter", "a", false},
		{"ID card of customer 7 shown", "7", true},
		{"reply to letter 17", "7", false},
		{"ID card shown at the counter", "citizen-1", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, namesSubject(tt.method, tt.subject), "%q with subject %q", tt.method, tt.subject)
	}
}

func TestDsarVerifyAndExportRefuseARefusedRequest(t *testing.T) {
	url, path, keys := dsarDB(t)
	id := openRequest(t, url, keys, "access", "citizen-1")
	// Refuse it as the application would, through package dsar.
	decl, err := policy.LoadFile(jobcenterFile)
	require.NoError(t, err)
	db, err := sql.Open("sqlite", "file:"+path+sqliteDSNOptions)
	require.NoError(t, err)
	st, err := sqlitestore.New(db, decl, nil)
	require.NoError(t, err)
	k, err := throwawayKeys(decl)
	require.NoError(t, err)
	eng, err := retention.New(decl, st, &retention.Options{AuditKey: k.audit})
	require.NoError(t, err)
	ledger, err := consent.New(eng, st, &consent.Options{Keys: k.audit})
	require.NoError(t, err)
	svc, err := dsar.NewService(eng, st, ledger, &dsar.ServiceOptions{Identity: refuseIdentity{}, AuditKey: k.audit})
	require.NoError(t, err)
	_, err = svc.Refuse(context.Background(), uuid.MustParse(id), dsar.ReasonManifestlyUnfounded)
	require.NoError(t, err)
	require.NoError(t, st.Close())
	require.NoError(t, db.Close())

	code, out, errs := runCLI("dsar", "verify", jobcenterFile, "--db", url, "--keys", keys, id, "--method", "id_card_checked")
	assert.Equal(t, exitFindings, code)
	assert.Empty(t, out)
	assert.Contains(t, errs, "is refused; a finished request is not verified any more")
	code, out, errs = runCLI("dsar", "export", jobcenterFile, "--db", url, "--keys", keys, id, "--format", "json")
	assert.Equal(t, exitFindings, code)
	assert.Empty(t, out)
	assert.Contains(t, errs, "is already refused")
	for _, b := range auditBodies(t, path) {
		assert.NotContains(t, b, attestAction, "no attestation recorded for a refused request")
	}
	r := showRequest(t, url, id)
	assert.Equal(t, "refused", r.State)
	assert.Equal(t, dsar.ReasonManifestlyUnfounded, r.History[len(r.History)-1].Reason)
}
