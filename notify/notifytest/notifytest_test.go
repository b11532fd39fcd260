package notifytest_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/notify"
	"github.com/frist-go/frist/notify/notifytest"
)

// TestEndpointKeepsSignedNotificationsAndCountsForgeries: a notification
// signed with the endpoint's secret is kept and answered with the status
// set; one signed with another secret, or unsigned, is counted as forged
// and not kept. Seen to fail: with serve skipping VerifySignature, the
// notification under the wrong secret was kept and Forged stayed 0.
func TestEndpointKeepsSignedNotificationsAndCountsForgeries(t *testing.T) {
	ctx := context.Background()
	e := notifytest.NewEndpoint(t, []byte("the secret agreed with the recipient, 32+ bytes"))
	n := notify.Notification{ID: "n1", Recipient: "maixit", Kind: notify.Erasure, Subject: "c-1", Datasets: []string{"appointment"}}
	require.NoError(t, e.Webhook().Notify(ctx, n))

	wrong := e.Webhook()
	wrong.Secret = []byte("another secret, also of 32 bytes or more")
	assert.Error(t, wrong.Notify(ctx, notify.Notification{ID: "n2", Recipient: "maixit"}))
	res, err := http.Post(e.URL, "application/json", bytes.NewReader([]byte(`{"id":"n3"}`)))
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)

	e.SetStatus(http.StatusBadRequest)
	err = e.Webhook().Notify(ctx, notify.Notification{ID: "n4", Recipient: "maixit"})
	assert.ErrorContains(t, err, "400 Bad Request")

	got := e.Notifications()
	require.Len(t, got, 2)
	assert.Equal(t, "n1", got[0].ID)
	assert.Equal(t, "c-1", got[0].Subject)
	assert.Equal(t, "n4", got[1].ID, "a refused notification was received all the same")
	assert.Equal(t, 2, e.Forged())
}
