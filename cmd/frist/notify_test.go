package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/dsar"
	"github.com/frist-go/frist/notify"
	"github.com/frist-go/frist/notify/notifytest"
)

// maixitSecret is the secret the Jobcenter agreed with maixit.
var maixitSecret = []byte("agreed between the Jobcenter and maixit, 32+ bytes")

// newMaixit starts maixit's webhook endpoint answering status and returns
// it with a webhooks file sending maixit's notifications to it.
func newMaixit(t *testing.T, status int) (*notifytest.Endpoint, string) {
	t.Helper()
	e := notifytest.NewEndpoint(t, maixitSecret)
	e.SetStatus(status)
	return e, notifytest.WebhooksFile(t, map[string]*notifytest.Endpoint{"maixit": e})
}

// notifyEntries returns the audit log's entries of the given action.
func notifyEntries(t *testing.T, path, action string) []audit.Entry {
	t.Helper()
	var out []audit.Entry
	for _, b := range auditBodies(t, path) {
		var e audit.Entry
		require.NoError(t, json.Unmarshal([]byte(b), &e), b)
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

// TestRunNotifyTellsTheRecipientOfATimeRulesErasure: with --notify, the
// appointment the 14-day rule deletes is told to maixit by one signed
// notification naming the rule and the count and no one, the report
// counts it as told and the audit log records it. Seen to fail: with
// runRun not passing the loaded webhooks to retention.New, the endpoint
// received nothing, the report had no "Recipients told" lines and the
// audit entry said "to be told by the controller".
func TestRunNotifyTellsTheRecipientOfATimeRulesErasure(t *testing.T) {
	url, path := newJobcenterDB(t, seed{pastAppts: 1, futureAppts: 1})
	keys := keyFile(t)
	maixit, maixitFile := newMaixit(t, http.StatusNoContent)

	code, out, errs := runCLI("run", jobcenterFile, "--db", url, "--keys", keys, "--once", "--notify", maixitFile)
	require.Equal(t, exitOK, code, errs)
	assert.NotContains(t, errs, "warning", "maixit, the one recipient, has its webhook")
	assert.Contains(t, out, "\nRecipients told of the erasures (Art. 19):\n  appointment/delete_after_14d_appointment_at: 1 told, 0 not told, 0 left to the controller\n")
	assert.Equal(t, 0, countRows(t, path, "appointments", "starts_at < datetime('now')"))

	got := maixit.Notifications()
	require.Len(t, got, 1)
	n := got[0]
	assert.Equal(t, "maixit", n.Recipient)
	assert.Equal(t, notify.Erasure, n.Kind)
	assert.Equal(t, "delete_after_14d_appointment_at", n.Rule)
	assert.Equal(t, "delete", n.Action)
	assert.Equal(t, 1, n.Count)
	assert.Empty(t, n.Subject, "a time rule's erasure names no one")
	assert.Empty(t, n.Keys)
	assert.Empty(t, n.Event)
	assert.Equal(t, []string{"appointment"}, n.Datasets)
	// The rule's cutoff, 14 days ago (give or take the early window).
	assert.WithinDuration(t, time.Now().AddDate(0, 0, -14), n.Through, 12*time.Hour)
	assert.Zero(t, maixit.Forged())

	entries := notifyEntries(t, path, "retention.notify")
	require.Len(t, entries, 1)
	assert.Equal(t, "period ended: recipient maixit told (Art. 19)", entries[0].Note)
	assert.Equal(t, "delete_after_14d_appointment_at", entries[0].Rule)
	assert.Equal(t, 1, entries[0].Count)

	// A sweep that erases nothing tells no one and prints no such lines.
	code, out, errs = runCLI("run", jobcenterFile, "--db", url, "--keys", keys, "--once", "--notify", maixitFile)
	require.Equal(t, exitOK, code, errs)
	assert.NotContains(t, out, "Recipients told")
	assert.Len(t, maixit.Notifications(), 1)
}

// TestRunNotifyKeepsTheErasureWhenTheRecipientRefuses: an endpoint that
// answers 400 leaves the erasure standing and the run successful (exit
// 0), but the report, stderr and the audit log say that maixit was NOT
// told. Seen to fail: with writeTold counting rr.Told for the "not told"
// column, the report read "1 told, 1 not told"; with the stderr line
// dropped, errs lacked "NOT told".
func TestRunNotifyKeepsTheErasureWhenTheRecipientRefuses(t *testing.T) {
	url, path := newJobcenterDB(t, seed{pastAppts: 1})
	keys := keyFile(t)
	maixit, maixitFile := newMaixit(t, http.StatusBadRequest)

	code, out, errs := runCLI("run", jobcenterFile, "--db", url, "--keys", keys, "--once", "--notify", maixitFile)
	require.Equal(t, exitOK, code, errs)
	assert.Contains(t, out, "  appointment/delete_after_14d_appointment_at: 0 told, 1 not told, 0 left to the controller\n")
	assert.Contains(t, errs, "appointment/delete_after_14d_appointment_at: 1 notification to recipients NOT told (Art. 19); the erasure stands")
	assert.Equal(t, 0, countRows(t, path, "appointments", "1=1"), "the erasure stands")
	assert.Len(t, maixit.Notifications(), 1, "a 400 is not retried at once; a later run tries again")

	entries := notifyEntries(t, path, "retention.notify")
	require.Len(t, entries, 1)
	assert.True(t, strings.HasPrefix(entries[0].Note, "period ended: recipient maixit NOT told (Art. 19): recipient maixit: the endpoint refused the notification: 400 Bad Request; frist tries again at "), entries[0].Note)
	assert.Contains(t, errs, "later runs try again for a week")
}

// TestRunWithoutNotifyReportsAsBefore: without --notify the text report
// has no lines on recipients (the audit log records maixit as the
// controller's to tell), and the JSON report counts it. Seen to fail: with
// writeTold called whatever the flag, the text gained the lines.
func TestRunWithoutNotifyReportsAsBefore(t *testing.T) {
	url, path := newJobcenterDB(t, seed{pastAppts: 1})
	keys := keyFile(t)
	code, out, errs := runCLI("run", jobcenterFile, "--db", url, "--keys", keys, "--once")
	require.Equal(t, exitOK, code, errs)
	assert.NotContains(t, out, "Recipients")
	entries := notifyEntries(t, path, "retention.notify")
	require.Len(t, entries, 1)
	assert.Equal(t, "period ended: recipient maixit to be told by the controller (Art. 19): no notifier is configured", entries[0].Note)

	url, _ = newJobcenterDB(t, seed{pastAppts: 2})
	var rep reportJSON
	code, out, errs = runCLI("run", jobcenterFile, "--db", url, "--keys", keys, "--once", "--format", "json")
	require.Equal(t, exitOK, code, errs)
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	for _, r := range rep.Rules {
		if r.Rule == "delete_after_14d_appointment_at" {
			assert.Equal(t, 1, r.LeftToController, "one notification per sweep of a time rule")
			assert.Zero(t, r.Told+r.NotTold)
		}
	}
}

// TestNotifyRefusesABadWebhooksFileBeforeAnythingIsDone: a webhooks file
// with problems stops run and dsar erase with exit 2 and every problem at
// file:line, before anything is erased. Seen to fail: with loadNotifier
// ignoring the file's errors, run swept, deleted the appointment and
// exited 0.
func TestNotifyRefusesABadWebhooksFileBeforeAnythingIsDone(t *testing.T) {
	url, path := newJobcenterDB(t, seed{pastAppts: 1})
	keys := keyFile(t)
	hooks := writeFile(t, "webhooks.yaml", "maixit:\n  url: http://maixit.example/\n  secret_file: none.secret\nagentur: {url: https://a.example/, secret_file: none.secret}\n")
	code, out, errs := runCLI("run", jobcenterFile, "--db", url, "--keys", keys, "--once", "--notify", hooks)
	assert.Equal(t, exitInvalid, code)
	assert.Empty(t, out)
	assert.Contains(t, errs, "frist run: --notify: the webhooks file cannot be used; nothing was done:\n"+hooks+":2:8: maixit.url: is http on maixit.example")
	assert.Contains(t, errs, hooks+":3:16: maixit.secret_file: cannot be read: ")
	assert.Contains(t, errs, hooks+":4:1: agentur: agentur is not a recipient of the declaration; its recipients are: maixit")
	assert.Equal(t, 1, countRows(t, path, "appointments", "1=1"), "nothing was erased")

	code, _, errs = runCLI("run", jobcenterFile, "--db", url, "--keys", keys, "--once", "--notify", filepath.Join(t.TempDir(), "missing.yaml"))
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, errs, "missing.yaml: no such file or directory")
	assert.Equal(t, 1, countRows(t, path, "appointments", "1=1"), "nothing was erased")

	url, path, keys = dsarDB(t)
	id := openRequest(t, url, keys, "erasure", "citizen-2")
	verifyRequest(t, url, keys, id)
	code, _, errs = runCLI("dsar", "erase", jobcenterFile, "--db", url, "--keys", keys, id, "--notify", hooks)
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, errs, "frist dsar erase: --notify: the webhooks file cannot be used; nothing was done:\n")
	assert.Equal(t, 1, countRows(t, path, "appointments", "id = 2"), "nothing was erased")
}

