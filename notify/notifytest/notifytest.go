// Package notifytest gives an application's tests a recipient's webhook
// endpoint, so that they can check what a recipient is told of erasures,
// rectifications and restrictions (Art. 19 GDPR) and what becomes of a
// refused notification, without a network beyond the loopback address.
package notifytest

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frist-go/frist/notify"
)

// Endpoint is a recipient's webhook endpoint on a loopback address (which
// notify.Webhook accepts over plain http). It checks every request's
// signature with notify.VerifySignature against Secret and the wall clock,
// answers a forged or garbled one 401 or 400, keeps each verified
// notification, and answers it with the status set (200 by default). It
// is closed when the test ends. An Endpoint is safe for concurrent use.
type Endpoint struct {
	*httptest.Server
	// Secret is the secret the endpoint verifies signatures with.
	Secret []byte

	mu     sync.Mutex
	status int
	got    []notify.Notification
	forged int
}

// NewEndpoint starts an Endpoint verifying with secret.
func NewEndpoint(tb testing.TB, secret []byte) *Endpoint {
	tb.Helper()
	e := &Endpoint{Secret: secret, status: http.StatusOK}
	e.Server = httptest.NewServer(http.HandlerFunc(e.serve))
	tb.Cleanup(e.Close)
	return e
}

func (e *Endpoint) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	e.mu.Lock()
	defer e.mu.Unlock()
	if err != nil || notify.VerifySignature(r.Header.Get(notify.SignatureHeader), body, e.Secret, time.Now(), 5*time.Minute) != nil {
		e.forged++
		http.Error(w, "the signature does not verify", http.StatusUnauthorized)
		return
	}
	var n notify.Notification
	if err := json.Unmarshal(body, &n); err != nil {
		e.forged++
		http.Error(w, "not a notification", http.StatusBadRequest)
		return
	}
	e.got = append(e.got, n)
	w.WriteHeader(e.status)
}

// Webhook returns a notify.Webhook that delivers to the endpoint, trying
// once.
func (e *Endpoint) Webhook() *notify.Webhook {
	return &notify.Webhook{URL: e.URL, Secret: e.Secret, Attempts: 1}
}

// SetStatus sets the status the endpoint answers verified notifications
// with from now on: a 4xx refuses them for good, a 5xx lets the Webhook
// retry. The notification is kept either way.
func (e *Endpoint) SetStatus(status int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.status = status
}

// Notifications returns the notifications received with a valid
// signature, in the order they arrived, refused ones included.
func (e *Endpoint) Notifications() []notify.Notification {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]notify.Notification(nil), e.got...)
}

// Forged counts the requests whose signature did not verify or whose body
// was no notification.
func (e *Endpoint) Forged() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.forged
}

// WebhooksFile writes a webhooks file (see notify.LoadWebhooks) that
// sends the notifications of each recipient ID to its endpoint, with the
// secrets in files beside it ("ID.secret", mode 0600), into a new
// temporary directory, and returns the file's path: what an application
// passes to "frist run --notify" or loads with notify.LoadWebhooksFile.
// Each delivery is tried twice, 10ms apart.
func WebhooksFile(tb testing.TB, endpoints map[string]*Endpoint) string {
	tb.Helper()
	dir := tb.TempDir()
	var b strings.Builder
	b.WriteString("# who is told how (Art. 19)\n")
	for _, rid := range slices.Sorted(maps.Keys(endpoints)) {
		e := endpoints[rid]
		if err := os.WriteFile(filepath.Join(dir, rid+".secret"), append(slices.Clone(e.Secret), '\n'), 0o600); err != nil {
			tb.Fatalf("notifytest: writing the secret of %s: %v", rid, err)
		}
		b.WriteString(rid + ":\n  url: " + e.URL + "/art19\n  secret_file: " + rid + ".secret\n  attempts: 2\n  backoff: 10ms\n")
	}
	path := filepath.Join(dir, "webhooks.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		tb.Fatalf("notifytest: writing the webhooks file: %v", err)
	}
	return path
}
