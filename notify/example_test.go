package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/frist-go/frist/notify"
	"github.com/frist-go/frist/policy"
)

// A recipient's endpoint checks the signature before it acts on a
// notification: here, of the erasure that followed a withdrawal of
// consent, which names the person as the recipient received the data.
func Example_recipientEndpoint() {
	secret := []byte("agreed with maixit, at least 32 bytes long")
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := notify.VerifySignature(r.Header.Get(notify.SignatureHeader), body, secret, time.Now(), 5*time.Minute); err != nil {
			http.Error(w, "forged", http.StatusUnauthorized)
			return
		}
		var n notify.Notification
		if err := json.Unmarshal(body, &n); err != nil {
			http.Error(w, "not a notification", http.StatusBadRequest)
			return
		}
		// The recipient erases its copies of the subject's appointments.
		fmt.Printf("%s of %s's %v on %s (rule %s, %d records)\n", n.Kind, n.Subject, n.Datasets, n.Event, n.Rule, n.Count)
	}))
	defer endpoint.Close()

	var nf notify.Notifier = notify.Webhooks{"maixit": {URL: endpoint.URL, Secret: secret}}
	err := nf.Notify(context.Background(), notify.Notification{
		ID: "01938a6e-5c2b-7d4e-9f10-2b3c4d5e6f70", Recipient: "maixit", Kind: notify.Erasure,
		Event: policy.EventConsentWithdrawn, Purpose: "booking", Rule: "delete_on_withdrawal", Action: "delete",
		Subject: "c-1001", Datasets: []string{"appointment"}, Count: 2,
		At: time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC),
	})
	fmt.Println("delivered:", err == nil)
	// Output:
	// erasure of c-1001's [appointment] on consent_withdrawn (rule delete_on_withdrawal, 2 records)
	// delivered: true
}
