package main

import (
	"io"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// smtpServer is a minimal SMTP server (RFC 5321: EHLO/HELO, MAIL, RCPT,
// DATA, RSET, NOOP, QUIT) that keeps what it receives, so that tests
// deliver mail over a real SMTP connection with net/smtp and read the
// links from the delivered message.
type smtpServer struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []delivered
	wg   sync.WaitGroup
}

// delivered is one mail as the server received it.
type delivered struct {
	From, To string
	Msg      *mail.Message
	Body     string // decoded from quoted-printable
}

func newSMTPServer(t testing.TB) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &smtpServer{ln: ln}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() { _ = ln.Close(); s.wg.Wait() })
	return s
}

func (s *smtpServer) Addr() string { return s.ln.Addr().String() }

func (s *smtpServer) serve() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.session(conn)
		}()
	}
}

func (s *smtpServer) session(conn net.Conn) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	tp := textproto.NewConn(conn)
	reply := func(format string, args ...any) { _ = tp.PrintfLine(format, args...) }
	reply("220 test.invalid ESMTP")
	var from string
	var to []string
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			reply("250-test.invalid")
			reply("250 8BITMIME")
		case "HELO":
			reply("250 test.invalid")
		case "MAIL":
			from, to = pathArg(arg, "FROM:"), nil
			reply("250 OK")
		case "RCPT":
			to = append(to, pathArg(arg, "TO:"))
			reply("250 OK")
		case "DATA":
			if from == "" || len(to) == 0 {
				reply("503 need MAIL and RCPT")
				continue
			}
			reply("354 go ahead")
			raw, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			msg, err := mail.ReadMessage(strings.NewReader(string(raw)))
			if err != nil {
				reply("554 bad message")
				continue
			}
			body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
			if err != nil {
				reply("554 bad body")
				continue
			}
			s.mu.Lock()
			for _, rcpt := range to {
				s.msgs = append(s.msgs, delivered{From: from, To: rcpt, Msg: msg, Body: string(body)})
			}
			s.mu.Unlock()
			reply("250 OK queued")
		case "RSET":
			from, to = "", nil
			reply("250 OK")
		case "NOOP":
			reply("250 OK")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 not implemented")
		}
	}
}

// pathArg reads the address of "FROM:<a@b> BODY=8BITMIME".
func pathArg(arg, prefix string) string {
	if len(arg) >= len(prefix) && strings.EqualFold(arg[:len(prefix)], prefix) {
		arg = arg[len(prefix):]
	}
	arg, _, _ = strings.Cut(arg, " ")
	return strings.Trim(arg, "<>")
}

// mails returns the mails delivered to to.
func (s *smtpServer) mails(to string) []delivered {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []delivered
	for _, m := range s.msgs {
		if m.To == to {
			out = append(out, m)
		}
	}
	return out
}

// all returns every delivered mail.
func (s *smtpServer) all() []delivered {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]delivered(nil), s.msgs...)
}
