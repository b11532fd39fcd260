package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/notify"
	"github.com/frist-go/frist/notify/notifytest"
	"github.com/frist-go/frist/policy"
)

// TestCancellationTellsMaixitThroughTheNotifyFile: the service started
// with -notify tells maixit, the Jobcenter's processor, of a cancellation
// made on the site: one signed notification naming the booking's subject
// and the appointment's key, and the audit log records maixit as told.
// Seen to fail: with New not passing Options.Notifier to retention.New,
// the endpoint received nothing and the audit entry said "to be told by
// the controller".
func TestCancellationTellsMaixitThroughTheNotifyFile(t *testing.T) {
	maixit := notifytest.NewEndpoint(t, []byte("agreed between the Jobcenter and maixit, 32+ bytes"))
	hooks := notifytest.WebhooksFile(t, map[string]*notifytest.Endpoint{"maixit": maixit})
	decl := loadJobcenter(t, nil)
	var warnings bytes.Buffer
	nf, err := loadNotifier(hooks, decl, &warnings)
	require.NoError(t, err)
	assert.Empty(t, warnings.String(), "maixit has its webhook")

	a := newTestAppWith(t, decl, testBaseURL, func(o *Options) { o.Notifier = nf })
	c := newClient(t, a)
	ap := a.book(t, "erika@example.org")
	other := a.book(t, "max@example.org")
	res, body := c.do(http.MethodPost, "/absagen", url.Values{"t": {a.Token(ap.ID)}}, false)
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Contains(t, body, "Die Termindaten sind gelöscht.")

	got := maixit.Notifications()
	require.Len(t, got, 1)
	n := got[0]
	assert.Equal(t, "maixit", n.Recipient)
	assert.Equal(t, notify.Erasure, n.Kind)
	assert.Equal(t, policy.EventCancelled, n.Event)
	assert.Equal(t, ap.Citizen, n.Subject, "named as maixit received the booking")
	assert.Equal(t, []string{strconv.FormatInt(ap.ID, 10)}, n.Keys)
	assert.Equal(t, []string{datasetAppointment}, n.Datasets)
	assert.Equal(t, 1, n.Count)
	assert.NotEqual(t, other.Citizen, n.Subject)
	assert.Zero(t, maixit.Forged())

	var notes []string
	rows, err := a.db.QueryContext(context.Background(), "SELECT body FROM frist_audit ORDER BY seq")
	require.NoError(t, err)
	defer rows.Close()
	for rows.Next() {
		var b string
		require.NoError(t, rows.Scan(&b))
		var e struct{ Action, Note string }
		require.NoError(t, json.Unmarshal([]byte(b), &e))
		if e.Action == "retention.notify" {
			notes = append(notes, e.Note)
		}
		assert.NotContains(t, b, ap.Citizen, "the audit log names the subject by pseudonym only")
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, []string{"on cancelled: recipient maixit told (Art. 19)"}, notes)
}

// TestNotifyFlagRefusesABadFileBeforeAnythingIsCreated: a -notify file
// with a problem stops the service at start with the file, line and field,
// before the key file or the database is created. Seen to fail: with the
// file loaded in serve after LoadOrCreateKeys, the key file existed.
func TestNotifyFlagRefusesABadFileBeforeAnythingIsCreated(t *testing.T) {
	dir := t.TempDir()
	hooks := filepath.Join(dir, "webhooks.yaml")
	require.NoError(t, os.WriteFile(hooks, []byte("maixit:\n  url: http://maixit.example/art19\n  secret_file: maixit.secret\n"), 0o600))
	db := filepath.Join(dir, "booking.db")
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"-notify", hooks, "-db", db, "-addr", "127.0.0.1:0", "-policy", jobcenterPath}, &out, &errb)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "booking: -notify:\n"+hooks+":2:8: maixit.url: is http on maixit.example")
	assert.Contains(t, err.Error(), hooks+":3:16: maixit.secret_file: cannot be read")
	for _, p := range []string{db, db + ".keys", db + ".office-password"} {
		_, err := os.Stat(p)
		assert.ErrorIs(t, err, os.ErrNotExist, p)
	}
}
