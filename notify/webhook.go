package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Webhooks is a Notifier that POSTs each Notification as JSON to the
// recipient's endpoint, by recipient ID.
type Webhooks map[string]*Webhook

// Notify implements Notifier.
func (w Webhooks) Notify(ctx context.Context, n Notification) error {
	h := w[n.Recipient]
	if h == nil {
		return fmt.Errorf("%w: no webhook for recipient %s", ErrNoChannel, n.Recipient)
	}
	return h.Notify(ctx, n)
}

// Webhook delivers notifications to one recipient's HTTPS endpoint. The
// body is the Notification as JSON. It is signed so that the recipient can
// tell it from a forgery: the header Frist-Signature holds
// "t=<unix seconds>,v1=<hex HMAC-SHA-256 of "<t>.<body>" under Secret>",
// and Idempotency-Key the notification's ID. A delivery that fails for
// the network, a 5xx or a 429 answer is retried with a doubling pause;
// any other answer outside 2xx ends the delivery at once. Either way, a
// notification not delivered is tried again by the retention engine's
// later sweeps (retention.RetryTellingFor).
type Webhook struct {
	// URL is the endpoint. It must be https, except on a loopback address
	// (for tests): the body names the data subject.
	URL string
	// Secret signs the body; at least 32 bytes, agreed with the recipient.
	Secret []byte
	// Client sends the requests. Default: a client with a 10-second
	// timeout.
	Client *http.Client
	// Attempts is how often a delivery is tried. Default 5.
	Attempts int
	// Backoff is the pause before the second attempt, doubling after.
	// Default one second.
	Backoff time.Duration
	// Now is the clock of the signature's time. Default time.Now.
	Now func() time.Time
}

// SignatureHeader is the header that carries a webhook's signature.
const SignatureHeader = "Frist-Signature"

// Notify implements Notifier.
func (h *Webhook) Notify(ctx context.Context, n Notification) error {
	u, err := url.Parse(h.URL)
	if err != nil || u.Host == "" {
		return errors.New("the webhook URL does not parse")
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())) {
		return fmt.Errorf("the webhook URL of recipient %s is not https; the notification names the data subject", n.Recipient)
	}
	if len(h.Secret) < MinSecret {
		return fmt.Errorf("the webhook secret of recipient %s has %d bytes, want at least %d", n.Recipient, len(h.Secret), MinSecret)
	}
	body, err := json.Marshal(n)
	if err != nil {
		return fmt.Errorf("encoding the notification: %w", err)
	}
	client := h.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	attempts, pause := h.Attempts, h.Backoff
	if attempts <= 0 {
		attempts = 5
	}
	if pause <= 0 {
		pause = time.Second
	}
	var last error
	for i := 0; i < attempts; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
				return errors.Join(last, ctx.Err())
			case <-time.After(pause):
			}
			pause *= 2
		}
		retry, err := h.post(ctx, client, body, n.ID)
		if err == nil {
			return nil
		}
		last = err
		if !retry {
			break
		}
	}
	return fmt.Errorf("recipient %s: %w", n.Recipient, last)
}

// post makes one attempt and says whether a failure may be retried.
func (h *Webhook) post(ctx context.Context, client *http.Client, body []byte, id string) (retry bool, err error) {
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	t := strconv.FormatInt(now().Unix(), 10)
	mac := hmac.New(sha256.New, h.Secret)
	mac.Write([]byte(t + "."))
	mac.Write(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, "t="+t+",v1="+hex.EncodeToString(mac.Sum(nil)))
	req.Header.Set("Idempotency-Key", id)
	resp, err := client.Do(req)
	if err != nil {
		// The error names the URL, never the body.
		return true, fmt.Errorf("delivery failed: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return false, nil
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return true, fmt.Errorf("the endpoint answered %s", resp.Status)
	}
	return false, fmt.Errorf("the endpoint refused the notification: %s", resp.Status)
}

// VerifySignature checks a webhook's Frist-Signature header against body
// and secret, and that its time is within tolerance of now: what a
// recipient's endpoint does before it acts on a notification.
func VerifySignature(header string, body, secret []byte, now time.Time, tolerance time.Duration) error {
	var t, v1 string
	for _, part := range bytes.Split([]byte(header), []byte(",")) {
		k, v, _ := bytes.Cut(part, []byte("="))
		switch string(k) {
		case "t":
			t = string(v)
		case "v1":
			v1 = string(v)
		}
	}
	sec, err := strconv.ParseInt(t, 10, 64)
	if err != nil || v1 == "" {
		return errors.New("notify: the signature header is not t=<unix>,v1=<hex>")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return errors.New("notify: the signature is too old or from the future")
	}
	want, err := hex.DecodeString(v1)
	if err != nil {
		return errors.New("notify: the signature is not hex")
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(t + "."))
	mac.Write(body)
	if !hmac.Equal(mac.Sum(nil), want) {
		return errors.New("notify: the signature does not match")
	}
	return nil
}

// isLoopback reports whether host is a loopback name or address.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
