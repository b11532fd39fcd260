package main

import (
	"bytes"
	"context"
	"database/sql"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retentiontest"
)

// jobcenterPath is the declaration the service enforces.
const jobcenterPath = "../policies/jobcenter.yaml"

// testStart is a Monday morning in Berlin.
var testStart = time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)

// loadJobcenter loads the Jobcenter declaration, with edit applied to its
// text when edit is not nil.
func loadJobcenter(t testing.TB, edit func(string) string) *policy.Declaration {
	t.Helper()
	raw, err := os.ReadFile(jobcenterPath)
	require.NoError(t, err)
	text := string(raw)
	if edit != nil {
		text = edit(text)
	}
	decl, err := policy.Load(strings.NewReader(text), jobcenterPath)
	require.NoError(t, err)
	return decl
}

// testApp is an App on a fresh database file with a settable clock, as an
// application's tests would build it.
type testApp struct {
	*App
	clock *retentiontest.Clock
	db    *sql.DB
	smtp  *smtpServer
	logs  *syncBuffer
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

const testOfficePassword = "office-test-password"

// testBaseURL is the configured base URL of test apps; the test client
// sends requests for it to its test server.
const testBaseURL = "https://termine.example"

func newTestApp(t testing.TB, decl *policy.Declaration) *testApp {
	t.Helper()
	return newTestAppAt(t, decl, testBaseURL)
}

// newTestAppAt is newTestApp with base as the configured base URL.
func newTestAppAt(t testing.TB, decl *policy.Declaration, base string) *testApp {
	t.Helper()
	return newTestAppWith(t, decl, base, nil)
}

// newTestAppWith is newTestAppAt whose options edit changes before the
// app is created.
func newTestAppWith(t testing.TB, decl *policy.Declaration, base string, edit func(*Options)) *testApp {
	t.Helper()
	if decl == nil {
		decl = loadJobcenter(t, nil)
	}
	db, err := sql.Open("sqlite", SQLiteDSN(filepath.Join(t.TempDir(), "booking.db")))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	keys, err := DeriveKeys(t.Name())
	require.NoError(t, err)
	clock := retentiontest.NewClock(testStart)
	smtp := newSMTPServer(t)
	logs := &syncBuffer{}
	opts := Options{DB: db, Declaration: decl, Keys: keys, Now: clock.Now, OfficePassword: testOfficePassword,
		BaseURL: base, Logger: slog.New(slog.NewTextHandler(logs, nil)), Mailer: SMTPMailer{Addr: smtp.Addr(), From: "termine@jobcenter.example"}}
	if edit != nil {
		edit(&opts)
	}
	app, err := New(context.Background(), opts)
	require.NoError(t, err)
	return &testApp{App: app, clock: clock, db: db, smtp: smtp, logs: logs}
}

// book books the first slot with room for the citizen with email.
func (a *testApp) book(t testing.TB, email string) Appointment {
	t.Helper()
	slots, err := a.Slots(context.Background())
	require.NoError(t, err)
	for _, sl := range slots {
		if sl.Free > 0 {
			ap, err := a.Book(context.Background(), a.request(sl, email))
			require.NoError(t, err)
			return ap
		}
	}
	t.Fatal("no free slot")
	return Appointment{}
}

// request is a valid booking form for slot.
func (a *testApp) request(slot Slot, email string) Request {
	return Request{
		Slot: slot.Value(), Name: "Erika Mustermann", Email: email, BirthDate: "1984-08-12",
		CustomerNumber: "123-456789", Concern: "Antrag auf Weiterbewilligung", Consent: true,
		TextSHA256: a.consentHash, IP: "203.0.113.77",
	}
}

// count counts the rows of table matching where.
func (a *testApp) count(t testing.TB, table, where string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, a.db.QueryRow("SELECT COUNT(*) FROM "+table+" WHERE "+where, args...).Scan(&n))
	return n
}
