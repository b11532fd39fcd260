package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/smtp"
	"strings"
	"time"
)

// Mailer sends a plain-text mail. The service sends only the one-time
// links of e-mail verification (verify.go); a mail goes to exactly the
// address it names, so whoever opens its link has shown that they read
// that address's mail.
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
}

// SMTPMailer sends mail through an SMTP server (a relay of the Amt) with
// net/smtp: STARTTLS when the server offers it, authentication when Auth
// is set (net/smtp sends it only over TLS or to localhost).
type SMTPMailer struct {
	// Addr is the server's host:port.
	Addr string
	// From is the envelope and header sender.
	From string
	// Auth authenticates to the server; nil sends without.
	Auth smtp.Auth
	// Timeout bounds one delivery; default 30 seconds.
	Timeout time.Duration
}

// ErrMail is returned when a mail could not be handed to the server; it
// never names the recipient.
var ErrMail = errors.New("booking: sending mail failed")

// Send implements Mailer.
func (m SMTPMailer) Send(ctx context.Context, to, subject, body string) error {
	if m.Addr == "" || m.From == "" {
		return fmt.Errorf("%w: no SMTP server or sender configured (-smtp, -mail-from)", ErrMail)
	}
	timeout := m.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	msg, err := composeMail(m.From, to, subject, body, time.Now())
	if err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(m.Addr)
	if err != nil {
		return fmt.Errorf("%w: SMTP address %q: %v", ErrMail, m.Addr, err)
	}
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", m.Addr)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMail, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("%w: %v", ErrMail, err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(&tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}); err != nil {
			return fmt.Errorf("%w: STARTTLS: %v", ErrMail, err)
		}
	}
	if m.Auth != nil {
		if err := c.Auth(m.Auth); err != nil {
			return fmt.Errorf("%w: authentication: %v", ErrMail, err)
		}
	}
	if err := c.Mail(m.From); err != nil {
		return fmt.Errorf("%w: MAIL FROM: %v", ErrMail, err)
	}
	if err := c.Rcpt(to); err != nil {
		return fmt.Errorf("%w: the server refused the recipient: %v", ErrMail, smtpCode(err))
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("%w: DATA: %v", ErrMail, err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("%w: %v", ErrMail, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("%w: %v", ErrMail, err)
	}
	return c.Quit()
}

// smtpCode keeps only the status code of a server's reply, which may
// repeat the recipient's address.
func smtpCode(err error) string {
	s := err.Error()
	if code, _, ok := strings.Cut(s, " "); ok && len(code) == 3 {
		return "reply " + code
	}
	return "refused"
}

// composeMail builds an RFC 5322 message: UTF-8 text, quoted-printable, a
// subject in RFC 2047 form. Addresses are checked to hold no line breaks.
func composeMail(from, to, subject, body string, at time.Time) ([]byte, error) {
	for _, s := range []string{from, to, subject} {
		if strings.ContainsAny(s, "\r\n") {
			return nil, fmt.Errorf("%w: a header holds a line break", ErrMail)
		}
	}
	var b bytes.Buffer
	domain := "localhost"
	if _, d, ok := strings.Cut(from, "@"); ok {
		domain = d
	}
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s@%s>\r\n",
		from, to, mime.QEncoding.Encode("utf-8", subject), at.Format(time.RFC1123Z), rand.Text(), domain)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(strings.ReplaceAll(body, "\n", "\r\n"))); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	b.WriteString("\r\n")
	return b.Bytes(), nil
}