// twoRecipientsYAML declares two recipients of the appointments: maixit
// and the Agentur für Arbeit.
const twoRecipientsYAML = `
controller: {name: Jobcenter, address: "Kisdorfer Weg 7a, 24568 Kaltenkirchen", time_zone: Europe/Berlin, public_authority: true}
dpo: {address: "Kisdorfer Weg 7a, 24568 Kaltenkirchen"}
authority: {name: BfDI, address: "Graurheindorfer Str. 153, 53117 Bonn"}
recipients:
  - {id: agentur, name: Agentur für Arbeit, role: public_body, country: DE, disclosure: routine}
  - {id: maixit, name: maixit GmbH, role: processor, country: DE}
  - {id: nobody, name: Niemand, role: controller, country: DE}
purposes:
  - {id: booking, description: {de: Buchung, en: Booking}, legal_basis: [6.1.e], recipients: [agentur]}
datasets:
  - id: appointment
    table: appointments
    key: id
    time: [{name: starts_at}]
    purposes: [booking]
    recipients: [maixit]
    fields: [{name: name, category: identity}]
    rules: [{after: 14d, from: starts_at, delete: true}]
`

// TestNotifyWarnsOfEachRecipientWithoutAWebhook: every recipient of a
// dataset the file does not name gets one warning line, the named one and
// a recipient of no dataset none. Seen to fail: with the warning loop over
// the file's recipients instead of the declaration's, no line was printed.
func TestNotifyWarnsOfEachRecipientWithoutAWebhook(t *testing.T) {
	decl := writeFile(t, "two.yaml", twoRecipientsYAML)
	_, hooks := newMaixit(t, http.StatusOK)
	_, _, errs := runCLI("run", decl, "--db", "sqlite:"+filepath.Join(t.TempDir(), "no", "app.db"), "--keys", keyFile(t), "--once", "--notify", hooks)
	var warnings []string
	for _, l := range strings.Split(errs, "\n") {
		if strings.Contains(l, "warning: recipient") {
			warnings = append(warnings, l)
		}
	}
	assert.Equal(t, []string{"frist run: warning: recipient agentur has no webhook in " + hooks + ": its erasures are recorded as the controller's to tell (Art. 19)"}, warnings)
}

