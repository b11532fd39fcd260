package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/notify"
	"github.com/frist-go/frist/policy"
)

// maixitSecret is the secret the Jobcenter agreed with maixit in the tests.
const maixitSecret = "agreed between the Jobcenter and maixit, 32+ bytes"

// maixitEndpoint is maixit's webhook on a loopback address: it keeps the
// notifications whose signature verifies.
type maixitEndpoint struct {
	*httptest.Server
	mu  sync.Mutex
	got []notify.Notification
	bad int
}

func newMaixitEndpoint(t *testing.T) *maixitEndpoint {
	t.Helper()
	e := &maixitEndpoint{}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		defer e.mu.Unlock()
		// The signature carries the wall clock's time, not the app's.
		if err := notify.VerifySignature(r.Header.Get(notify.SignatureHeader), body, []byte(maixitSecret), time.Now(), time.Minute); err != nil {
			e.bad++
			http.Error(w, "forged", http.StatusUnauthorized)
			return
		}
		var n notify.Notification
		if err := json.Unmarshal(body, &n); err != nil {
			http.Error(w, "not a notification", http.StatusBadRequest)
			return
		}
		e.got = append(e.got, n)
	}))
	t.Cleanup(e.Close)
	return e
}

func (e *maixitEndpoint) notifications() []notify.Notification {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]notify.Notification(nil), e.got...)
}

// TestCancellationTellsMaixitThroughTheNotifyFile: the service started
// with -notify tells maixit, the Jobcenter's processor, of a cancellation
// made on the site: one signed notification naming the booking's subject
// and the appointment's key, and the audit log records maixit as told.
// Seen to fail: with New not passing Options.Notifier to retention.New,
// the endpoint received nothing and the audit entry said "to be told by
// the controller".
func TestCancellationTellsMaixitThroughTheNotifyFile(t *testing.T) {
	maixit := newMaixitEndpoint(t)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "maixit.secret"), []byte(maixitSecret+"\n"), 0o600))
	hooks := filepath.Join(dir, "webhooks.yaml")
	require.NoError(t, os.WriteFile(hooks, []byte("maixit:\n  url: "+maixit.URL+"/art19\n  secret_file: maixit.secret\n"), 0o600))
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

	got := maixit.notifications()
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
	assert.Zero(t, maixit.bad)

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
