package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunKeepsFristsOwnRecordsAsDeclared: frist run's sweep expires the
// consent events of a consent withdrawn in 2020 and pseudonymizes, then
// deletes, a request closed in 2020 (jobcenter.yaml keeps frist's own
// records by the documented defaults: three years after the end of the
// year), and says so in its report; a consent in force and an open
// request stay; a restriction released in 2020 is deleted with the
// subject's identifier it named, one in force stays. Seen to fail: without
// keepOwnRecords in run, nothing was expired and the report had no records
// section; without the engine's keeper of the holds, the released
// restriction stayed and the report had no holds line.
func TestRunKeepsFristsOwnRecordsAsDeclared(t *testing.T) {
	url, path := newJobcenterDB(t, seed{})
	keys := keyFile(t)
	code, _, errs := runCLI("run", jobcenterFile, "--db", url, "--keys", keys, "--once")
	require.Equal(t, exitOK, code, errs) // creates frist's tables

	old := time.Date(2020, 5, 4, 10, 0, 0, 0, time.UTC).UnixMicro()
	recent := time.Now().Add(-time.Hour).UnixMicro()
	cols := "(id, subject, purpose, kind, at, version, text_sha256, method, actor, guardian_relation, guardian_verification, evidence, reason, reference, erased)"
	for _, ev := range []struct {
		id, subject, kind string
		at                int64
	}{
		{"01900000-0000-7000-8000-000000000001", "c-ended", "granted", old - 1000},
		{"01900000-0000-7000-8000-000000000002", "c-ended", "withdrawn", old},
		{"01900000-0000-7000-8000-000000000003", "c-active", "granted", old},
	} {
		execSQL(t, path, fmt.Sprintf(`INSERT INTO frist_consent_events %s VALUES ('%s', '%s', 'reminder', '%s', %d, '1', '', 'web_form', 'subject', '', '', '', '', '', 0)`,
			cols, ev.id, ev.subject, ev.kind, ev.at))
	}
	reqCols := "(id, subject, kind, state, is_final, received_at, due_at, version, body, closed_at, pseudonymized)"
	execSQL(t, path, fmt.Sprintf(`INSERT INTO frist_requests %s VALUES ('01900000-0000-7000-9000-000000000001', 'c-closed', 'access', 'completed', 1, %d, %d, 3, X'7B7D', %d, 0)`,
		reqCols, old-1000, old+1000, old))
	execSQL(t, path, fmt.Sprintf(`INSERT INTO frist_requests %s VALUES ('01900000-0000-7000-9000-000000000002', 'c-open', 'access', 'received', 0, %d, %d, 1, X'7B7D', NULL, 0)`,
		reqCols, recent, recent+int64(30*24*time.Hour/time.Microsecond)))

	holdCols := "(id, dataset, record_key, subject, reason, note, placed_at, until_at, released_at)"
	execSQL(t, path, fmt.Sprintf(`INSERT INTO frist_holds %s VALUES ('01900000-0000-7000-a000-000000000001', '', '', 'c-restricted', '18', '', %d, NULL, %d)`,
		holdCols, old-1000, old))
	execSQL(t, path, fmt.Sprintf(`INSERT INTO frist_holds %s VALUES ('01900000-0000-7000-a000-000000000002', '', '', 'c-held', '18', '', %d, NULL, NULL)`,
		holdCols, old-1000))

	code, out, errs := runCLI("run", jobcenterFile, "--db", url, "--keys", keys, "--once")
	require.Equal(t, exitOK, code, errs)
	assert.Contains(t, out, "frist's own records")
	assert.Regexp(t, `holds\s+1\s+0\s+0`, out)
	assert.Equal(t, 0, countRows(t, path, "frist_holds", "subject = 'c-restricted'"), "the restriction released in 2020 is deleted")
	assert.Equal(t, 1, countRows(t, path, "frist_holds", "subject = 'c-held'"), "a restriction in force stays")
	assert.Regexp(t, `consent\s+2\s+0\s+0`, out)
	assert.Regexp(t, `requests\s+1\s+1\s+0`, out, "pseudonymized, then deleted in the same sweep")
	assert.Equal(t, 0, countRows(t, path, "frist_consent_events", "subject = 'c-ended'"))
	assert.Equal(t, 1, countRows(t, path, "frist_consent_events", "subject = 'c-active'"), "a consent in force stays")
	assert.Equal(t, 0, countRows(t, path, "frist_requests", "is_final = 1"))
	assert.Equal(t, 1, countRows(t, path, "frist_requests", "subject = 'c-open'"), "an open request stays")
	assert.Equal(t, 3, countRows(t, path, "frist_audit", "action = 'records.expire'"))
	assert.Equal(t, 0, countRows(t, path, "frist_audit", "body LIKE '%c-ended%' OR body LIKE '%c-closed%' OR body LIKE '%c-restricted%'"), "the audit log names no one")

	code, out, errs = runCLI("run", jobcenterFile, "--db", url, "--keys", keys, "--once", "--format", "json")
	require.Equal(t, exitOK, code, errs)
	var rep reportJSON
	require.NoError(t, jsonUnmarshal(out, &rep))
	assert.Equal(t, []recordsReportJSON{{Kind: "consent"}, {Kind: "requests"}, {Kind: "holds"}, {Kind: "audit"}}, rep.Records, "nothing left to do")
}