// TestDsarEraseNotifyTellsTheRecipientAndReportsARefusal: dsar erase
// --notify tells maixit of the erasure with the subject as the recipient
// received it; when maixit refuses, the erasure stands and is completed,
// the receipt says NOT told, and the command exits 0 with a warning. Seen
// to fail: without the ErrNotNotified case, the refused notification made
// the command exit 2 saying the records "stay" although they were erased.
func TestDsarEraseNotifyTellsTheRecipientAndReportsARefusal(t *testing.T) {
	url, path, keys := dsarDB(t)
	maixit, maixitFile := newMaixit(t, http.StatusOK)
	id := openRequest(t, url, keys, "erasure", "citizen-2")
	verifyRequest(t, url, keys, id)
	var rc dsar.Receipt
	dsarJSON(t, &rc, "erase", jobcenterFile, "--db", url, "--keys", keys, id, "--notify", maixitFile)
	require.Len(t, rc.Recipients, 1)
	assert.True(t, rc.Recipients[0].Notified, rc.Recipients[0].Error)
	got := maixit.Notifications()
	require.Len(t, got, 1)
	assert.Equal(t, "citizen-2", got[0].Subject)
	assert.Equal(t, id, got[0].Request.String())
	assert.Equal(t, notify.Erasure, got[0].Kind)

	refusing, refusingFile := newMaixit(t, http.StatusForbidden)
	id = openRequest(t, url, keys, "erasure", "citizen-1")
	verifyRequest(t, url, keys, id)
	code, out, errs := runCLI("dsar", "erase", jobcenterFile, "--db", url, "--keys", keys, id, "--notify", refusingFile, "--lang", "en")
	require.Equal(t, exitOK, code, errs)
	assert.Contains(t, out, "maixit GmbH (appointment): NOT told: recipient maixit: the endpoint refused the notification: 403 Forbidden")
	assert.Contains(t, errs, "the erasure stands: frist run tries the recipients marked NOT told again for a week")
	assert.Len(t, refusing.Notifications(), 1, "a 403 is not retried at once; frist run tries again")
	assert.Equal(t, 0, countRows(t, path, "appointments", "citizen_id = 'citizen-1'"))
	assert.Equal(t, "completed", showRequest(t, url, id).State)
	for _, e := range notifyEntries(t, path, "dsar.notify") {
		assert.NotContains(t, e.Note, "citizen-")
	}
}

// TestRunTriesARefusedNotificationAgainAtALaterRun: maixit refuses the
// notification of a time rule's erasure; the run keeps it in the outbox,
// and a later run, once its time has come (set here in the database, as
// five minutes passing would), tells maixit with the same notification,
// reports it and empties the outbox. Seen to fail: with runRun not
// printing rep.Outbox (writeRetold), out lacked the line; with the
// engine not keeping the notification, the outbox was empty after the
// first run.
func TestRunTriesARefusedNotificationAgainAtALaterRun(t *testing.T) {
	url, path := newJobcenterDB(t, seed{pastAppts: 1})
	keys := keyFile(t)
	maixit, maixitFile := newMaixit(t, http.StatusBadRequest)
	code, _, errs := runCLI("run", jobcenterFile, "--db", url, "--keys", keys, "--once", "--notify", maixitFile)
	require.Equal(t, exitOK, code, errs)
	require.Equal(t, 1, countRows(t, path, "frist_outbox", "1=1"), "the refused notification waits")
	first := maixit.Notifications()
	require.Len(t, first, 1)

	// Its time comes; maixit still refuses: the JSON report counts the
	// attempt, and the notification waits again.
	execSQL(t, path, "UPDATE frist_outbox SET next = 0")
	code, out, errs := runCLI("run", jobcenterFile, "--db", url, "--keys", keys, "--once", "--notify", maixitFile, "--format", "json")
	require.Equal(t, exitOK, code, errs)
	var rep struct {
		Outbox struct {
			Tried   int `json:"tried"`
			NotTold int `json:"not_told"`
		} `json:"outbox"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
	assert.Equal(t, 1, rep.Outbox.Tried)
	assert.Equal(t, 1, rep.Outbox.NotTold)
	require.Equal(t, 1, countRows(t, path, "frist_outbox", "attempts = 2"))

	maixit.SetStatus(http.StatusOK)
	execSQL(t, path, "UPDATE frist_outbox SET next = 0")
	code, out, errs = runCLI("run", jobcenterFile, "--db", url, "--keys", keys, "--once", "--notify", maixitFile)
	require.Equal(t, exitOK, code, errs)
	assert.Contains(t, out, "Notifications tried again (Art. 19): 1 told, 0 not told (tried again later), 0 left to the controller\n")
	assert.Equal(t, 0, countRows(t, path, "frist_outbox", "1=1"), "told, it leaves the outbox")
	all := maixit.Notifications()
	require.Len(t, all, 3)
	assert.Equal(t, first[0].ID, all[2].ID, "the same notification, told again")
	entries := notifyEntries(t, path, "retention.notify")
	require.Len(t, entries, 3)
	assert.Equal(t, "period ended: recipient maixit told (Art. 19)", entries[2].Note)
}
